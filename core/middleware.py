"""The Content-Security-Policy header on every response.

Scripts run only from our own static files (no inline ``<script>``, no ``on…=`` attributes, no
``eval``), so a name holding ``<script>`` or ``onerror=`` that slipped into a page as HTML would
still execute nothing. Styles may be inline (Leaflet and ECharts position their elements with
``style``). The policy is the setting ``CONTENT_SECURITY_POLICY`` (an empty value sends none)."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response

"""The Content-Security-Policy header on every response; a cap on request bodies; the outbox's answers.

Scripts run only from our own static files (no inline ``<script>``, no ``on…=`` attributes, no
``eval``), so a name holding ``<script>`` or ``onerror=`` that slipped into a page as HTML would
still execute nothing. Styles may be inline (Leaflet and ECharts position their elements with
``style``). The policy is the setting ``CONTENT_SECURITY_POLICY`` (an empty value sends none)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext as _


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class OutboxMiddleware:
    """Answers for the phone's outbox (``static/js/outbox.js``), which posts a page's form with
    ``fetch`` and the header ``X-Outbox: 1``; the page channel itself is unchanged.

    A page answers a good POST with a redirect and a refused one with the form shown again
    (200). A script cannot tell those apart from a redirect to the login page, so for an outbox
    POST: a redirect to the login page becomes 401, any other redirect 200 with
    ``{"ok": true, "location": …}`` (the page's messages stay for the next page), and a page
    shown again 400 (the script shows the errors it carries). JSON answers pass unchanged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "POST" or request.headers.get("X-Outbox") != "1":
            return response
        if response.status_code in (301, 302, 303, 307, 308):
            location = response.get("Location", "")
            login = resolve_url(settings.LOGIN_URL)
            if urlsplit(location).path == urlsplit(login).path:
                return JsonResponse(
                    {"message": _("登录已过期,请重新登录;待发送的内容会在登录后重新发送。")}, status=401
                )
            return JsonResponse({"ok": True, "location": location})
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            response.status_code = 400
            response.reason_phrase = "Bad Request"
        return response


def request_body_cap() -> int:
    """The largest body a request may declare: one attachment (the phone report's photo, an
    upload form's file) plus the form's other fields."""
    return int(settings.ATTACHMENTS["MAX_BYTES"]) + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + 64 * 1024


class RequestSizeLimitMiddleware:
    """A body larger than ``request_body_cap`` is refused with 413 before a byte of it is read
    (Django caps form fields, not files: a signed-in user could otherwise stream gigabytes to
    temporary files before the attachment check saw the size)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        cap = request_body_cap()
        if length > cap:
            message = _("提交的内容过大(超过 %(mb)s MB),请缩小照片或分次上传。") % {
                "mb": cap // (1024 * 1024)
            }
            if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
                return JsonResponse(
                    {"detail": message}, status=413, json_dumps_params={"ensure_ascii": False}
                )
            return render(request, "400.html", {"message": message}, status=413)
        return self.get_response(request)

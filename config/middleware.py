"""The interface is Chinese unless the user chooses English (the language switch in the user
menu sets Django's language cookie). A browser's Accept-Language is not followed: police PCs and
phones come with all sorts of system languages, and a page must not switch to English by itself."""


class IgnoreBrowserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)

"""Login throttling (django-axes): what a locked-out caller is answered.

After ``AXES_FAILURE_LIMIT`` wrong passwords for one account or from one address, logins for it
are refused for ``AXES_COOLOFF_TIME``, even with the right password. Axes records the attempts
(``axes.AccessAttempt``, visible in the admin: deleting the rows, or ``manage.py axes_reset``,
unlocks) and calls :func:`lockout_response`, which answers in the caller's terms: the login form
(or the admin's) shown again with the message, JSON for the API (HTTP basic auth)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.authentication import BasicScheme
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication

STATUS = 429


def lockout_message() -> str:
    cool_off = getattr(settings, "AXES_COOLOFF_TIME", None)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
    return _(
        "登录失败次数过多,该账号或本机地址已被暂时锁定,请 %(minutes)s 分钟后再试,或联系系统管理员解锁。"
    ) % {"minutes": minutes}


class LockedOut(exceptions.APIException):
    status_code = 429
    default_code = "locked_out"


class ThrottledBasicAuthentication(BasicAuthentication):
    """HTTP basic auth whose locked-out caller is told so (429 with the message), not just
    "invalid password": axes flags the DRF request, which its middleware never sees."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if request is not None and getattr(request, "axes_locked_out", False):
                raise LockedOut(lockout_message()) from None
            raise


class ThrottledBasicScheme(BasicScheme):
    """The schema's "basic" security scheme for :class:`ThrottledBasicAuthentication`."""

    target_class = "core.lockout.ThrottledBasicAuthentication"


class _LockedOut:
    """A mixin for the login forms: whatever was typed, the form answers with the lockout."""

    def clean(self):
        raise ValidationError(lockout_message(), code="locked_out")


class LockedOutLoginForm(_LockedOut, AuthenticationForm):
    pass


class LockedOutAdminLoginForm(_LockedOut, AdminAuthenticationForm):
    pass


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    path = request.path
    if path.startswith("/api/") or request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=STATUS)
    data = request.POST if request.method == "POST" else None
    if path.startswith("/admin/"):
        admin_form = LockedOutAdminLoginForm(request, data=data)
        admin_form.is_valid()
        context = {
            **admin.site.each_context(request),
            "form": admin_form,
            "title": _("登录"),
            "app_path": request.get_full_path(),
            "username": request.POST.get("username", ""),
        }
        return render(request, "admin/login.html", context, status=STATUS)
    form = LockedOutLoginForm(request, data=data)
    form.is_valid()
    context = {"form": form, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=STATUS)

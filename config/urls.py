from django.conf import settings
from django.conf.urls.i18n import i18n_patterns  # noqa: F401
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path, reverse_lazy
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.serviceworker import service_worker
from core.views import healthz
from governance.views import HomeView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # the phone service worker, at the root so that its scope is every page (core/serviceworker.py)
    path("sw.js", service_worker, name="service-worker"),
    path("i18n/", include("django.conf.urls.i18n")),
    # the djangojs catalogue (gettext/interpolate for static/js), loaded by the base templates
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")
        ),
        name="api-docs",
    ),
    path("api/v1/", include("config.api_urls")),
    path("inbox/", include("core.urls")),
    path("attachments/", include("core.attachments.urls")),
    path("exports/", include("core.exportjobs.urls")),
    path("dashboard/", include("dashboards.urls")),
    # un-namespaced, because the settings name them: LOGIN_URL = "login", LOGIN_REDIRECT_URL = "home"
    path("", HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # every signed-in user changes their own password (the user menu links here)
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="core/password_change.html", success_url=reverse_lazy("password-change-done")
        ),
        name="password-change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html"),
        name="password-change-done",
    ),
    path("", include("governance.urls")),
    path("stations/", include("stations.urls")),
    path("screening/", include("screening.urls")),
    path("points/", include("governance.points.urls")),
    path("m/", include("disputes.mobile.urls")),
    path("patrols/", include("patrols.urls")),
    path("visits/", include("patrols.visits.urls")),
    path("cases/from-incident/", include("disputes.incidents.urls")),
    path("cases/", include("disputes.tiers.urls")),
    path("cases/", include("disputes.urls")),
]

handler400 = "core.views.bad_request"
handler404 = "core.views.not_found"

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns  # noqa: F401
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # the djangojs catalogue (gettext/interpolate for static/js), loaded by the base templates
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        login_required(
            SpectacularSwaggerView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")
        ),
        name="api-docs",
    ),
    path("api/v1/", include("config.api_urls")),
    path("inbox/", include("core.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("", include("governance.urls_auth")),
    path("", include("governance.urls")),
    path("stations/", include("stations.urls")),
    path("screening/", include("screening.urls")),
    path("points/", include("governance.urls_points")),
    path("m/", include("disputes.urls_mobile")),
    path("patrols/", include("patrols.urls")),
    path("visit-tasks/", include("patrols.urls_tasks")),
    path("cases/from-incident/", include("disputes.urls_incidents")),
    path("cases/", include("disputes.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("平台")

    def ready(self) -> None:
        # the export tasks are known before the first job is queued, so that eager mode (tests,
        # ``run_jobs``) runs them in process rather than sending them by name
        from .exportjobs import tasks  # noqa: F401

from django.apps import AppConfig
from django.db.models import Field, ForeignObject
from django.utils.translation import gettext_lazy as _

from .sql import Among


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("平台")

    def ready(self) -> None:
        Field.register_lookup(Among)
        ForeignObject.register_lookup(Among)  # its lookups are its own (not Field's)
        # the export tasks are known before the first job is queued, so that eager mode (tests,
        # ``run_jobs``) runs them in process rather than sending them by name
        from .exportjobs import tasks  # noqa: F401

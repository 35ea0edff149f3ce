from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "screening"
    verbose_name = _("滚动排查")

    def ready(self) -> None:
        from governance.services import register_grids_changed

        from .services import round_grids_of_changed_grids

        # grids created, deactivated or archived: their rows of the completeness summary
        register_grids_changed(round_grids_of_changed_grids)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disputes"
    verbose_name = _("矛盾纠纷")

    def ready(self) -> None:
        from governance.home import register_home_panel
        from stations.services import register_incidents_recorded

        from .home import dispute_panel
        from .services import rescore_cases_of_incidents

        register_home_panel(dispute_panel)
        # a repeat incident re-scores the cases from its source at once
        register_incidents_recorded(rescore_cases_of_incidents)

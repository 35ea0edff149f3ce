from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disputes"
    verbose_name = _("矛盾纠纷")

    def ready(self) -> None:
        from governance.home import register_home_panel
        from stations.services import register_incident_recorded

        from .home import dispute_panel
        from .risk import rescore_cases_of_incident
        from .tiers.home import work_queue_panel

        register_home_panel(dispute_panel)
        register_home_panel(work_queue_panel)  # 我的待办
        # a repeat incident re-scores the cases from its source at once
        register_incident_recorded(rescore_cases_of_incident)

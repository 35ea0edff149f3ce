from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disputes"
    verbose_name = _("矛盾纠纷")

    def ready(self) -> None:
        from django.urls import reverse

        from core.exportjobs.registry import register_export
        from governance.home import register_home_panel
        from governance.privacy import register_revealer
        from stations.services import register_incidents_changed, register_incidents_recorded

        from . import exports
        from .attachments import register_attachables
        from .home import dispute_panel
        from .incidents.turns import criminal_turns_refresh_incidents
        from .models import Party
        from .selectors import related_get
        from .services import rescore_cases_of_incidents
        from .tiers.home import work_queue_panel

        register_home_panel(dispute_panel)
        register_home_panel(work_queue_panel)  # 我的待办
        # a repeat incident re-scores the cases from its source at once
        register_incidents_recorded(rescore_cases_of_incidents)
        # 民转刑 is stored: a criminal incident recorded or edited refreshes its rows
        register_incidents_recorded(criminal_turns_refresh_incidents)
        register_incidents_changed(criminal_turns_refresh_incidents)
        # 查看完整号码 on a party: through the case scope (a mediator their cases, an auxiliary
        # officer their village)
        register_revealer("disputes.party", lambda user, pk: related_get(Party, user=user, pk=pk))
        register_attachables()  # photos and scans (core.attachments)
        # the ledger of a large list is written in the background (core.exportjobs)
        register_export(
            exports.EXPORT_KIND,
            title=exports.SHEET_TITLE,
            rows=exports.ledger_cases,
            write=exports.write_case_ledger,
            file_stem="cases-ledger",
            content_type=exports.XLSX,
            back_url=lambda query: reverse("disputes:case-list") + (f"?{query}" if query else ""),
        )

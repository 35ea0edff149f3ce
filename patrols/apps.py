from django.apps import AppConfig


class PatrolsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "patrols"

    def ready(self) -> None:
        from disputes.risk import register_risk_rise_handler

        from .attachments import register_attachables
        from .home import register_phone_counts
        from .visits.services import risk_visits_create

        # a case rising to 红/橙 gets its visit in the same transaction, not at the next sweep
        register_risk_rise_handler(risk_visits_create)
        register_attachables()  # a photo on a grid or patrol check-in (core.attachments)
        register_phone_counts()  # the phone home's tiles (disputes.mobile)

from django.apps import AppConfig


class DisputesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disputes"
    verbose_name = "矛盾纠纷"

    def ready(self) -> None:
        from governance.home import register_home_panel

        from .home import dispute_panel

        register_home_panel(dispute_panel)

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo county (``manage.py seed_demo``). Depends on every app; nothing depends on it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "演示数据"

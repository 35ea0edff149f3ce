from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stations"
    verbose_name = _("派出所")

    def ready(self) -> None:
        # Station staff and auxiliary officers see villages through station records;
        # governance asks us, so that it never imports this app.
        from governance import scoping

        from . import selectors
        from .attachments import register_attachables

        scoping.register_village_scope("station", selectors.station_staff_village_ids)
        scoping.register_village_scope("auxiliary", selectors.auxiliary_village_ids)
        register_attachables()  # a photo on a village check-in (core.attachments)

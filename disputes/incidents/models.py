"""The link between a station's incident (警情) and the dispute case made from it.

It lives on the disputes side because ``stations`` must not know about cases: the incident
reaches its case through the reverse accessor ``incident.case_link`` (read by the ORM, no
import), the case its incident through ``case.incident_link``. Its app label is ``disputes``
(the package this module is in); ``disputes/models.py`` imports it at the top so that Django
registers it with the app's other models.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentLink(models.Model):
    incident = models.OneToOneField(
        "stations.Incident", verbose_name=_("警情"), on_delete=models.PROTECT, related_name="case_link"
    )
    case = models.OneToOneField(
        "disputes.DisputeCase", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="incident_link"
    )
    created_by = models.ForeignKey(
        "governance.User", verbose_name=_("转案人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("转案时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("警情转案件")
        verbose_name_plural = _("警情转案件")

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.case_id}"

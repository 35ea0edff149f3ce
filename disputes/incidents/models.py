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


class CriminalTurn(models.Model):
    """民转刑, stored (issue 15): a criminal incident (刑事警情) from a case's source — at its place
    or from one of its parties' phones (``disputes.selectors.case_incidents``) — received after
    the case was reported. Derived data: written by ``services.criminal_turns_refresh`` when a
    case, a party or an incident changes, and rebuilt nightly (``criminal_turns_rebuild``), so
    the dashboards count rows here instead of a correlated EXISTS over every incident.
    ``received_at`` is the incident's and ``village`` the case's, copied for the area and period
    filter."""

    case = models.ForeignKey(
        "disputes.DisputeCase",
        verbose_name=_("案件"),
        on_delete=models.CASCADE,
        related_name="criminal_turns",
    )
    incident = models.ForeignKey(
        "stations.Incident", verbose_name=_("刑事警情"), on_delete=models.CASCADE, related_name="+"
    )
    received_at = models.DateTimeField(_("接警时间"))
    # the case's village, copied (kept by the same writes, a transfer included): the dashboards
    # count an area's turns of a period from one index range, without reading the cases
    village = models.ForeignKey(
        "governance.Region",
        verbose_name=_("村(社区)"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("民转刑")
        verbose_name_plural = _("民转刑")
        constraints = [models.UniqueConstraint(fields=["case", "incident"], name="criminalturn_unique_pair")]
        indexes = [
            models.Index(
                fields=["village", "received_at"], include=["case"], name="criminalturn_village_period"
            ),
            models.Index(fields=["incident"], name="criminalturn_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.incident_id}"

"""A dispute incident (纠纷警情) becomes a dispute case in one action.

This is a disputes-layer service that reads the station's incident (``stations`` never learns
about cases): the case is made by ``services.case_report`` with ``source="incident"``, and the
two are linked both ways by ``IncidentLink`` (``incident.case_link.case`` /
``case.incident_link.incident``). A second call for the same incident makes nothing and returns
the case made the first time, with ``created=False``.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, NotPermitted
from disputes import services
from disputes.models import DisputeCase, Party, Source
from governance.models import Grid, User
from stations.models import Incident
from stations.selectors import incident_list

from ..tiers import intake as tier_intake
from ..tiers.models import LinkedReport
from .models import IncidentLink


def _case_of(incident: Incident) -> DisputeCase | None:
    """The case the incident became, or the one it was linked to as a repeat report."""
    link = IncidentLink.objects.filter(incident=incident).select_related("case").first()
    if link is not None:
        return link.case
    linked = (
        LinkedReport.objects.filter(incident_id=incident.pk).select_related("case").order_by("pk").first()
    )
    return linked.case if linked is not None else None


@transaction.atomic
def incident_link_to_case(*, actor: User, incident: Incident, case: DisputeCase) -> tuple[DisputeCase, bool]:
    """A 纠纷 incident about a dispute whose case is open: recorded against that case (a linked
    report with the incident's number, caller and a timeline event), no new case. Returns
    ``(case, linked)``; an incident already converted or linked returns its case, ``False``."""
    if not incident_list(user=actor).filter(pk=incident.pk).exists():
        raise DomainError(_("警情不存在或不在您的辖区内。"), code="not_found")
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    existing = _case_of(locked)
    if existing is not None:
        return existing, False
    if locked.category != Incident.Category.DISPUTE:
        raise DomainError(
            _("只有“纠纷”类警情可以转为矛盾纠纷案件;如确属纠纷,请先修改警情类别。"),
            field="category",
            code="not_dispute",
        )
    tier_intake.link_incident(actor=actor, case=case, incident=locked)
    return case, True


@transaction.atomic
def case_from_incident(
    *,
    actor: User,
    incident: Incident,
    category: str,
    summary: str = "",
    people_involved: int = 2,
    threat_flag: bool = False,
    vulnerable_flag: bool = False,
    grid: Grid | None = None,
    note: str = "",
    **extra: Any,
) -> tuple[DisputeCase, bool]:
    """Turn a 纠纷 incident into a case. Returns ``(case, created)``."""
    if not incident_list(user=actor).filter(pk=incident.pk).exists():
        raise DomainError(_("警情不存在或不在您的辖区内。"), code="not_found")
    if not services.may(actor, "report"):
        raise NotPermitted(_("您的角色不能登记矛盾纠纷。"))
    locked = Incident.objects.select_for_update().select_related("village").get(pk=incident.pk)
    existing = _case_of(locked)
    if existing is not None:
        return existing, False
    if locked.category != Incident.Category.DISPUTE:
        raise DomainError(
            _("只有“纠纷”类警情可以转为矛盾纠纷案件;如确属纠纷,请先修改警情类别。"),
            field="category",
            code="not_dispute",
        )
    parties = []
    if locked.caller_name:
        caller = {"name": locked.caller_name, "role": "applicant", "phone": locked.caller_phone}
        # 家支 and ethnicity where known: the same person (name and phone) in an earlier case
        known = (
            Party.objects.filter(name=locked.caller_name, phone=locked.caller_phone)
            .exclude(clan="", ethnicity="")
            .order_by("-pk")
            .first()
            if locked.caller_phone
            else None
        )
        if known is not None:
            caller.update(clan=known.clan, ethnicity=known.ethnicity)
        parties.append(caller)
    text = (summary or "").strip() or locked.summary
    if not summary and locked.parties:
        text = f"{text}\n" + _("当事人:%(parties)s") % {"parties": locked.parties}
    case = services.case_report(
        actor=actor,
        village=locked.village,
        category=category,
        summary=text,
        grid=grid,
        source=Source.INCIDENT,
        people_involved=people_involved,
        address=locked.address,
        threat_flag=threat_flag,
        vulnerable_flag=vulnerable_flag,
        occurred_on=timezone.localdate(locked.received_at),
        parties=parties,
        note=(note or _("由警情 %(number)s 转入") % {"number": locked.number}),
        **extra,
    )
    IncidentLink.objects.create(incident=locked, case=case, created_by=actor)
    return case, True


def case_for_incident(incident: Incident) -> DisputeCase | None:
    link = IncidentLink.objects.filter(incident=incident).select_related("case").first()
    return link.case if link else None

"""Duplicates at intake, shared by every intake path (walk-in page, phone report, incident →
case): the candidates for a report about to be made, and the user's choice between linking it to
one of them (no new case: ``services.report_link``) and opening a new case anyway."""

import uuid
from typing import Any

from governance.models import Region, User

from ..models import DisputeCase
from . import selectors, services

NEW = "new"  # the value of ``duplicate_choice`` that opens a new case despite the candidates


def candidates_for(
    *, user: User, village: Region | None, address: str, parties: list[dict[str, Any]]
) -> list[DisputeCase]:
    return list(
        selectors.duplicate_candidates(
            user=user,
            phones=[p.get("phone", "") for p in parties],
            id_numbers=[p.get("id_number", "") for p in parties],
            village_id=village.pk if village is not None else None,
            address=address or "",
        )
    )


def chosen(choice: str, candidates: list[DisputeCase]) -> DisputeCase | None:
    """The candidate the user chose to link the report to (None: open a new case)."""
    return next((c for c in candidates if str(c.pk) == (choice or "").strip()), None)


def link(
    *,
    actor: User,
    case: DisputeCase,
    source: str,
    summary: str,
    parties: list[dict[str, Any]],
    client_key: uuid.UUID | None = None,
):
    first = next((p for p in parties if p.get("name")), {})
    return services.report_link(
        actor=actor,
        case=case,
        source=source,
        summary=summary,
        contact_name=first.get("name", ""),
        contact_phone=first.get("phone", ""),
        client_key=client_key,
    )


def link_incident(*, actor: User, case: DisputeCase, incident: Any):
    """A 110 incident about a dispute already open: linked to its case as a report."""
    return services.report_link(
        actor=actor,
        case=case,
        source="incident",
        summary=f"{incident.number}:{incident.summary}",
        contact_name=incident.caller_name,
        contact_phone=incident.caller_phone,
        incident_id=incident.pk,
    )

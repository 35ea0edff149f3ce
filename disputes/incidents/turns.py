"""民转刑, stored (issue 15): the writes that keep ``CriminalTurn`` (a case, and a criminal
incident from its source received after it was reported) in step with cases, parties and
incidents, and the nightly rebuild. "From its source" is ``disputes.selectors.case_incidents``
(the case's village and normalised address, or one of its parties' phones); the statements here
are that definition as a join, set-based, and the agreement test holds them to it.

Called in the transaction of the write that can change the answer: a case reported or edited,
a party added or edited (``disputes.services``), incidents recorded or edited (the hooks of
``stations.services``, wired in ``DisputesConfig.ready``).
"""

from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from disputes.models import DisputeCase, Party
from stations.models import Incident

from .models import CriminalTurn

_CHUNK = 500


def _pairs_sql(where: str) -> str:
    """(case id, incident id, received at, the case's village) of every criminal incident from a case's source
    received after the case was reported; ``where`` narrows both halves (on ``c`` / ``i``)."""
    case, party, incident = (m._meta.db_table for m in (DisputeCase, Party, Incident))
    crime = Incident.Category.CRIMINAL.value
    return f"""
        SELECT c.id, i.id, i.received_at, c.village_id FROM {case} c
        JOIN {incident} i ON i.village_id = c.village_id AND i.address_key = c.address_key
        WHERE c.address_key <> '' AND i.category = '{crime}' AND i.received_at > c.reported_at {where}
        UNION
        SELECT c.id, i.id, i.received_at, c.village_id FROM {party} p
        JOIN {case} c ON c.id = p.case_id
        JOIN {incident} i ON i.caller_phone = p.phone
        WHERE p.phone <> '' AND i.category = '{crime}' AND i.received_at > c.reported_at {where}
    """  # noqa: S608  (table names and a constant, never input)


def _insert(where: str, params: Sequence[int]) -> int:
    table = CriminalTurn._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (case_id, incident_id, received_at, village_id) {_pairs_sql(where)}",  # noqa: S608
            [*params, *params],
        )
        return cursor.rowcount


def _refresh(column: str, ids: Iterable[int]) -> int:
    ids = sorted(set(ids))
    written = 0
    with transaction.atomic():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            CriminalTurn.objects.filter(**{f"{column}_id__in": chunk}).delete()
            marks = ", ".join(["%s"] * len(chunk))
            alias = "c" if column == "case" else "i"
            written += _insert(f"AND {alias}.id IN ({marks})", chunk)
    return written


def criminal_turns_refresh_cases(*, case_ids: Iterable[int]) -> int:
    """Recompute the 民转刑 rows of these cases (after a change of place, parties or phones)."""
    return _refresh("case", case_ids)


def criminal_turns_refresh_incidents(*, incidents: Sequence[Incident]) -> int:
    """Recompute the 民转刑 rows of these incidents (recorded or edited: category, place, phone,
    time). The hook of ``stations.services.register_incidents_recorded`` / ``_changed``."""
    return _refresh("incident", [i.pk for i in incidents])


def criminal_turns_rebuild() -> int:
    """The nightly rebuild: every row recomputed in one transaction (readers see the old rows
    until it commits). Returns the number of rows."""
    with transaction.atomic():
        CriminalTurn.objects.all().delete()
        return _insert("", [])

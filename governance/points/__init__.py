"""Points (积分) and stars (以绩定星).

The ledger (``governance.PointsEntry``) is append-only: rows are inserted, never updated nor
deleted; a mistaken award is corrected by a manual entry of the opposite sign with its reason.
Each award names its source event (``source_key``, e.g. ``case-12:reported``), unique per
person, so a replayed event (a retried task, a re-closed case, a sweep run twice) never awards
twice. The models (``PointsRule``, ``PointsEntry``) are in ``governance/models.py``.

* ``services``: the writes (awards, manual awards, rule edits, stars)
  and the hooks below;
* ``selectors``: the scoped reads (monthly rankings, a person's ledger and months);
* ``views`` / ``urls``: the pages at ``/points/`` (namespace ``points``); ``api``: ``/api/v1/points/``.

The apps to the right reach points only through the hooks their services call when the event
happens, on this package: ``from governance import points`` then
``points.points_for_case_closed(case=case)``.
"""

from .services import (
    points_for_case_closed,
    points_for_case_reported,
    points_for_patrol,
    points_for_screening_missed,
    points_for_screening_report,
    points_for_visit,
)

__all__ = [
    "points_for_case_closed",
    "points_for_case_reported",
    "points_for_patrol",
    "points_for_screening_missed",
    "points_for_screening_report",
    "points_for_visit",
]

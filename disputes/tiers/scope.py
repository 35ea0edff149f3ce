"""The read scope the tiers add to ``disputes.selectors.case_ids``: a station keeps read access
to the cases it transferred away (what it did stays visible, read-only), and the receiver of a
pending transfer sees the case it is asked to accept. Neither gives write access."""

from django.db.models import Q, QuerySet, Subquery

from governance import scoping
from governance.models import User
from governance.roles import Role
from stations.selectors import officer_station

from .models import CaseTransfer


def read_only_case_ids(user: User) -> QuerySet | None:
    """The ids of cases ``user`` may read but not change, or None when there are none to add."""
    if not scoping.has_scope(user) or user.is_county_wide:
        return None
    if user.role not in (Role.STATION, Role.TOWNSHIP, Role.AUXILIARY):
        return None
    pending = Q(status=CaseTransfer.Status.PENDING, to_village__in=scoping.village_ids(user))
    condition = pending
    if user.role == Role.STATION:  # a subquery: building the scope runs no query
        condition |= Q(from_station_id=Subquery(officer_station(user)))
    return CaseTransfer.objects.filter(condition).values("case_id")

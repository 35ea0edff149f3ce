"""``field__among=[…]`` (``core.sql.Among``) selects what ``field__in=[…]`` selects — on the
primary key, a foreign key (by id and by the relation's name) and a text field, with an empty
list and with values that match nothing — and sends PostgreSQL one array parameter instead of
one parameter per value."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes.models import CaseEvent, DisputeCase
from tests.disputes.helpers import report

pytestmark = pytest.mark.django_db


def test_among_selects_what_in_selects(world):
    cases = [report(world) for _ in range(3)]
    ids = [c.pk for c in cases[:2]] + [10**12]
    for model, lookup, values in (
        (DisputeCase, "pk", ids),
        (CaseEvent, "case_id", ids),
        (CaseEvent, "case", ids),
        (DisputeCase, "number", [cases[0].number, "不存在"]),
        (DisputeCase, "pk", []),
    ):
        among = set(model.objects.filter(**{f"{lookup}__among": values}).values_list("pk", flat=True))
        plain = set(model.objects.filter(**{f"{lookup}__in": values}).values_list("pk", flat=True))
        assert among == plain, (model, lookup)
    assert DisputeCase.objects.filter(pk__among=ids).count() == 2
    with CaptureQueriesContext(connection) as queries:
        list(DisputeCase.objects.filter(pk__among=list(range(1, 2001))).values_list("pk", flat=True))
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"] and " IN (" not in queries[0]["sql"]

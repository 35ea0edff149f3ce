"""``manage.py seed_scale``: set-based growth on PostgreSQL, small here. The rows it writes pass
every model's ``full_clean`` (fields, validators, check and unique constraints), the case numbers
stay ahead of the counter, the stored address keys are ``normalize_address``'s, and the pages
render on the grown data. On SQLite the command refuses with a message."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from disputes.models import (
    OPEN_STATUSES,
    Agreement,
    CaseCounter,
    CaseEvent,
    DisputeCase,
    FollowUp,
    IncidentLink,
    Party,
    RiskAssessment,
)
from governance.models import Grid, GridWorker, Region
from patrols.models import Patrol, PatrolCheckIn, PatrolCheckpoint, PatrolPlan
from screening.models import ScreeningReport, ScreeningRound
from stations.models import Incident, Jurisdiction, Station, VillageVisit
from stations.selectors import normalize_address
from tests.conftest import require_service

CASES = 400


def _seed(**kw) -> str:
    out = io.StringIO()
    call_command("seed_scale", stdout=out, **kw)
    return out.getvalue()


@pytest.fixture
def grown(world):
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")
    before = {m: m.objects.count() for m in (DisputeCase, Grid, Region, Incident)}
    _seed(cases=CASES, grids=60, counties=2, years=2)
    return world, before


def test_refuses_sqlite_with_a_message(db):
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is for SQLite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("seed_scale", cases=10)


def test_grown_data_is_complete_valid_and_renders(grown, client_for):
    """One run (the slow part), three checks: counts, every model's checks, the pages."""
    _counts(grown)
    _every_row_passes_the_models_checks()
    _pages_render(grown, client_for)


def _counts(grown):
    world, before = grown
    assert DisputeCase.objects.count() == before[DisputeCase] + CASES
    assert Grid.objects.count() == 60
    assert Region.objects.filter(kind="county").count() == 2
    new_county = Region.objects.get(kind="county", code="S020000000")
    assert Station.objects.filter(county=new_county).count() == 18
    assert Jurisdiction.objects.filter(station__county=new_county).count() == 18
    # one active leader and two workers for each new grid
    new_grids = Grid.objects.filter(code__startswith="SG")
    assert GridWorker.objects.filter(grid__in=new_grids, role="leader").count() == new_grids.count()
    cases = DisputeCase.objects.filter(number__regex=r"^\d{4}-\d{6}$")
    assert Party.objects.filter(case__in=cases).count() >= 2 * CASES
    assert CaseEvent.objects.filter(case__in=cases, code="disputes.case.reported").count() == CASES
    assert RiskAssessment.objects.filter(case__in=cases, trigger="on_change").count() == CASES
    # the night before, the app's nightly run: every open case assessed, its score the night's
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    nightly = RiskAssessment.objects.filter(trigger="nightly", assessed_on=yesterday)
    open_cases = DisputeCase.objects.filter(status__in=OPEN_STATUSES)
    assert nightly.count() == open_cases.count() > 0
    scores = dict(nightly.values_list("case_id", "score"))
    assert {c.pk: c.risk_score for c in open_cases} == scores
    assert Incident.objects.count() >= before[Incident] + 2 * CASES
    links = IncidentLink.objects.count()
    assert links == DisputeCase.objects.filter(source="incident").count() > 0
    assert Agreement.objects.exists() and FollowUp.objects.exists()
    assert ScreeningRound.objects.filter(county=new_county).count() == 8
    assert ScreeningReport.objects.filter(round__county=new_county).exists()
    assert PatrolCheckIn.objects.count() == PatrolCheckpoint.objects.count() > 0


def _every_row_passes_the_models_checks():
    """A sample of every table the seeder writes, through ``full_clean`` (validators, choices,
    lengths, check constraints and unique constraints)."""
    models = [
        Region,
        Station,
        Grid,
        GridWorker,
        DisputeCase,
        Party,
        CaseEvent,
        RiskAssessment,
        Agreement,
        FollowUp,
        Incident,
        VillageVisit,
        PatrolPlan,
        PatrolCheckpoint,
        Patrol,
        PatrolCheckIn,
        ScreeningRound,
        ScreeningReport,
    ]
    for model in models:
        rows = list(model.objects.order_by("-pk")[:40])
        assert rows, model
        for row in rows:
            row.full_clean()
    for case in DisputeCase.objects.order_by("-pk")[:200]:
        assert case.address_key == normalize_address(case.address)
        assert case.feedback_due_at is not None and case.due_at is not None
        if case.status in ("closed", "not_accepted"):
            assert case.closed_at is not None and case.closed_at >= case.reported_at
        if case.accepted_at is not None:
            assert case.due_at > case.accepted_at
    for incident in Incident.objects.order_by("-pk")[:200]:
        assert incident.address_key == normalize_address(incident.address)


def test_numbers_stay_ahead_of_the_counter(grown):
    for counter in CaseCounter.objects.all():
        numbers = DisputeCase.objects.filter(county=counter.county, number__startswith=f"{counter.year}-")
        last = max(int(n[-6:]) for n in numbers.values_list("number", flat=True))
        assert counter.last == last
    # a second run adds after the first
    _seed(cases=50, grids=60, counties=2, years=1)
    assert DisputeCase.objects.count() == grown[1][DisputeCase] + CASES + 50


def _pages_render(grown, client_for):
    world, _before = grown
    client = client_for("county")
    for url in (
        reverse("dashboards:area", args=["county", world.county.pk]),
        reverse("dashboards:area-figures", args=["county", world.county.pk]),
        reverse("disputes:case-list"),
        reverse("disputes:case-list") + "?page=3",
        reverse("screening:round-list"),
        f"/cases/{DisputeCase.objects.order_by('-pk').first().pk}/",
    ):
        assert client.get(url).status_code == 200, url

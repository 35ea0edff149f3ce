"""Demo field work: a year of incidents with repeats and converted disputes, this month's
check-ins with officers on both sides of the 3-day rule, finished patrols; a second run adds
nothing."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from demo.field import seed_field
from governance.models import User
from patrols.models import Patrol, PatrolPlan
from stations import selectors
from stations.models import Incident, VillageVisit
from stations.presence import selectors as presence_selectors


@pytest.fixture(scope="module")
def field(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        counts = (Incident.objects.count(), VillageVisit.objects.count(), PatrolPlan.objects.count())
        again = seed_field()
        yield counts, again
        transaction.set_rollback(True)


def test_demo_field_work(field, db):
    (incidents, visits, plans), again = field
    assert again == Counter() or sum(again.values()) == 0
    assert (Incident.objects.count(), VillageVisit.objects.count(), PatrolPlan.objects.count()) == (
        incidents,
        visits,
        plans,
    )
    assert incidents > 500 and visits > 100 and plans >= 2
    county = User.objects.get(username="demo_county")
    listed = selectors.incident_list(user=county)
    assert listed.filter(is_repeat=True).count() >= 20
    assert listed.filter(category="dispute", case_link__isnull=False).count() == 12
    assert (
        listed.filter(referral_status="pending").exists()
        and listed.filter(referral_status="answered").exists()
    )
    month = timezone.localdate().replace(day=1)
    rows = presence_selectors.presence_coverage(user=county, month=month, kind="officer")
    days = [r.days for r in rows]
    if timezone.localdate().day >= 3:
        assert any(d >= 3 for d in days) and any(d < 3 for d in days)
    assert Patrol.objects.filter(status="ended").count() == plans
    station = User.objects.get(username="demo_station")
    assert selectors.incident_list(user=station).exists()


def test_demo_check_ins_are_never_in_the_future(field, db):
    from patrols.models import PatrolCheckIn
    from patrols.visits.models import GridCheckIn

    now = timezone.now()
    assert VillageVisit.objects.exists()
    assert not VillageVisit.objects.filter(checked_in_at__gt=now).exists()
    assert not VillageVisit.objects.filter(visited_on__gt=timezone.localdate()).exists()
    assert not PatrolCheckIn.objects.filter(checked_in_at__gt=now).exists()
    assert not GridCheckIn.objects.filter(checked_in_at__gt=now).exists()


def test_demo_visits_are_some_verified_some_not_and_patrols_record_who_came(field, db):
    from governance import scoping
    from governance.models import PointsEntry
    from patrols.models import PatrolAttendance
    from patrols.visits import selectors as visit_selectors

    county = User.objects.get(username="demo_county")
    done = visit_selectors.risk_visit_list(user=county, status="done").count()
    verified = visit_selectors.risk_visit_list(user=county, status="verified").count()
    assert 0 < verified < done
    assert scoping.has_scope(county)
    assert PatrolAttendance.objects.filter(volunteer_member__isnull=False).exists()
    # patrol points only for the volunteers who came
    earned = set(
        PointsEntry.objects.filter(
            rule__code="patrol.participation",
            volunteer_member__isnull=False,
            source_key__startswith="patrol-",
        ).values_list("volunteer_member_id", "source_key")
    )
    came = {
        (a.volunteer_member_id, f"patrol-{a.patrol_id}")
        for a in PatrolAttendance.objects.filter(volunteer_member__isnull=False, patrol__status="ended")
    }
    assert earned <= came and earned

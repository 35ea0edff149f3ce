"""督办: a supervision unanswered past its time reminds once and shows on the supervisor's
dashboard; a reply answers it; the supervisor closes it."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError, NotPermitted
from disputes.tiers import selectors as tier_selectors
from disputes.tiers import services as tiers
from disputes.tiers import sweeps

from ..helpers import report

pytestmark = pytest.mark.django_db


def test_unanswered_supervision_reminds_once_and_shows_to_the_supervisor(world, client_for):
    case = report(world)
    county = world.user("county")
    supervision = tiers.supervision_open(
        actor=county,
        case=case,
        reason="群众多次反映,请加快调处",
        reply_by=timezone.now() + dt.timedelta(hours=1),
    )
    assert case.events.filter(code="disputes.case.supervised").exists()
    later = timezone.now() + dt.timedelta(hours=2)
    from django.test.utils import override_settings  # noqa: F401

    # past the reply-by time: the handlers are reminded, once however often the sweep runs
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        assert sweeps.run_all(now=later)["supervision_reminders"] == 1
        assert sweeps.run_all(now=later)["supervision_reminders"] == 0
        assert world.user("station_a").notifications.filter(kind="case.supervision_overdue").count() == 1
        queue = tier_selectors.work_queue(user=county)
        assert [s.pk for s in queue.my_supervisions] == [supervision.pk]
        assert queue.my_supervisions[0].is_unanswered
        page = client_for("county").get("/")
        assert "逾期未反馈" in page.content.decode()
    tiers.supervision_reply(
        actor=world.user("station_a"), supervision=supervision, text="已组织双方面谈一次。"
    )
    supervision.refresh_from_db()
    assert supervision.replied_at is not None and not supervision.is_unanswered
    with pytest.raises(NotPermitted):
        tiers.supervision_close(actor=world.user("township_a"), supervision=supervision)
    tiers.supervision_close(actor=county, supervision=supervision, note="进展可以")
    supervision.refresh_from_db()
    assert supervision.status == "closed"


def test_township_supervises_village_cases_of_its_township_only(world):
    case = report(world)
    tiers.supervision_open(
        actor=world.user("township_a"),
        case=case,
        reason="请尽快受理",
        reply_by=timezone.now() + dt.timedelta(days=1),
    )
    outsider = report(world, "station_b", village=world.village_3)
    with pytest.raises(DomainError):  # not in its scope: "not found"
        tiers.supervision_open(
            actor=world.user("township_a"),
            case=outsider,
            reason="x",
            reply_by=timezone.now() + dt.timedelta(days=1),
        )

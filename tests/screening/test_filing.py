"""Filing a grid's screening report: items (new case or linked case) or a zero-report, exactly
one report per grid and round, all or nothing, late filing counted late, outsiders refused."""

import pytest

from core.errors import ConflictError, DomainError, NotPermitted
from disputes.models import CaseEvent, DisputeCase, Source
from governance.models import Grid
from screening import selectors as screening_selectors
from screening import services as screening_services
from screening.models import ScreeningItem, ScreeningReport
from tests.disputes.helpers import report

from .helpers import file, new_case_item, open_round

pytestmark = pytest.mark.django_db


def test_items_open_new_cases_from_the_screening_and_link_existing_ones(world):
    r = open_round()
    existing = report(world, grid=world.grid_1a)
    filed = file(
        world,
        r,
        world.grid_1a,
        items=[
            new_case_item(parties=[{"name": "吉克阿木", "role": "applicant"}]),
            {"area": "family_neighbour", "description": "石坎边界争执又有反复。", "case": existing},
        ],
        note="入户走访32户",
    )
    assert not filed.is_zero and not filed.is_late and filed.filed_by == world.user("grid_g1")
    new_item, linked_item = filed.items.order_by("pk")
    new = new_item.case
    assert new_item.is_new_case and new.source == Source.SCREENING and new.grid == world.grid_1a
    assert new.village == world.village_1 and new.summary == "拖欠务工工资" and new.people_involved == 3
    assert list(new.parties.values_list("name", flat=True)) == ["吉克阿木"]
    assert new.events.get().code == "disputes.case.reported"
    assert linked_item.case == existing and not linked_item.is_new_case
    assert existing.events.filter(code="disputes.case.screening_linked").count() == 1


def test_a_new_case_without_a_summary_takes_the_description(world):
    r = open_round()
    filed = file(world, r, world.grid_1a, items=[new_case_item(summary="")])
    assert filed.items.get().case.summary.startswith("包工头拖欠")


def test_zero_report(world):
    r = open_round()
    filed = file(world, r, world.grid_1a, zero=True)
    assert filed.is_zero and not filed.items.exists()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"zero": False, "items": []}, "请至少填写一条排查发现"),
        ({"zero": True, "items": [new_case_item()]}, "零报告不能同时填写排查发现"),
    ],
)
def test_exactly_one_of_items_or_zero(world, kwargs, message):
    r = open_round()
    with pytest.raises(DomainError, match=message):
        screening_services.screening_report_file(
            actor=world.user("grid_g1"), round=r, grid=world.grid_1a, **kwargs
        )
    assert not ScreeningReport.objects.exists()


def test_a_second_report_for_the_grid_is_refused_and_writes_nothing(world):
    r = open_round()
    file(world, r, world.grid_1a, zero=True)
    with pytest.raises(ConflictError, match="该网格本轮已提交排查报告"):
        file(world, r, world.grid_1a, actor="station_a", zero=True)
    file(world, r, world.grid_1b, actor="station_a", items=[new_case_item()])
    cases = DisputeCase.objects.count()
    with pytest.raises(ConflictError, match="该网格本轮已提交排查报告"):
        file(world, r, world.grid_1b, actor="station_a", items=[new_case_item()])
    assert ScreeningReport.objects.count() == 2 and DisputeCase.objects.count() == cases


def test_a_zero_report_is_refused_once_the_grid_reported_disputes_in_the_round(world):
    r = open_round()
    for _ in range(3):
        report(world, "grid_g1", grid=world.grid_1a)
    with pytest.raises(DomainError) as err:
        file(world, r, world.grid_1a, zero=True)
    assert "本轮该网格已上报3起矛盾纠纷,不能提交零报告" in err.value.message
    assert not ScreeningReport.objects.exists()
    # another grid, with nothing reported, may say "nothing found"
    assert file(world, r, world.grid_1b, actor="station_a", zero=True).is_zero


def test_findings_after_a_zero_report_replace_it_with_a_timeline_note(world):
    r = open_round()
    zero = file(world, r, world.grid_1a, zero=True)
    filed = file(world, r, world.grid_1a, items=[new_case_item()])
    assert filed.pk == zero.pk and not filed.is_zero and filed.items.count() == 1
    assert "替换" in filed.note and ScreeningReport.objects.count() == 1
    case = filed.items.get().case
    assert case.events.filter(code="disputes.case.noted", note__contains="替换了此前的零报告").exists()


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"area": "weather"}, "第2条发现:请选择排查领域"),
        ({"description": "  "}, "第2条发现:请填写隐患情况"),
        ({"category": ""}, "第2条发现:新立案件请选择纠纷类别"),
        ({"category": "alien"}, "第2条发现:"),
        ({"people_involved": 0}, "第2条发现:涉及人数至少为1"),
    ],
)
def test_a_bad_item_writes_nothing_not_even_the_good_items_case(world, bad, message):
    r = open_round()
    before = (DisputeCase.objects.count(), CaseEvent.objects.count())
    with pytest.raises(DomainError, match=message):
        file(world, r, world.grid_1a, items=[new_case_item(), new_case_item(**bad)])
    assert (DisputeCase.objects.count(), CaseEvent.objects.count()) == before
    assert not ScreeningReport.objects.exists() and not ScreeningItem.objects.exists()


def test_a_linked_case_must_be_visible_and_in_the_grids_village(world):
    r = open_round()
    other_village = report(world, village=world.village_2)
    outsider = report(world, village=world.village_3, actor="station_b")
    for case, message in [(other_village, "不属于一村"), (outsider, "不存在或不在您的辖区内")]:
        with pytest.raises(DomainError, match=message):
            file(
                world,
                r,
                world.grid_1a,
                actor="station_a",
                items=[{"area": "other", "description": "x", "case": case}],
            )
    mine = report(world, grid=world.grid_1a)
    with pytest.raises(DomainError, match="请在“关联已有案件”和“新立案件”中选择一种"):
        file(world, r, world.grid_1a, items=[new_case_item(case=mine)])
    with pytest.raises(DomainError, match="已在本报告中关联"):
        file(
            world,
            r,
            world.grid_1a,
            items=[
                {"area": "other", "description": "x", "case": mine},
                {"area": "other", "description": "y", "case": mine.pk},
            ],
        )
    assert not ScreeningReport.objects.exists()


def test_station_staff_and_the_auxiliary_officer_may_file_on_behalf_of_a_grid_in_scope(world):
    r = open_round()
    assert file(world, r, world.grid_1b, actor="aux_v1", zero=True).filed_by == world.user("aux_v1")
    assert file(world, r, world.grid_2, actor="station_a", items=[new_case_item()]).items.count() == 1
    assert file(world, r, world.grid_3, actor="station_b", zero=True)


@pytest.mark.parametrize(
    "actor, grid, error",
    [
        ("grid_g1", "grid_1b", DomainError),  # another grid of the same village
        ("station_b", "grid_1a", DomainError),  # the other station
        ("aux_v1", "grid_2", DomainError),  # another village
        ("county", "grid_1a", NotPermitted),  # the command centre reads, does not file
        ("mediator_t1", "grid_1a", NotPermitted),
        ("norole", "grid_1a", NotPermitted),
    ],
)
def test_outsiders_cannot_file(world, actor, grid, error):
    r = open_round()
    with pytest.raises(error):
        file(world, r, getattr(world, grid), actor=actor, zero=True)
    assert not ScreeningReport.objects.exists()


def test_a_report_after_the_deadline_is_accepted_and_counts_late(world):
    r = open_round(days_ago=10)  # due 5 days ago
    filed = file(world, r, world.grid_1a, zero=True)
    assert filed.is_late
    rows = {
        row["label"]: row
        for row in screening_selectors.screening_completeness(user=world.user("county"), round=r)
    }
    assert rows["一村一组"]["status"] == "late" and rows["一村二组"]["status"] == "missing"


def test_an_inactive_grid_needs_no_report(world):
    r = open_round()
    Grid.objects.filter(pk=world.grid_1b.pk).update(is_active=False)
    world.grid_1b.refresh_from_db()
    with pytest.raises(DomainError, match="已停用"):
        file(world, r, world.grid_1b, actor="station_a", zero=True)

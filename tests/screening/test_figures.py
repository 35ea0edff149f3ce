"""The dashboard's screening completeness counts the grids the completeness page counts."""

import pytest

from dashboards.areas import area_get
from governance.models import Grid, Region
from screening.figures import screening_figures
from screening.selectors import completeness_totals, screening_completeness
from screening.services import round_grids_rebuild

from .helpers import file, open_round

pytestmark = pytest.mark.django_db


def test_dashboard_and_completeness_page_agree_on_deactivated_and_archived_grids(world):
    r = open_round()
    file(world, r, world.grid_1a)  # reported, then deactivated: still counts, with its report
    Grid.objects.filter(pk=world.grid_1a.pk).update(is_active=False)
    Region.objects.filter(pk=world.village_2.pk).update(is_archived=True)  # its unreported grid drops out
    round_grids_rebuild()  # written behind the services' back: the nightly rebuild of the summary
    staff = world.user("station_a")
    page = completeness_totals(screening_completeness(user=staff, round=r, group_by="village"))
    area = area_get(user=staff, kind="station", pk=world.station_a.pk)
    [tile] = screening_figures(area.village_ids)
    assert (tile["total"], tile["on_time"], tile["late"], tile["missing"]) == (
        page.total,
        page.on_time,
        page.late,
        page.missing,
    )
    assert (page.total, page.on_time, page.missing) == (2, 1, 1)  # 一村一组 (reported), 一村二组 (missing)

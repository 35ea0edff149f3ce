"""The permission matrix of background exports (``core.exportjobs``): a job, its download and
its 重新导出 are its requester's alone. ``job`` is a case ledger asked for (and written) by
station A's officer; everyone else, the county and the admin included, gets 404. The export
itself (``disputes:case-export``) is in the disputes table."""

import pytest

from core.exportjobs import services
from disputes.exports import EXPORT_KIND

from .disputes.helpers import report
from .permission_matrix import check_route, expect, page

OWNER_ONLY = expect(404, station_a=200)


@pytest.fixture
def exported(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    report(world)
    job = services.export_start(actor=world.user("station_a"), kind=EXPORT_KIND, query="")
    world.job = services.export_run(job_id=job.pk)
    assert world.job.status == "done"
    return world


def job(w):
    return [w.job.pk]


ROUTES = [
    page("exports:job", args=job, expected=OWNER_ONLY),
    page("exports:download", args=job, expected=OWNER_ONLY),
    # a finished job is not run again: back to its page with a message (302)
    page("exports:rerun", args=job, method="post", expected=expect(404, station_a=302)),
]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_permissions(route, exported, client):
    check_route(client, exported, route)

"""The permission matrix of photos and attachments (``core.attachments``): the download,
thumbnail and upload pages and the attachment routes under the cases, sessions and agreements
API × every actor × method → status. An attachment is seen by exactly those who see its record
(the record's own selector: ``disputes.selectors``), else 404; adding needs ``case.attach`` on a
case the actor may write. The objects are those of ``tests/test_permissions_disputes.py``
(``cases``), with one photo on case_a, one on case_m's session and one scan on case_done's
agreement, stored under a temporary MEDIA_ROOT."""

import pytest

from core.attachments import services as attachments

from .core.attachment_helpers import pdf_bytes, photo, upload
from .permission_matrix import api, by_capability, capability_rows, check_route, expect, page
from .test_permissions_disputes import SEES_A, SEES_A_ACTORS, SEES_M, SEES_M_ACTORS, cases  # noqa: F401


@pytest.fixture
def files(cases, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path / "media")
    admin = cases.user("admin")
    cases.photo_a = attachments.attachment_add(
        actor=admin, label="disputes.case", object_id=cases.case_a.pk, upload=photo(400, 300)
    )
    cases.photo_s = attachments.attachment_add(
        actor=admin, label="disputes.session", object_id=cases.session.pk, upload=photo(400, 300)
    )
    cases.scan_g = attachments.attachment_add(
        actor=admin,
        label="disputes.agreement",
        object_id=cases.agreement.pk,
        upload=upload(pdf_bytes(), "协议书.pdf", "application/pdf"),
        kind="scan",
    )
    return cases


def attr(name):
    return lambda w: [getattr(w, name).pk]


def on(scope, status):
    return by_capability("case.attach", allowed=status, denied=403, scope=scope)


ROUTES = [
    page("attachments:download", args=attr("photo_a"), expected=SEES_A),
    page("attachments:thumbnail", args=attr("photo_a"), expected=SEES_A),
    page("attachments:download", args=attr("photo_s"), note="on the mediator's session", expected=SEES_M),
    page("attachments:download", args=attr("scan_g"), note="the agreement's PDF scan", expected=SEES_A),
    page(
        "attachments:thumbnail",
        args=attr("scan_g"),
        note="a PDF has no thumbnail",
        expected=expect(404),
    ),
    page(
        "attachments:add",
        args=lambda w: ["disputes.case", w.case_a.pk],
        method="post",
        note="no file: a message, back to the page",
        expected=on(SEES_A_ACTORS, 302),
    ),
    page(
        "attachments:add",
        args=lambda w: ["disputes.session", w.session.pk],
        method="post",
        note="on the mediator's session",
        expected=on(SEES_M_ACTORS, 302),
    ),
    page(
        "attachments:add",
        args=lambda w: ["nothing.here", w.case_a.pk],
        method="post",
        note="not an attachable record",
        expected=expect(404),
    ),
    api("cases-attachments", args=attr("case_a"), expected=SEES_A),
    api("cases-attachments", args=attr("case_a"), method="post", expected=on(SEES_A_ACTORS, 400)),
    api("cases-attachment-download", args=lambda w: [w.case_a.pk, w.photo_a.pk], expected=SEES_A),
    api("sessions-attachments", args=attr("session"), expected=SEES_M),
    api("sessions-attachments", args=attr("session"), method="post", expected=on(SEES_M_ACTORS, 400)),
    api("sessions-attachment-download", args=lambda w: [w.session.pk, w.photo_s.pk], expected=SEES_M),
    api("agreements-attachments", args=attr("agreement"), expected=SEES_A),
    api("agreements-attachments", args=attr("agreement"), method="post", expected=on(SEES_A_ACTORS, 400)),
    api("agreements-attachment-download", args=lambda w: [w.agreement.pk, w.scan_g.pk], expected=SEES_A),
]


def route_id(route) -> str:
    return f"{route} {route.note}".strip()


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permissions(route, files, client):
    check_route(client, files, route)


@pytest.mark.parametrize("route", capability_rows(ROUTES), ids=route_id)
def test_the_capability_decides(route, files, client):
    """With the row's capability withdrawn from every role, nobody gets what it allowed."""
    check_route(client, files, route, withdraw=True)

"""The inbox: idempotent notifications, the unread count in the navigation, mark read."""

import pytest

from core import notifications
from core.models import Notification
from core.notifications import Message

pytestmark = pytest.mark.django_db


def _msg(period="2026-11"):
    return Message(
        kind="test.reminder", target="grid-1", period=period, title="请提交本轮排查报告", url="/cases/"
    )


def test_the_same_reminder_twice_is_one_row_per_recipient(world):
    users = [world.user("station_a"), world.user("aux_v1")]
    notifications.notify(recipients=users, message=_msg())
    notifications.notify(recipients=users + users, message=_msg())
    notifications.notify_bulk([(users, _msg()), (users, _msg("2026-12"))])
    assert Notification.objects.count() == 4
    assert set(Notification.objects.values_list("key", flat=True)) == {
        "test.reminder:grid-1:2026-11",
        "test.reminder:grid-1:2026-12",
    }


def test_inactive_users_are_not_notified(world):
    user = world.user("aux_v1")
    user.is_active = False
    user.save()
    notifications.notify(recipients=[user], message=_msg())
    assert not Notification.objects.exists()


def test_unread_count_shows_in_the_navigation_and_reading_clears_it(client_for, world):
    notifications.notify(recipients=[world.user("station_a")], message=_msg())
    notifications.notify(recipients=[world.user("station_b")], message=_msg())
    client = client_for("station_a")
    page = client.get("/inbox/")
    assert page.status_code == 200
    assert page.context["inbox_unread"] == 1
    assert "请提交本轮排查报告" in page.content.decode()
    note = Notification.objects.get(recipient=world.user("station_a"))
    response = client.post(f"/inbox/{note.pk}/read/", {"next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.get("/inbox/").context["inbox_unread"] == 0
    # someone else's message cannot be marked read
    other = Notification.objects.get(recipient=world.user("station_b"))
    client.post(f"/inbox/{other.pk}/read/")
    other.refresh_from_db()
    assert other.read_at is None


def test_an_offsite_next_is_not_followed(client_for, world):
    notifications.notify(recipients=[world.user("station_a")], message=_msg())
    note = Notification.objects.get()
    response = client_for("station_a").post(f"/inbox/{note.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/inbox/"


def test_sms_dispatch_claims_and_sends_each_pending_message_once(world, settings):
    settings.SMS_BACKEND = "core.notifications.MemorySmsBackend"
    notifications.MemorySmsBackend.outbox.clear()
    notifications.MemorySmsBackend.keys.clear()
    user = world.user("station_a")
    user.phone = "13900001111"
    user.save()
    notifications.notify(recipients=[user], message=_msg(), sms=True)
    assert notifications.sms_dispatch() == 1
    assert notifications.sms_dispatch() == 0
    assert notifications.MemorySmsBackend.outbox == [("13900001111", "【基层治理】请提交本轮排查报告")]
    assert Notification.objects.get().sms_status == "sent"

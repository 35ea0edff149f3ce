"""The working-day calendar: weekends off, the seeded 2026 holidays off, make-up days on, and an
administrator's correction taking effect at once."""

import datetime as dt

import pytest

from core.models import CalendarDay
from core.workdays import add_working_days, is_workday

pytestmark = pytest.mark.django_db


def test_the_2026_schedule_is_seeded():
    assert not is_workday(dt.date(2026, 10, 1))  # 国庆节, a Thursday
    assert is_workday(dt.date(2026, 10, 10))  # a Saturday: 调休上班
    assert not is_workday(dt.date(2026, 2, 16))  # 春节
    assert is_workday(dt.date(2026, 2, 14))  # a Saturday: 调休上班
    assert is_workday(dt.date(2026, 11, 30)) and not is_workday(dt.date(2026, 11, 29))  # Mon / Sun
    assert CalendarDay.objects.filter(is_workday=False).count() == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_working_days_skip_weekends_and_holidays():
    assert add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)  # Friday → Monday
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)  # over 国庆
    assert add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)  # the make-up Saturday
    assert add_working_days(dt.date(2026, 2, 13), 2) == dt.date(2026, 2, 24)  # 14th on, then 春节


def test_an_edit_in_the_admin_changes_the_count(admin_client):
    day = dt.date(2026, 12, 1)  # a Tuesday
    assert is_workday(day)
    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2026-12-01", "name": "县庆", "is_workday": ""}
    )
    assert response.status_code == 302
    assert not is_workday(day)
    assert add_working_days(dt.date(2026, 11, 30), 1) == dt.date(2026, 12, 2)

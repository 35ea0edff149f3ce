"""Seed the working-day calendar with 2026's official holidays and make-up working days
(国务院办公厅关于2026年部分节假日安排的通知). Reversible: going back removes exactly these rows."""

import datetime as dt

from django.db import migrations

HOLIDAYS = [
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
]
WORKDAYS = [
    ("2026-01-04", "元旦调休上班"),
    ("2026-02-14", "春节调休上班"),
    ("2026-02-28", "春节调休上班"),
    ("2026-05-09", "劳动节调休上班"),
    ("2026-09-20", "国庆节调休上班"),
    ("2026-10-10", "国庆节调休上班"),
]


def _rows():
    for first, last, name in HOLIDAYS:
        day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        while day <= end:
            yield day, False, name
            day += dt.timedelta(days=1)
    for day, name in WORKDAYS:
        yield dt.date.fromisoformat(day), True, name


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, is_workday=w, name=n) for d, w, n in _rows()], ignore_conflicts=True
    )


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarDay.objects.filter(date__in=[d for d, _w, _n in _rows()]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_calendarday")]

    operations = [migrations.RunPython(seed, unseed)]

"""The bounds every channel applies to what users type: the same numbers for forms, the API,
imports and services, so no channel accepts what another refuses.

* ``ID_MAX``: the largest record number the database stores (64-bit); an id above it is refused
  by the parser (a 400 with a message), never sent to the database.
* ``DATE_MIN`` / ``DATE_MAX``: the dates anybody may type (a filter, a period, a record's date).
  Dates outside them are refused with a clear message instead of overflowing a date computation.
* ``TEXT_MAX``: summaries, notes, narratives (5,000 characters).
* ``PARTIES_MAX``, ``PEOPLE_MAX``: parties in one case, people involved in one dispute.

``check_date``, ``check_not_future``, ``check_text`` raise Django's ``ValidationError`` (with the
field name when given), which ``core.errors`` maps to a form error or a 400 with field errors.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ID_MAX = 2**63 - 1
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)
TEXT_MAX = 5000
PARTIES_MAX = 50
PEOPLE_MAX = 100_000


def _raise(message: str, field: str | None) -> None:
    raise ValidationError({field: [message]} if field else message, code="invalid")


def date_range_message() -> str:
    return _("日期须在 %(min)s 至 %(max)s 之间。") % {
        "min": DATE_MIN.isoformat(),
        "max": DATE_MAX.isoformat(),
    }


def body_too_big_message() -> str:
    kb = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) // 1024
    return _("请求内容过大(上限 %(kb)d KB),请精简后重试。") % {"kb": kb}


def check_date(value: dt.date | dt.datetime | None, *, field: str | None = None) -> None:
    """Refuse a date (or the date of a datetime) outside ``DATE_MIN``..``DATE_MAX``."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        _raise(date_range_message(), field)


def check_not_future(value: dt.date | dt.datetime | None, *, field: str | None = None) -> None:
    """Refuse a date or time that has not happened yet (and one outside the typed range)."""
    if value is None:
        return
    check_date(value, field=field)
    if isinstance(value, dt.datetime):
        future = value > timezone.now() + dt.timedelta(minutes=5)  # clocks of phones drift a little
    else:
        future = value > timezone.localdate()
    if future:
        _raise(_("日期不能晚于今天。"), field)


def check_text(value: str | None, *, field: str | None = None, limit: int = TEXT_MAX) -> None:
    if value and len(value) > limit:
        _raise(
            _("内容过长:最多 %(limit)d 个字符(现有 %(count)d 个)。") % {"limit": limit, "count": len(value)},
            field,
        )


def check_count(value: int | None, *, field: str | None = None, maximum: int, minimum: int = 0) -> None:
    if value is not None and not minimum <= value <= maximum:
        _raise(_("数值须在 %(min)d 至 %(max)d 之间。") % {"min": minimum, "max": maximum}, field)


# --- Model field validators (copied into API serializers by DRF; run by the services' full_clean)
def _recoded(check, value, code: str) -> None:
    """Run ``check`` with a code of our own: a model field replaces the message of an error
    whose code it knows ("invalid") with its own ("wrong date format")."""
    try:
        check(value)
    except ValidationError as error:
        raise ValidationError(error.messages[0], code=code) from None


def validate_not_future(value: dt.date | dt.datetime) -> None:
    _recoded(check_not_future, value, "not_future")


def validate_date(value: dt.date | dt.datetime) -> None:
    """A date that may lie ahead (a planned follow-up, an assignment's end) but within the range."""
    _recoded(check_date, value, "date_range")


def validate_people_count(value: int) -> None:
    """At most ``PEOPLE_MAX`` (at least 1 is the model's check constraint)."""
    if value is not None and value > PEOPLE_MAX:
        raise ValidationError(_("人数最多为 %(max)d。") % {"max": PEOPLE_MAX}, code="max_value")


def validate_text(value: str) -> None:
    _recoded(check_text, value, "too_long")


# --- Form fields ---------------------------------------------------------------------------
class IdField(forms.IntegerField):
    """A record number typed in a query string or a body: a positive integer the database can
    hold; anything else is refused with a message before any query."""

    default_error_messages = {
        "invalid": gettext_lazy("请输入有效的编号(正整数)。"),
        "min_value": gettext_lazy("请输入有效的编号(正整数)。"),
        "max_value": gettext_lazy("编号过大,不存在这样的记录。"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class BoundedDateField(forms.DateField):
    """A date between ``DATE_MIN`` and ``DATE_MAX``."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            raise ValidationError(date_range_message(), code="date_range")


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time whose date is between ``DATE_MIN`` and ``DATE_MAX``."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not DATE_MIN <= value.date() <= DATE_MAX:
            raise ValidationError(date_range_message(), code="date_range")


def parse_month(text: str | None) -> dt.date | None:
    """``YYYY-MM`` → the first of that month, or ``None`` when it is not a month in range."""
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        day = dt.date(year, month, 1)
    except (ValueError, TypeError):
        return None
    return day if DATE_MIN <= day <= DATE_MAX else None

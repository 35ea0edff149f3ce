"""Validators for personal data: resident ID-card numbers (GB 11643-1999) and phone numbers."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
# Mainland mobile numbers: 1[3-9]x xxxx xxxx. Landlines: area code 0xx/0xxx + 7–8 digits,
# optionally separated by a hyphen, optionally with an extension.
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def validate_id_number(value: str) -> None:
    """Refuse anything but an 18-character resident ID with a real birth date and checksum."""
    value = normalize_id_number(value)
    if len(value) != 18:
        raise ValidationError(
            _("身份证号码应为18位(当前为%(n)d位)。"), code="id_length", params={"n": len(value)}
        )
    if not _ID_RE.match(value):
        raise ValidationError(_("身份证号码前17位应为数字,最后一位为数字或X。"), code="id_format")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth_date") from None
    # GB 11643 numbers were issued to people born in the 19th century too (440524188001010014)
    if birth < dt.date(1800, 1, 1) or birth > dt.date.today():  # noqa: DTZ011  (a calendar date)
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth_date")
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("身份证号码校验位不正确,请核对。"), code="id_checksum")


def normalize_phone(value: str) -> str:
    value = re.sub(r"[\s()]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def validate_phone(value: str) -> None:
    value = normalize_phone(value)
    if _MOBILE_RE.match(value) or _LANDLINE_RE.match(value):
        return
    raise ValidationError(
        _("电话号码格式不正确:手机号为1开头的11位数字,座机为区号加号码(如 0833-5123456)。"),
        code="phone_format",
    )


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return value[:6] + "********" + value[-4:] if len(value) == 18 else "*" * len(value)


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    return value[:-4] + "****" if len(value) > 4 else "****"

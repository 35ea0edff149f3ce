import pytest
from django.core.exceptions import ValidationError

from governance.validators import (
    id_check_digit,
    mask_id_number,
    mask_phone,
    normalize_phone,
    validate_id_number,
    validate_phone,
)

# 11010519491231002X is the example number printed in GB 11643-1999.
VALID_IDS = [
    "11010519491231002X",
    "110105194912310029"[:17] + id_check_digit("11010519491231002"),
    "511132198506120014"[:17] + id_check_digit("51113219850612001"),
]


@pytest.mark.parametrize("value", VALID_IDS + ["11010519491231002x"])
def test_valid_id_numbers_pass(value):
    validate_id_number(value)


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("11010519491231002", "id_length", "18位"),
        ("1101051949123100211", "id_length", "18位"),
        ("11010519491231002A", "id_format", "最后一位为数字或X"),
        ("1101051949X231002X", "id_format", "前17位应为数字"),
        ("110105194913310020", "id_birth_date", "出生日期无效"),  # month 13
        ("110105194902300020", "id_birth_date", "出生日期无效"),  # 30 February
        ("110105289912310020", "id_birth_date", "出生日期无效"),  # born in 2899
        ("110105194912310021", "id_checksum", "校验位不正确"),
    ],
)
def test_invalid_id_numbers_are_refused_with_a_clear_message(value, code, message):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code == code
    assert message in str(exc.value.messages[0])


def test_check_digit_10_is_x():
    assert id_check_digit("11010519491231002") == "X"


@pytest.mark.parametrize(
    "value",
    [
        "13912345678",
        "+8613912345678",
        "0086 139 1234 5678",
        "0833-5123456",
        "08335123456",
        "010-12345678",
        "0833-5123456-801",
        "19912345678",
    ],
)
def test_valid_phones_pass(value):
    validate_phone(value)


@pytest.mark.parametrize(
    "value", ["12912345678", "1391234567", "139123456789", "833-5123456", "abc", "", "0833-123"]
)
def test_invalid_phones_are_refused(value):
    with pytest.raises(ValidationError) as exc:
        validate_phone(value)
    assert "电话号码格式不正确" in exc.value.messages[0]


def test_normalize_phone_strips_country_code_and_spaces():
    assert normalize_phone("+86 139 1234 5678") == "13912345678"


def test_masking():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("") == ""

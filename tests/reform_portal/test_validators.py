"""reform_portal/validators.py: the 统一社会信用代码 (GB 32100-2015, with its check character) and mobile numbers."""

import pytest
from django.core.exceptions import ValidationError

from reform_portal.validators import (
    credit_code_check_char,
    is_mobile,
    normalize_credit_code,
    validate_credit_code,
)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", "", "9135 0100 m000 100y 43"])
def test_valid_codes_pass(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y4", "统一社会信用代码应为18位（现为17位），请核对。"),
        ("91350100M000100Y433", "统一社会信用代码应为18位（现为19位），请核对。"),
        ("91350100M0001O0Y43", "统一社会信用代码只含数字和大写字母（不含I、O、Z、S、V），“O”不正确。"),
        ("91350100M000100Y44", "统一社会信用代码的校验位不正确，请核对是否有错字或漏字。"),
        ("91350100M000100Y34", "统一社会信用代码的校验位不正确，请核对是否有错字或漏字。"),  # two swapped
    ],
)
def test_wrong_codes_are_refused_with_the_reason(code, message):
    with pytest.raises(ValidationError) as err:
        validate_credit_code(code)
    assert err.value.messages == [message]


def test_the_check_character_and_normalising():
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert credit_code_check_char("91110000802100433") == "B"
    assert normalize_credit_code(" 9111 0000 8021 0043 3b ") == "91110000802100433B"


@pytest.mark.parametrize(
    ("phone", "mobile"),
    [
        ("13800138000", True),
        ("138 0013 8000", True),
        ("+86 138-0013-8000", True),
        ("8613800138000", True),
        ("12800138000", False),
        ("1380013800", False),
        ("010-68501985", False),
        ("", False),
    ],
)
def test_mobile_numbers(phone, mobile):
    assert is_mobile(phone) is mobile

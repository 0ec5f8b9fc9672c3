"""Validators of identifiers the portal stores: the 统一社会信用代码 of an organisation (GB 32100-2015) and the
mobile number a text-message channel sends to."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: 18 characters from 0-9 and the capitals without I, O, Z, S, V; the 18th is a check character.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The check character of the code whose first 17 characters are ``first17``."""
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """Capitals, no spaces (a code is often typed in groups or lower case)."""
    return re.sub(r"\s+", "", value or "").upper()


def validate_credit_code(value: str) -> None:
    """An 18-character 统一社会信用代码 whose check character is right (empty is allowed: the code is optional)."""
    code = normalize_credit_code(value)
    if not code:
        return
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位（现为%(n)s位），请核对。") % {"n": len(code)}, code="length"
        )
    wrong = [c for c in code if c not in CREDIT_CODE_CHARS]
    if wrong:
        raise ValidationError(
            _("统一社会信用代码只含数字和大写字母（不含I、O、Z、S、V），“%(c)s”不正确。") % {"c": wrong[0]},
            code="chars",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码的校验位不正确，请核对是否有错字或漏字。"), code="check")


MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    return re.sub(r"[\s\-()]", "", value or "")


def is_mobile(value: str) -> bool:
    """A mainland mobile number (11 digits starting 13–19, an optional +86 before it)."""
    return bool(MOBILE.match(normalize_mobile(value)))

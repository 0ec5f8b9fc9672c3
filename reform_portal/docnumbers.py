"""The 发文字号 register (issue 15 §3; DECISIONS §15): per (year, 机关代字) a configurable next number, or a number
the office's own registry assigned, typed at issue. Every number is a ``DocNumber`` row, unique in the database,
never reused: the counter skips numbers already taken (typed ones, migrated ones), a voided document keeps its
number. ``take`` runs inside the caller's transaction with the register row locked, so concurrent issues get
distinct numbers and a batch takes its numbers in the order it asks for them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import DocNumber, DocNumberRegister, User
from .pdf import format_doc_number
from .services import check_revision, save_with_history
from .transitions import transition, workflow


def register(year: int, prefix: str) -> DocNumberRegister:
    """The (year, prefix) register, made on first use (a concurrent creator loses to the unique pair, harmlessly)."""
    try:
        with transaction.atomic():
            reg, _created = DocNumberRegister.objects.get_or_create(year=year, prefix=prefix)
    except IntegrityError:
        reg = DocNumberRegister.objects.get(year=year, prefix=prefix)
    return reg


def is_taken(year: int, prefix: str, number: int) -> bool:
    return DocNumber.objects.filter(register__year=year, register__prefix=prefix, number=number).exists()


def check_typed(year: int, prefix: str, number: int | None) -> None:
    """The field check of a typed number: positive and not yet taken (issued or voided)."""
    if number is None:
        return
    if number < 1:
        raise ValidationError(_("发文字号的序号须为正整数。"), code="positive")
    if is_taken(year, prefix, number):
        raise ValidationError(
            _("%(no)s已被使用（含已作废的公文），请按登记簿填写未用的序号。")
            % {"no": format_doc_number(prefix, year, number)},
            code="taken",
        )


def take(
    *, year: int, prefix: str, kind: str, subject: str, by: User | None, typed: int | None = None
) -> DocNumber:
    """Take a number: ``typed`` (the office's registry number; refused when taken) or the register's next free
    one. The register row is locked until the caller's transaction ends."""
    register(year, prefix)
    with transaction.atomic():
        reg = DocNumberRegister.objects.select_for_update().get(year=year, prefix=prefix)
        if typed is not None:
            check_typed(year, prefix, typed)
            number = typed
        else:
            number = reg.next_number
            taken = set(reg.numbers.filter(number__gte=number).values_list("number", flat=True))
            while number in taken:
                number += 1
            reg.next_number = number + 1
            save_with_history(reg, by, f"取号 {number}")
        row = DocNumber(
            register=reg,
            number=number,
            text=format_doc_number(prefix, year, number),
            kind=kind,
            subject=subject[:200],
            typed=typed is not None,
            taken_by=by,
        )
        save_with_history(row, by, "按登记号填写" if typed is not None else "自动取号")
    return row


def set_next(
    *, year: int, prefix: str, next_number: int, by: User | None, revision: int | None = None
) -> DocNumberRegister:
    """The office sets where the counter goes on (e.g. to follow its own 发改高技 series). ``revision``: the version
    of the setting the user loaded; a colleague's setting in between is refused, not overwritten."""
    if next_number < 1:
        raise ValidationError({"next_number": _("序号须为正整数。")})
    with transaction.atomic():
        reg = DocNumberRegister.objects.select_for_update().get(pk=register(year, prefix).pk)
        if revision is not None:
            check_revision(reg, revision, _("发文字号登记簿"))
        reg.revision += 1
        reg.next_number = next_number
        save_with_history(reg, by, f"设置下一个序号为 {next_number}")
    return reg


def void(*, number: DocNumber, by: User | None, reason: str) -> DocNumber:
    """A voided document keeps its number: the row stays (marked), so the number is never given again."""
    transition(number, "void", by, flow=workflow("docnumber"))
    save_with_history(number, by, f"作废：{reason}")
    return number

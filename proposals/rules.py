"""Who may do what to a 建议书. Each rule returns (allowed, reason) so a page can say why not.

Regional access is a django-guardian object permission granted to the region's 发展改革委 and
科技厅 groups when the book is created; national reviewers see every book of every region."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.enums import Role, Stage
from reform_portal.permissions import department_of as kernel_department_of
from reform_portal.services import deadline_for

from .enums import BookState
from .transitions import BOOK

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from reform_portal.models import User

    from .models import ProposalBook

VIEW = "proposals.view_proposalbook"
CHANGE = "proposals.change_proposalbook"


def can_view_book(user: User | AnonymousUser, book: ProposalBook) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.NATIONAL_REVIEWER) and book.state != BookState.DRAFT:
        return True
    return user.has_perm(VIEW, book)


def is_region_staff(user: User | AnonymousUser, book: ProposalBook) -> bool:
    return user.is_authenticated and user.has_role(Role.REGIONAL_STAFF) and user.has_perm(CHANGE, book)


def deadline_open(book: ProposalBook, now: datetime.datetime | None = None) -> tuple[bool, str]:
    closes = deadline_for(book.cycle, book.region, Stage.PROPOSAL)
    if (now or timezone.now()) < closes:
        return True, ""
    return False, _("已过建议书报送截止时间（%(at)s），如需修改或报送请联系国家审核人员申请延期。") % {
        "at": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M")
    }


def _region_may(
    user: User | AnonymousUser, book: ProposalBook, action: str, now: datetime.datetime | None
) -> tuple[bool, str]:
    if not is_region_staff(user, book):
        return False, _("只有本地区发展改革委、科技厅的填报人员可以修改建议书。")
    if not BOOK.allows(book.state, action):
        return False, BOOK.refusal(book.state, action)
    return deadline_open(book, now)


def can_edit(
    user: User | AnonymousUser, book: ProposalBook, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    return _region_may(user, book, "edit", now)


def department_of(user: User | AnonymousUser, book: ProposalBook) -> str | None:
    """Which of the region's two departments the user signs for (REGIONAL_DRC / REGIONAL_SCITECH), or None."""
    return kernel_department_of(user, book.region_id)


def can_sign(
    user: User | AnonymousUser, book: ProposalBook, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    allowed, reason = _region_may(user, book, "sign", now)
    if not allowed:
        return allowed, reason
    if department_of(user, book) is None:
        return False, _("只有本地区发展改革委或科技厅（委、局）的人员可以确认联合报送。")
    return True, ""


def can_submit(
    user: User | AnonymousUser, book: ProposalBook, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    return _region_may(user, book, "submit", now)


def can_withdraw(
    user: User | AnonymousUser, book: ProposalBook, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    if not is_region_staff(user, book):
        return False, _("只有本地区填报人员可以撤回报送。")
    if not BOOK.allows(book.state, "withdraw"):
        return False, BOOK.refusal(book.state, "withdraw")
    return deadline_open(book, now)


def can_return(user: User, book: ProposalBook) -> tuple[bool, str]:
    if not user.has_role(Role.NATIONAL_REVIEWER):
        return False, _("只有国家审核人员可以退回建议书。")
    if not BOOK.allows(book.state, "return"):
        return False, BOOK.refusal(book.state, "return")
    return True, ""


def can_close(user: User, book: ProposalBook) -> tuple[bool, str]:
    """进入汇总 (结束征集): a reviewer freezes a submitted book."""
    if not user.has_role(Role.NATIONAL_REVIEWER):
        return False, _("只有国家审核人员可以结束征集。")
    if not BOOK.allows(book.state, "close"):
        return False, BOOK.refusal(book.state, "close")
    return True, ""

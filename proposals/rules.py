"""Who may do what to a 建议书. Each rule returns (allowed, reason) so a page can say why not.

Regional access is a django-guardian object permission granted to the region's 发展改革委 and
科技厅 groups when the book is created; national reviewers see every book of every region."""
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.enums import Role, Stage
from reform_portal.permissions import department_of as kernel_department_of
from reform_portal.services import deadline_for

from .enums import BookState

VIEW = "proposals.view_proposalbook"
CHANGE = "proposals.change_proposalbook"


def can_view_book(user, book) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.NATIONAL_REVIEWER) and book.state != BookState.DRAFT:
        return True
    return user.has_perm(VIEW, book)


def is_region_staff(user, book) -> bool:
    return user.is_authenticated and user.has_role(Role.REGIONAL_STAFF) and user.has_perm(CHANGE, book)


def deadline_open(book, now=None) -> tuple[bool, str]:
    closes = deadline_for(book.cycle, book.region, Stage.PROPOSAL)
    if (now or timezone.now()) < closes:
        return True, ""
    return False, _("已过建议书报送截止时间（%(at)s），如需修改或报送请联系国家审核人员申请延期。") % {
        "at": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M")
    }


def can_edit(user, book, now=None) -> tuple[bool, str]:
    if not is_region_staff(user, book):
        return False, _("只有本地区发展改革委、科技厅的填报人员可以修改建议书。")
    if book.state == BookState.SUBMITTED:
        return False, _("建议书已报送，如需修改请先撤回报送。")
    if book.state == BookState.CLOSED:
        return False, _("建议书已进入汇总阶段，不能再修改。")
    return deadline_open(book, now)


def department_of(user, book):
    """Which of the region's two departments the user signs for (REGIONAL_DRC / REGIONAL_STD), or None."""
    return kernel_department_of(user, book.region_id)


def can_sign(user, book, now=None) -> tuple[bool, str]:
    allowed, reason = can_edit(user, book, now)
    if not allowed:
        return allowed, reason
    if department_of(user, book) is None:
        return False, _("只有本地区发展改革委或科技厅（委、局）的人员可以确认联合报送。")
    return True, ""


def can_submit(user, book, now=None) -> tuple[bool, str]:
    return can_edit(user, book, now)


def can_withdraw(user, book, now=None) -> tuple[bool, str]:
    if not is_region_staff(user, book):
        return False, _("只有本地区填报人员可以撤回报送。")
    if book.state != BookState.SUBMITTED:
        return False, _("建议书尚未报送，无需撤回。")
    return deadline_open(book, now)


def can_return(user, book) -> tuple[bool, str]:
    if not user.has_role(Role.NATIONAL_REVIEWER):
        return False, _("只有国家审核人员可以退回建议书。")
    if book.state != BookState.SUBMITTED:
        return False, _("只有已报送的建议书可以退回修改。")
    return True, ""

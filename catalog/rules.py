"""Who may do what in 制定清单. Each rule returns (allowed, reason) so a page can say why not.

Experts reach their assignments and ministry liaisons the list versions sent to their ministry through
django-guardian object permissions granted by the services that assign or send them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from reform_portal.enums import CycleState, OrgKind, Role

from .enums import ListState
from .transitions import EXPERT_REVIEW, LIST

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from reform_portal.models import ReformCycle, User

    from .models import Consultation, ExpertReview, Measure, MeasureList

VIEW_REVIEW = "catalog.view_expertreview"
CHANGE_REVIEW = "catalog.change_expertreview"
VIEW_MEASURE = "catalog.view_measure"
VIEW_CONSULTATION = "catalog.view_consultation"


def is_reviewer(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_role(Role.NATIONAL_REVIEWER)


def reviewer_only(user: User | AnonymousUser) -> tuple[bool, str]:
    if is_reviewer(user):
        return True, ""
    return False, _("只有国家审核人员可以办理此事项。")


def list_editable(measure_list: MeasureList) -> tuple[bool, str]:
    if not LIST.allows(measure_list.state, "edit"):
        return False, _("《%(t)s》第%(v)s版已公布，不能修改；如需调整请新建修订版本。") % {
            "t": measure_list.title,
            "v": measure_list.version,
        }
    return True, ""


def cycle_allows_publishing(cycle: ReformCycle) -> tuple[bool, str]:
    """A list is published once the year's 征集 has ended (结束征集) and until the year is closed; a version
    after the first (a correction) any time in between."""
    if cycle.state in (CycleState.PLANNING, CycleState.PROPOSAL):
        return False, _("%(year)s年度建议书征集尚未结束，不能公布清单；请先在“年度工作安排”中结束征集。") % {
            "year": cycle.year
        }
    if cycle.state == CycleState.CLOSED:
        return False, _("%(year)s年度已关闭，不能再公布清单。") % {"year": cycle.year}
    return True, ""


def cycle_frozen(cycle: ReformCycle) -> tuple[bool, str]:
    """Merges can be undone only while the cycle's list is a draft (not out for consultation)."""
    from .models import MeasureList

    if MeasureList.objects.filter(cycle=cycle, state=ListState.CONSULTING).exists():
        return True, _("举措清单正在征求有关部门意见，不能撤销合并。")
    return False, ""


def can_unmerge(user: User | AnonymousUser, measure: Measure) -> tuple[bool, str]:
    allowed, reason = reviewer_only(user)
    if not allowed:
        return allowed, reason
    if measure.entries.exists():
        return False, _("该举措已列入已公布的清单，不能撤销合并。")
    frozen, reason = cycle_frozen(measure.cycle)
    if frozen:
        return False, reason
    return True, ""


def conflict_of_interest(
    expert: User, source_region_ids: Iterable[int], source_region_names: Iterable[str] = ()
) -> str:
    """Why ``expert`` may not review a measure whose proposals came from these regions ("" if none)."""
    org = expert.organization
    if org is None or org.region_id is None or org.region_id not in set(source_region_ids):
        return ""
    assert org.region is not None  # org.region_id is set
    return _("利益冲突：专家所在单位“%(org)s”位于%(region)s，该地区是本举措的建议来源地区。") % {
        "org": org.name,
        "region": org.region.name,
    }


def can_assign(
    user: User | AnonymousUser,
    expert: User,
    measure: Measure,
    source_region_ids: Iterable[int],
    assigned_ids: Iterable[int] = (),
) -> tuple[bool, str]:
    allowed, reason = reviewer_only(user)
    if not allowed:
        return allowed, reason
    if not expert.has_role(Role.EXPERT):
        return False, _("只能分配评审专家。")
    if expert.pk in set(assigned_ids):
        return False, _("该专家已分配论证此举措。")
    if measure.entries.filter(measure_list__state=ListState.PUBLISHED).exists():
        return False, _("该举措已列入公布的清单，不能再分配专家论证。")
    reason = conflict_of_interest(expert, source_region_ids)
    if reason:
        return False, reason
    return True, ""


def can_unassign(user: User | AnonymousUser, review: ExpertReview) -> tuple[bool, str]:
    """撤回分配: a reviewer takes back an expert's assignment that has not been answered yet."""
    allowed, reason = reviewer_only(user)
    if not allowed:
        return allowed, reason
    if not EXPERT_REVIEW.allows(EXPERT_REVIEW.state_of(review), "unassign"):
        return False, _("专家已提交论证意见，不能撤回分配。")
    return True, ""


def can_score(user: User | AnonymousUser, review: ExpertReview) -> tuple[bool, str]:
    if not user.is_authenticated or review.expert_id != user.pk or not user.has_perm(CHANGE_REVIEW, review):
        return False, _("只有被分配的专家可以论证打分。")
    if not EXPERT_REVIEW.allows(EXPERT_REVIEW.state_of(review), "submit"):
        return False, EXPERT_REVIEW.refusal(EXPERT_REVIEW.state_of(review), "submit")
    # An expert whose region is among the measure's sources never scores it (issue 16), whatever the history.
    reason = conflict_of_interest(user, review.measure.sources.values_list("region_id", flat=True))
    if reason:
        return False, reason
    return True, ""


def is_liaison_of(user: User | AnonymousUser, consultation: Consultation) -> bool:
    org = user.organization if user.is_authenticated else None
    return bool(
        user.is_authenticated
        and user.has_role(Role.MINISTRY_LIAISON)
        and org is not None
        and org.kind == OrgKind.MINISTRY
        and org.pk == consultation.ministry_id
        and user.has_perm(VIEW_CONSULTATION, consultation)
    )


def can_give_opinion(user: User | AnonymousUser, consultation: Consultation) -> tuple[bool, str]:
    if not is_liaison_of(user, consultation):
        return False, _("只有被征求意见部门的联络人可以反馈意见。")
    if consultation.measure_list.state == ListState.PUBLISHED:
        return False, _("清单已公布，征求意见已结束。")
    return True, ""

"""Who may do what in 制定清单. Each rule returns (allowed, reason) so a page can say why not.

Experts reach their assignments and ministry liaisons the list versions sent to their ministry through
django-guardian object permissions granted by the services that assign or send them."""
from django.utils.translation import gettext as _

from reform_portal.enums import OrgKind, Role

from .enums import ListState

VIEW_REVIEW = "catalog.view_expertreview"
CHANGE_REVIEW = "catalog.change_expertreview"
VIEW_MEASURE = "catalog.view_measure"
VIEW_CONSULTATION = "catalog.view_consultation"


def is_reviewer(user) -> bool:
    return user.is_authenticated and user.has_role(Role.NATIONAL_REVIEWER)


def reviewer_only(user) -> tuple[bool, str]:
    if is_reviewer(user):
        return True, ""
    return False, _("只有国家审核人员可以办理此事项。")


def list_editable(measure_list) -> tuple[bool, str]:
    if measure_list.state == ListState.PUBLISHED:
        return False, _("《%(t)s》第%(v)s版已公布，不能修改；如需调整请新建修订版本。") % {
            "t": measure_list.title, "v": measure_list.version}
    return True, ""


def cycle_frozen(cycle) -> tuple[bool, str]:
    """Merges can be undone only while the cycle's list is a draft (not out for consultation)."""
    from .models import MeasureList

    if MeasureList.objects.filter(cycle=cycle, state=ListState.CONSULTING).exists():
        return True, _("举措清单正在征求有关部门意见，不能撤销合并。")
    return False, ""


def can_unmerge(user, measure) -> tuple[bool, str]:
    allowed, reason = reviewer_only(user)
    if not allowed:
        return allowed, reason
    if measure.entries.exists():
        return False, _("该举措已列入已公布的清单，不能撤销合并。")
    frozen, reason = cycle_frozen(measure.cycle)
    if frozen:
        return False, reason
    return True, ""


def conflict_of_interest(expert, source_region_ids, source_region_names=()) -> str:
    """Why ``expert`` may not review a measure whose proposals came from these regions ("" if none)."""
    org = expert.organization
    if org is None or org.region_id is None or org.region_id not in set(source_region_ids):
        return ""
    return _("利益冲突：专家所在单位“%(org)s”位于%(region)s，该地区是本举措的建议来源地区。") % {
        "org": org.name, "region": org.region.name}


def can_assign(user, expert, measure, source_region_ids, assigned_ids=()) -> tuple[bool, str]:
    allowed, reason = reviewer_only(user)
    if not allowed:
        return allowed, reason
    if not expert.has_role(Role.EXPERT):
        return False, _("只能分配评审专家。")
    if expert.pk in set(assigned_ids):
        return False, _("该专家已分配论证此举措。")
    reason = conflict_of_interest(expert, source_region_ids)
    if reason:
        return False, reason
    return True, ""


def can_unassign(user, review) -> tuple[bool, str]:
    """撤回分配: a reviewer takes back an expert's assignment that has not been answered yet."""
    allowed, reason = reviewer_only(user)
    if not allowed:
        return allowed, reason
    if review.submitted_at is not None:
        return False, _("专家已提交论证意见，不能撤回分配。")
    return True, ""


def can_score(user, review) -> tuple[bool, str]:
    if not user.is_authenticated or review.expert_id != user.pk or not user.has_perm(CHANGE_REVIEW, review):
        return False, _("只有被分配的专家可以论证打分。")
    if review.submitted_at is not None:
        return False, _("您已提交论证意见，不能再修改。")
    return True, ""


def is_liaison_of(user, consultation) -> bool:
    org = user.organization if user.is_authenticated else None
    return bool(user.is_authenticated and user.has_role(Role.MINISTRY_LIAISON) and org is not None
                and org.kind == OrgKind.MINISTRY and org.pk == consultation.ministry_id
                and user.has_perm(VIEW_CONSULTATION, consultation))


def can_give_opinion(user, consultation) -> tuple[bool, str]:
    if not is_liaison_of(user, consultation):
        return False, _("只有被征求意见部门的联络人可以反馈意见。")
    if consultation.measure_list.state == ListState.PUBLISHED:
        return False, _("清单已公布，征求意见已结束。")
    return True, ""

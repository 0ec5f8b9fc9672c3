"""Who may do what in stage 4, and the independence rule. Each rule returns (allowed, reason) so a
page can say why not.

Evaluators reach a task only through a commission to their agency: ``VIEW_COMMISSION`` is granted
(django-guardian) to the agency's organization group when the commission is made."""
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from bidding.enums import TaskState
from reform_portal.enums import OrgKind, Role

from .enums import AssessmentState, CommissionState, Grade

VIEW_COMMISSION = "evaluation.view_commission"
TWO_PLACES = Decimal("0.01")


def is_reviewer(user) -> bool:
    return user.is_authenticated and user.has_role(Role.NATIONAL_REVIEWER)


def is_evaluator(user) -> bool:
    return user.is_authenticated and user.has_role(Role.EVALUATOR) and user.organization_id is not None


# ---- independence (委托第三方机构评估) --------------------------------------------------------------

def independence(agency, task) -> tuple[bool, str]:
    """An agency may evaluate a task only if it is not one of the task's implementing entities and is
    not based in the task's region (our reading of 第三方: independent of the evaluated side)."""
    if agency.kind != OrgKind.EVALUATOR:
        return False, _("“%(a)s”不是第三方评估机构。") % {"a": agency}
    if any(e.pk == agency.pk for e in task.entities.all()):
        return False, _("“%(a)s”是该任务的实施主体，不能评估自己承担的任务。") % {"a": agency}
    if agency.region_id is not None and agency.region_id == task.region_id:
        return False, _("“%(a)s”位于任务所在地区（%(r)s），不能评估本地区的任务。") % {
            "a": agency, "r": task.region}
    return True, ""


def conflicts(agency, tasks) -> list[tuple[object, str]]:
    """(task, reason) for every task the agency may not evaluate."""
    out = []
    for task in tasks:
        ok, reason = independence(agency, task)
        if not ok:
            out.append((task, reason))
    return out


def can_commission(user, task) -> tuple[bool, str]:
    if not is_reviewer(user):
        return False, _("只有国家审核人员可以委托第三方评估。")
    if task.state != TaskState.PENDING_EVALUATION:
        return False, _("任务“%(t)s”不在“待评估”状态（当前：%(s)s）。") % {"t": task, "s": task.get_state_display()}
    return True, ""


def can_withdraw_commission(user, commission) -> tuple[bool, str]:
    """撤回委托: before the agency has saved any assessment, so none of its work is thrown away."""
    if not is_reviewer(user):
        return False, _("只有国家审核人员可以撤回委托。")
    if commission.state != CommissionState.ACTIVE:
        return False, _("只有评估中的委托可以撤回。")
    if commission.assessments.exists():
        return False, _("评估机构已开始填写评估报告，不能撤回委托。")
    return True, ""


# ---- assessments -------------------------------------------------------------------------------

def is_commissioned_evaluator(user, commission) -> bool:
    return is_evaluator(user) and user.organization_id == commission.agency_id and user.has_perm(
        VIEW_COMMISSION, commission)


def can_edit_assessment(user, commission, assessment=None) -> tuple[bool, str]:
    if not is_commissioned_evaluator(user, commission):
        return False, _("只有受托评估机构的人员可以填写评估报告。")
    if assessment is not None and assessment.state != AssessmentState.DRAFT:
        return False, _("评估报告已提交并锁定；如需更正，请申请更正并经国家审核人员同意。")
    return True, ""


def can_request_reopen(user, assessment) -> tuple[bool, str]:
    if not is_commissioned_evaluator(user, assessment.commission):
        return False, _("只有受托评估机构的人员可以申请更正。")
    if assessment.state != AssessmentState.SUBMITTED:
        return False, _("只有已提交的评估报告可以申请更正。")
    return True, ""


def can_decide_reopen(user, assessment) -> tuple[bool, str]:
    if not is_reviewer(user):
        return False, _("只有国家审核人员可以同意更正。")
    if assessment.state != AssessmentState.REOPEN_REQUESTED:
        return False, _("该评估报告没有待处理的更正申请。")
    return True, ""


# ---- scoring -----------------------------------------------------------------------------------

def target_attainment(targets) -> Decimal | None:
    """Mean share of the planned change achieved over the task's targets, ×100 (two places).
    A target with no reported actual counts as 0; a task without targets has no value."""
    targets = list(targets)
    if not targets:
        return None
    total = sum(Decimal(str(t.attainment)) if t.attainment is not None else Decimal(0) for t in targets)
    return (total * 100 / len(targets)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def weighted_score(scores: dict, weights: dict) -> Decimal | None:
    """Σ score×weight / Σ weight, two places (half up); None until every indicator is scored."""
    if any(scores.get(k) is None for k in weights):
        return None
    total_weight = sum(weights.values())
    if not total_weight:
        return None
    value = sum(Decimal(scores[k]) * Decimal(w) for k, w in weights.items()) / Decimal(total_weight)
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def grade_for(score: Decimal | None, scheme) -> str:
    if score is None:
        return ""
    if score >= scheme.cut_excellent:
        return Grade.EXCELLENT
    if score >= scheme.cut_good:
        return Grade.GOOD
    if score >= scheme.cut_pass:
        return Grade.PASS
    return Grade.FAIL


# ---- outcomes ----------------------------------------------------------------------------------

def can_create_outcome(user, task) -> tuple[bool, str]:
    if not is_reviewer(user):
        return False, _("只有国家审核人员可以遴选可复制推广的改革成果。")
    assessment = getattr(task, "assessment", None)
    if assessment is None or assessment.state == AssessmentState.DRAFT:
        return False, _("该任务尚无已提交的评估报告。")
    if not assessment.recommend_promotion:
        return False, _("第三方评估未建议复制推广该任务。")
    if hasattr(task, "outcome"):
        return False, _("该任务已整理为改革成果。")
    return True, ""

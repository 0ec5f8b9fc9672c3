"""Who may do what in stage 4, and the independence rule. Each rule returns (allowed, reason) so a
page can say why not.

Evaluators reach a task only through a commission to their agency: ``VIEW_COMMISSION`` is granted
(django-guardian) to the agency's organization group when the commission is made."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, TypeGuard

from django.utils.translation import gettext as _

from bidding.transitions import TASK
from reform_portal.enums import OrgKind, Role

from .enums import AssessmentState, Grade
from .transitions import ASSESSMENT, COMMISSION

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from bidding.models import Target, Task
    from reform_portal.models import Organization, User

    from .models import Assessment, Commission, EvaluationScheme

VIEW_COMMISSION = "evaluation.view_commission"
TWO_PLACES = Decimal("0.01")


def is_reviewer(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_role(Role.NATIONAL_REVIEWER)


def is_evaluator(user: User | AnonymousUser) -> TypeGuard[User]:
    return user.is_authenticated and user.has_role(Role.EVALUATOR) and user.organization_id is not None


# ---- independence (委托第三方机构评估) --------------------------------------------------------------


def independence(agency: Organization, task: Task) -> tuple[bool, str]:
    """An agency may evaluate a task only if it is not one of the task's implementing entities and is
    not based in the task's region (our reading of 第三方: independent of the evaluated side)."""
    if agency.kind != OrgKind.EVALUATOR:
        return False, _("“%(a)s”不是第三方评估机构。") % {"a": agency}
    if any(e.pk == agency.pk for e in task.entities.all()):
        return False, _("“%(a)s”是该任务的实施主体，不能评估自己承担的任务。") % {"a": agency}
    if agency.region_id is not None and agency.region_id == task.region_id:
        return False, _("“%(a)s”位于任务所在地区（%(r)s），不能评估本地区的任务。") % {
            "a": agency,
            "r": task.region,
        }
    return True, ""


def conflicts(agency: Organization, tasks: Iterable[Task]) -> list[tuple[Task, str]]:
    """(task, reason) for every task the agency may not evaluate."""
    out = []
    for task in tasks:
        ok, reason = independence(agency, task)
        if not ok:
            out.append((task, reason))
    return out


def can_commission(user: User | AnonymousUser, task: Task) -> tuple[bool, str]:
    if not is_reviewer(user):
        return False, _("只有国家审核人员可以委托第三方评估。")
    if not TASK.allows(task.state, "commission"):
        return False, _("任务“%(t)s”不在“待评估”状态（当前：%(s)s）。") % {
            "t": task,
            "s": task.get_state_display(),
        }
    return True, ""


def can_withdraw_commission(user: User | AnonymousUser, commission: Commission) -> tuple[bool, str]:
    """撤回委托: before the agency has saved any assessment, so none of its work is thrown away."""
    if not is_reviewer(user):
        return False, _("只有国家审核人员可以撤回委托。")
    if not COMMISSION.allows(commission.state, "withdraw"):
        return False, COMMISSION.refusal(commission.state, "withdraw")
    if commission.assessments.exists():
        return False, _("评估机构已开始填写评估报告，不能撤回委托。")
    return True, ""


# ---- assessments -------------------------------------------------------------------------------


def is_commissioned_evaluator(user: User | AnonymousUser, commission: Commission) -> bool:
    return (
        is_evaluator(user)
        and user.organization_id == commission.agency_id
        and user.has_perm(VIEW_COMMISSION, commission)
    )


def can_edit_assessment(
    user: User | AnonymousUser, commission: Commission, assessment: Assessment | None = None
) -> tuple[bool, str]:
    if not is_commissioned_evaluator(user, commission):
        return False, _("只有受托评估机构的人员可以填写评估报告。")
    if assessment is not None and not ASSESSMENT.allows(assessment.state, "save"):
        return False, ASSESSMENT.refusal(assessment.state, "save")
    return True, ""


def can_request_reopen(user: User | AnonymousUser, assessment: Assessment) -> tuple[bool, str]:
    if not is_commissioned_evaluator(user, assessment.commission):
        return False, _("只有受托评估机构的人员可以申请更正。")
    if not ASSESSMENT.allows(assessment.state, "request_reopen"):
        return False, ASSESSMENT.refusal(assessment.state, "request_reopen")
    return True, ""


def can_decide_reopen(user: User | AnonymousUser, assessment: Assessment) -> tuple[bool, str]:
    if not is_reviewer(user):
        return False, _("只有国家审核人员可以同意更正。")
    if not ASSESSMENT.allows(assessment.state, "approve_reopen"):
        return False, ASSESSMENT.refusal(assessment.state, "approve_reopen")
    return True, ""


# ---- scoring -----------------------------------------------------------------------------------


def target_attainment(targets: Iterable[Target]) -> Decimal | None:
    """Mean share of the planned change achieved over the task's targets, ×100 (two places).
    A target with no reported actual counts as 0; a task without targets has no value."""
    targets = list(targets)
    if not targets:
        return None
    total = sum(
        (Decimal(str(t.attainment)) if t.attainment is not None else Decimal(0) for t in targets), Decimal(0)
    )
    return (total * 100 / len(targets)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def weighted_score(scores: Mapping[str, Decimal | None], weights: Mapping[str, Decimal]) -> Decimal | None:
    """Σ score×weight / Σ weight, two places (half up); None until every indicator is scored."""
    given = {k: v for k, v in scores.items() if v is not None}
    if any(k not in given for k in weights):
        return None
    total_weight = sum(weights.values())
    if not total_weight:
        return None
    value = sum(Decimal(given[k]) * Decimal(w) for k, w in weights.items()) / Decimal(total_weight)
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def grade_for(score: Decimal | None, scheme: EvaluationScheme) -> str:
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


def can_create_outcome(user: User | AnonymousUser, task: Task) -> tuple[bool, str]:
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

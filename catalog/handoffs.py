"""Who is told when a measure or the draft list changes hands (docs/architecture.md, "Hand-offs: who is told"):
called by the services inside their transaction; each is once per occurrence (``notify``'s key)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal.enums import Role
from reform_portal.models import User
from reform_portal.notifications import date_cn, idempotency_key, notify, organization_users, reviewers

from .models import Consultation, DepartmentOpinion, ExpertReview


def expert_assigned(review: ExpertReview, *, by: User) -> None:
    """分配专家 → the expert, with the due date (the cycle's review deadline)."""
    measure = review.measure
    notify(
        recipients=[review.expert],
        kind="expert_assigned",
        key=idempotency_key("expert_assigned", review),
        title=_("请论证改革举措“%(m)s”") % {"m": measure.title},
        body=_(
            "国家审核人员（%(by)s）邀请您对%(year)s年度改革举措“%(m)s”进行专家论证。请于%(due)s前登录平台，"
            "按含金量、大胆闯·自主改、小切口·大作为、易操作·可考核、出经验·做示范五项打分并提出意见。"
        )
        % {
            "by": by,
            "year": measure.cycle.year,
            "m": measure.title,
            "due": date_cn(measure.cycle.review_deadline),
        },
        url=reverse("catalog:review", args=[review.pk]),
    )


def consultation_sent(consultation: Consultation, *, by: User) -> None:
    """征求意见 → the ministry's liaisons, with the due date."""
    measure_list = consultation.measure_list
    notify(
        recipients=organization_users([consultation.ministry_id], Role.MINISTRY_LIAISON),
        kind="consultation_sent",
        key=idempotency_key("consultation_sent", consultation),
        title=_("请反馈对《%(t)s》（征求意见稿）的意见") % {"t": measure_list.title},
        body=_(
            "国家发展改革委、科技部（%(by)s）就《%(t)s》征求贵部门意见。请于%(due)s前逐项反馈“同意”“修改后同意”"
            "或“不同意”，修改或不同意的请写明具体意见。"
        )
        % {"by": by, "t": measure_list.title, "due": date_cn(measure_list.cycle.review_deadline)},
        url=reverse("catalog:consultation", args=[consultation.pk]),
    )


def opinion_given(opinion: DepartmentOpinion, *, by: User) -> None:
    """部门意见 → national reviewers: answer it (采纳情况)."""
    consultation = opinion.consultation
    notify(
        recipients=reviewers(),
        kind="opinion_given",
        key=idempotency_key("opinion_given", opinion),
        title=_("%(ministry)s对“%(m)s”反馈了意见：%(stance)s")
        % {
            "ministry": consultation.ministry,
            "m": opinion.measure.title,
            "stance": opinion.get_stance_display(),
        },
        body=_("%(ministry)s（%(by)s）的意见：%(text)s。请在清单公布前答复采纳情况。")
        % {"ministry": consultation.ministry, "by": by, "text": opinion.text or opinion.get_stance_display()},
        url=reverse("catalog:list_manage", args=[consultation.measure_list_id]),
    )


def opinion_answered(opinion: DepartmentOpinion, *, by: User) -> None:
    """答复 → the ministry's liaisons."""
    consultation = opinion.consultation
    notify(
        recipients=organization_users([consultation.ministry_id], Role.MINISTRY_LIAISON),
        kind="opinion_answered",
        key=idempotency_key("opinion_answered", opinion),
        title=_("贵部门对“%(m)s”的意见已答复") % {"m": opinion.measure.title},
        body=_("国家审核人员（%(by)s）的答复（采纳情况）：%(r)s。如有不同意见，可在清单公布前修改反馈。")
        % {"by": by, "r": opinion.response},
        url=reverse("catalog:consultation", args=[consultation.pk]),
    )


def conflict_found(review: ExpertReview, *, reason: str, withdrawn: bool, by: User) -> None:
    """A merge brought a proposal of the expert's region into the measure (issue 16) → the expert and the
    national reviewers: the assignment is withdrawn, or the submitted review no longer counts."""
    measure = review.measure
    if withdrawn:
        title = _("“%(m)s”的专家论证分配已撤回（利益冲突）") % {"m": measure.title}
        body = _(
            "国家审核人员（%(by)s）将新的建议合并到举措“%(m)s”。%(reason)s因此撤回对%(expert)s的论证分配。"
        )
    else:
        title = _("%(expert)s对“%(m)s”的论证意见不计入（利益冲突）") % {
            "m": measure.title,
            "expert": review.expert,
        }
        body = _(
            "国家审核人员（%(by)s）将新的建议合并到举措“%(m)s”。%(reason)s%(expert)s此前提交的论证意见保留在记录中并"
            "标记为利益冲突，不计入平均分。"
        )
    body = body % {"by": by, "m": measure.title, "reason": reason, "expert": review.expert}
    notify(
        recipients=[review.expert],
        kind="expert_conflict",
        key=idempotency_key("expert_conflict", review),
        title=title,
        body=body,
        url=reverse("catalog:my_reviews"),
    )
    notify(
        recipients=reviewers(),
        kind="expert_conflict_reviewers",
        key=idempotency_key("expert_conflict_reviewers", review),
        title=title,
        body=body,
        url=reverse("catalog:measure_detail", args=[measure.pk]),
    )

"""Who is told when an evaluation changes hands (docs/architecture.md, "Hand-offs: who is told"): called by the
services inside their transaction; each is once per occurrence (``notify``'s key)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from bidding.models import Task
from reform_portal.enums import Role
from reform_portal.models import User
from reform_portal.notifications import (
    date_cn,
    idempotency_key,
    notify,
    organization_users,
    region_staff,
    reviewers,
)

from .models import Assessment, Commission, Incentive, Outcome


def commissioned(commission: Commission, tasks: list[Task], *, by: User) -> None:
    """委托第三方评估 → the agency's evaluators, with the due date."""
    names = "、".join(f"{t.region}{t.entry.number}“{t.entry.title}”" for t in tasks)
    notify(
        recipients=organization_users([commission.agency_id], Role.EVALUATOR),
        kind="commissioned",
        key=idempotency_key("commissioned", commission),
        title=_("国家发展改革委、科技部委托贵单位评估%(n)s项揭榜任务") % {"n": len(tasks)},
        body=_("委托任务：%(names)s。委托事项与评估要求：%(terms)s。请于%(due)s前提交评估报告和评分。")
        % {"names": names, "terms": commission.terms, "due": date_cn(commission.due_date)},
        url=reverse("evaluation:assignments"),
    )


def assessment_submitted(assessment: Assessment, *, by: User) -> None:
    """提交评估报告 → national reviewers."""
    task = assessment.task
    notify(
        recipients=reviewers(),
        kind="assessment_submitted",
        key=idempotency_key("assessment_submitted", assessment),
        title=_("%(agency)s提交了“%(t)s”的评估报告（%(g)s）")
        % {
            "agency": assessment.commission.agency,
            "t": task.entry.title,
            "g": assessment.get_grade_display(),
        },
        body=_(
            "%(by)s提交了%(region)s揭榜任务%(no)s的第%(v)s版评估报告。请查阅；评估为优秀或建议推广的，请整理改革成果。"
        )
        % {"by": by, "region": task.region, "no": task.entry.number, "v": assessment.version},
        url=reverse("evaluation:assessment_detail", args=[assessment.pk]),
    )


def outcome_published(outcome: Outcome, *, by: User) -> None:
    """发布到成果库 → the region's staff."""
    notify(
        recipients=region_staff(outcome.region_id),
        kind="outcome_published",
        key=idempotency_key("outcome_published", outcome),
        title=_("贵地区的改革成果“%(t)s”已发布到成果库") % {"t": outcome.title},
        body=_(
            "国家发展改革委、科技部（%(by)s）将“%(t)s”作为可复制推广的改革成果发布。请做好经验推广和宣传。"
        )
        % {"by": by, "t": outcome.title},
        url=reverse("evaluation:library_detail", args=[outcome.pk]),
    )


def incentive_granted(incentive: Incentive, *, by: User) -> None:
    """激励 → the unit's users and the staff of its region (or of the region that is the recipient)."""
    recipient = incentive.organization or incentive.region
    region_id = incentive.region_id or (incentive.organization.region_id if incentive.organization else None)
    users = region_staff(region_id)
    if incentive.organization_id:
        users += organization_users([incentive.organization_id])
    task = incentive.tasks.order_by("pk").first()
    notify(
        recipients=users,
        kind="incentive_granted",
        key=idempotency_key("incentive_granted", incentive),
        title=_("%(year)s年度激励：%(who)s获%(kind)s")
        % {"year": incentive.cycle.year, "who": recipient, "kind": incentive.get_kind_display()},
        body=_("国家发展改革委、科技部（%(by)s）登记激励，理由：%(reason)s。")
        % {"by": by, "reason": incentive.reason},
        url=reverse("bidding:task_detail", args=[task.pk]) if task else reverse("dashboard"),
    )


def results_published(cycle, *, by: User) -> None:
    """公布评估结果 → the staff of every region with tasks in the year (the ranking names them)."""
    from reform_portal.years import with_year

    users: list[User] = []
    for region_id in (
        Task.objects.filter(cycle=cycle).values_list("region_id", flat=True).distinct().order_by()
    ):
        users += region_staff(region_id)
    notify(
        recipients=users,
        kind="results_published",
        key=idempotency_key("results_published", cycle),
        title=_("%(year)s年度全面创新改革评估结果已公布") % {"year": cycle.year},
        body=_("国家发展改革委、科技部（%(by)s）公布了%(year)s年度评估结果，请查阅贵地区的评估等次和排名。")
        % {"by": by, "year": cycle.year},
        url=with_year(reverse("evaluation:public_results"), cycle.year),
    )

"""Demo content of stage 4 for ``seed_demo``: commissions to the demo agencies (respecting independence),
a few submitted assessments with a PDF report, one published outcome and one incentive.

Acts on the given cycle (the demo's year being evaluated) when it has tasks in 待评估 (the bidding demo completes
all of that year's tasks; the first four are commissioned, the rest wait for the reviewers) and no commission yet, so running the seed twice changes nothing; otherwise it skips quietly. The tasks are
shared in turn among the agencies (each independent of the task's region) and in each commission all but the last
assessment are submitted, so every agency has one report still to write."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from bidding.enums import TaskState
from bidding.models import Task
from reform_portal.enums import OrgKind, Role
from reform_portal.models import Organization, User

from . import rules, services
from .enums import IncentiveKind
from .models import Commission

# A one-page PDF (valid structure; the portal checks uploads by content).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

SCORES = [  # attainment offset, breakthrough, replicability, satisfaction, recommend, conclusion
    (
        Decimal("0"),
        Decimal("92"),
        Decimal("94"),
        Decimal("90"),
        True,
        "改革任务按时间表全面完成，量化目标均已达成，形成的制度文件具有较强的可复制性，建议在全国复制推广。",
    ),
    (
        Decimal("-5"),
        Decimal("82"),
        Decimal("80"),
        Decimal("85"),
        False,
        "主要目标基本完成，部分指标尚未达到预期，建议继续深化后再总结推广。",
    ),
]


# tasks commissioned (the first in region order); the others wait for the reviewers' 评估委托
COMMISSIONED = 4


def _evaluator(agency):
    return User.objects.filter(organization=agency, groups__name=Role.EVALUATOR).order_by("pk").first()


def seed(*, cycle, stdout):
    tasks = list(
        Task.objects.filter(cycle=cycle, state=TaskState.PENDING_EVALUATION)
        .select_related("region", "entry")
        .prefetch_related("entities")
        .order_by("region__code", "entry__position")
    )
    if not tasks or Commission.objects.filter(cycle=cycle).exists():
        return
    tasks = tasks[:COMMISSIONED]
    reviewer = User.objects.filter(groups__name=Role.NATIONAL_REVIEWER).order_by("pk").first()
    agencies = [
        a for a in Organization.objects.filter(kind=OrgKind.EVALUATOR).order_by("pk") if _evaluator(a)
    ]
    if reviewer is None or not agencies:
        return
    plan = {}
    for n, task in enumerate(tasks):
        turn = agencies[n % len(agencies) :] + agencies[: n % len(agencies)]
        agency = next((a for a in turn if rules.independence(a, task)[0]), None)
        if agency is not None:
            plan.setdefault(agency, []).append(task)
    commissions = []
    for agency, agency_tasks in plan.items():
        commissions.append(
            services.commission_create(
                cycle=cycle,
                agency=agency,
                tasks=agency_tasks,
                due_date=cycle.evaluation_due,
                by=reviewer,
                terms="对照揭榜任务通知书和实施方案，评估量化目标完成情况、改革突破性、可复制推广性和相关方满意度，"
                "形成评估报告并提出是否复制推广的建议。",
            )
        )
    assessed = 0
    for commission in commissions:
        user = _evaluator(commission.agency)
        ordered = list(commission.tasks.order_by("region__code", "entry__position"))
        for i, task in enumerate(ordered[: max(1, len(ordered) - 1)][:2]):
            offset, breakthrough, replicability, satisfaction, recommend, conclusion = SCORES[i % len(SCORES)]
            computed = rules.target_attainment(task.targets.all())
            attainment = max(Decimal("0"), (computed if computed is not None else Decimal("85")) + offset)
            assessment = services.assessment_save(
                commission=commission,
                task=task,
                by=user,
                upload=SimpleUploadedFile(f"{task.region.name}评估报告.pdf", DEMO_PDF, "application/pdf"),
                values={
                    "score_attainment": attainment,
                    "score_breakthrough": breakthrough,
                    "score_replicability": replicability,
                    "score_satisfaction": satisfaction,
                    "conclusion": conclusion,
                    "recommend_promotion": recommend,
                },
            )
            services.assessment_submit(assessment=assessment, by=user)
            assessed += 1
    published = 0
    for task in Task.objects.filter(cycle=cycle, assessment__recommend_promotion=True).select_related(
        "entry", "region"
    )[:1]:
        outcome = services.outcome_create(
            task=task,
            by=reviewer,
            values={
                "title": f"{task.region.name}{task.entry.title}的经验做法",
                "summary": task.summary_replicable
                or f"{task.region.name}围绕“{task.entry.title}”开展改革探索，形成了一套可操作的制度安排。",
                "problem_solved": "破解了创新主体反映强烈的体制机制障碍，相关审批环节明显减少。",
                "how_to_replicate": "制定实施办法→遴选试点单位→建立容错免责和考核评价机制→总结评估后全面推开。",
                "applicable_scope": "创新资源较为集中、具备相应事权的省级地区。",
            },
        )
        services.outcome_publish(outcome=outcome, by=reviewer)
        services.incentive_create(
            cycle=cycle,
            kind=IncentiveKind.COMMENDATION,
            region=task.region,
            tasks=[task],
            by=reviewer,
            reason="改革任务完成较好，第三方评估等次为优秀，形成可复制推广的改革成果，予以通报表扬。",
        )
        published += 1
    stdout.write(
        f"评估激励：委托 {len(commissions)} 家第三方机构评估 {sum(len(t) for t in plan.values())} 项任务，"
        f"已提交评估报告 {assessed} 份，发布改革成果 {published} 项"
    )

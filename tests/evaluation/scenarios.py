"""Helpers for stage 4 tests: a published list with entries and tasks in 待评估 built directly (the bidding
services are another helper's work), agencies, and assessments driven through the evaluation services."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from bidding.enums import TaskState
from bidding.models import Milestone, ProgressReport, ReportAttachment, Target, Task
from catalog.enums import ListState
from catalog.models import ListEntry, Measure, MeasureList
from evaluation import services
from reform_portal.enums import OrgKind, Role

from .. import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

ENTRY_TITLES = [
    ("赋予科研人员职务科技成果所有权或长期使用权", "tech_market"),
    ("推行关键核心技术“揭榜挂帅”项目组织方式", "core_tech"),
    ("推动科研仪器设备向社会开放共享", "research_system"),
    ("对新产品新业态实行包容审慎监管", "new_economy"),
    ("建设专业化市场化技术转移机构", "tech_market"),
    ("探索建立数据资产登记和交易规则", "new_economy"),
]


def pdf_upload(name="评估报告.pdf", content=PDF):
    return SimpleUploadedFile(name, content, "application/pdf")


def published_list(cycle, by, n=None):
    """A published list version with ``n`` entries (created once per cycle)."""
    mlist, created = MeasureList.objects.get_or_create(
        cycle=cycle,
        version=1,
        defaults={
            "title": f"{cycle.year}年度全面改革创新举措清单",
            "state": ListState.PUBLISHED,
            "published_by": by,
        },
    )
    if created:
        for i, (title, area) in enumerate(ENTRY_TITLES[: n or len(ENTRY_TITLES)], start=1):
            measure = Measure.objects.create(
                cycle=cycle,
                title=title,
                area=area,
                description=f"{title}的改革内容。",
                position=i,
                created_by=by,
            )
            ListEntry.objects.create(
                measure_list=mlist,
                measure=measure,
                number=f"{cycle.year}-{i:02d}",
                position=i,
                title=title,
                area=area,
                description=measure.description,
                authority_level="provincial",
            )
    return mlist


def entry(cycle, by, i=1):
    return published_list(cycle, by).entries.get(position=i)


def agency(name="中国国际工程咨询有限公司", region_code="110000"):
    return f.OrganizationFactory(
        name=name, kind=OrgKind.EVALUATOR, region=f.region(region_code) if region_code else None
    )


def evaluator_user(org, **kwargs):
    return f.UserFactory(organization=org, role=Role.EVALUATOR, **kwargs)


def make_task(
    cycle,
    by,
    *,
    region_code="330000",
    position=1,
    state=TaskState.PENDING_EVALUATION,
    entities=(),
    targets=((Decimal("0"), Decimal("100"), Decimal("80")),),
    with_report=True,
):
    """A task of ``region_code`` for list entry ``position`` with targets (baseline, target, actual),
    a milestone and (optionally) a progress report with a PDF attachment."""
    task = Task.objects.create(
        cycle=cycle,
        region=f.region(region_code),
        entry=entry(cycle, by, position),
        state=state,
        awarded_by=by,
        summary_achieved="已完成全部量化目标。",
        summary_replicable="形成了可在同类地区推广的制度文件。",
    )
    if entities:
        task.entities.set(entities)
    for i, (baseline, target, actual) in enumerate(targets, start=1):
        Target.objects.create(
            task=task, indicator=f"指标{i}", unit="项", baseline=baseline, target=target, latest_actual=actual
        )
    Milestone.objects.create(
        task=task,
        title="出台实施方案",
        due_date=datetime.date(cycle.year, 9, 30),
        deliverable="实施方案印发",
        responsible_name="王建国",
        responsible_post="处长",
        responsible_phone="0571-87051234",
    )
    if with_report:
        report = ProgressReport.objects.create(
            task=task,
            period_end=datetime.date(cycle.year, 12, 31),
            narrative="已完成首批试点。",
            submitted_by=by,
        )
        att = ReportAttachment(report=report, original_name="进展材料.pdf", kind="pdf", size=len(PDF))
        att.file.save(f"reports/{task.pk}.pdf", pdf_upload("进展材料.pdf"), save=False)
        att.save()
    return task


def commission(cycle, reviewer, agency_org, tasks, due=None):
    return services.commission_create(
        cycle=cycle,
        agency=agency_org,
        tasks=tasks,
        terms="对照任务目标开展第三方评估。",
        due_date=due or datetime.date(cycle.year + 1, 9, 30),
        by=reviewer,
    )


SCORES = {
    "score_attainment": Decimal("90"),
    "score_breakthrough": Decimal("85"),
    "score_replicability": Decimal("88"),
    "score_satisfaction": Decimal("92"),
}


def submitted_assessment(
    commission_obj, task, user, *, scores=None, recommend=True, conclusion="任务完成较好。"
):
    values = dict(scores or SCORES, conclusion=conclusion, recommend_promotion=recommend)
    a = services.assessment_save(
        commission=commission_obj, task=task, values=values, upload=pdf_upload(), by=user
    )
    return services.assessment_submit(assessment=a, by=user)


OUTCOME_VALUES = {
    "title": "职务科技成果赋权改革经验",
    "summary": "通过赋予科研人员职务科技成果所有权，显著提高成果转化率。",
    "problem_solved": "成果权属不清、转化动力不足。",
    "how_to_replicate": "制定赋权办法，单列管理赋权成果，建立尽职免责机制。",
    "applicable_scope": "高校院所较集中的省份。",
}


def scored_cycle(cycle, reviewer):
    """A generated cycle: tasks in four regions, commissioned, assessed with various grades, some outcomes
    published. Returns the agencies' evaluator user and the tasks."""
    org = agency()
    user = evaluator_user(org)
    plan = [  # region, entry position, scores (all four the same), recommend, publish outcome
        ("330000", 1, Decimal("95"), True, True),
        ("330000", 2, Decimal("85"), True, False),
        ("320000", 1, Decimal("89.99"), True, True),
        ("320000", 2, Decimal("59.99"), False, False),
        ("440000", 3, Decimal("60"), False, False),
        ("440000", 4, None, False, False),  # commissioned, not yet submitted
        ("510000", 5, None, False, False),  # still 待评估
    ]
    tasks = []
    for code, pos, score, recommend, publish in plan:
        task = make_task(cycle, reviewer, region_code=code, position=pos, with_report=False)
        tasks.append((task, code, score, recommend, publish))
    c = commission(cycle, reviewer, org, [t for t, code, *_ in tasks if code != "510000"])
    for task, _code, score, recommend, publish in tasks:
        if score is None:
            continue
        submitted_assessment(c, task, user, recommend=recommend, scores=dict.fromkeys(SCORES, score))
        if publish:
            outcome = services.outcome_create(
                task=task, values=dict(OUTCOME_VALUES, title=f"{task.entry.title}经验"), by=reviewer
            )
            services.outcome_publish(outcome=outcome, by=reviewer)
    return user, [t for t, *_ in tasks]

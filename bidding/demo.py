"""Demo 悬榜揭榜 for the seed, on a past year of the demo whose list is published (``seed(cycle=…)``): a few regions
claim entries and report them, the reviewer awards them (确认揭榜结果: the year goes to 组织实施) and issues letters.
In the year being implemented 浙江 details a plan, reports progress and raises a coordination request, and one
region's letter is still to be issued, and 四川's 基层 units implement one of its tasks; in the year being evaluated
(``evaluated=True``, 四川 not taking part) every letter is issued and every task is carried through to its
completion summary (待评估), so the evaluation demo has work to commission. Idempotent; skipped when the year has
no published list."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from reform_portal.demo import advance
from reform_portal.enums import CycleState, OrgKind, Role
from reform_portal.models import Organization, Region, User

from . import services
from .enums import BidSetState, TaskState
from .models import BidSet, Task

SH = ZoneInfo("Asia/Shanghai")

# region code -> (offset into the entries, number of claims, submit?)
PLAN = {
    "330000": (0, 3, True),
    "320000": (1, 3, True),
    "440000": (2, 4, True),
    "420000": (3, 3, True),
    "510000": (0, 3, True),
}
# reports in the year being implemented only: its 基层 units implement one of its tasks there
SICHUAN = "510000"
# the year being implemented: regions whose 通知书 the reviewers have still to issue
LETTER_PENDING = {"420000"}

APPROACH = (
    "以{region}国家自主创新示范区为主要载体，选择基础较好的市县和单位先行先试，"
    "边试点、边总结、边完善，成熟后在全省复制推广。"
)
KINDS = [OrgKind.FUNCTIONAL_DEPT, OrgKind.UNIVERSITY, OrgKind.ENTERPRISE]

MILESTONES = [
    ("出台实施方案", 45, "省政府办公厅印发实施方案"),
    ("确定首批试点单位", 120, "公布首批试点单位名单"),
    ("形成阶段性成果", 300, "报送阶段性总结和典型案例"),
]
TARGETS = [
    ("试点单位", "家", Decimal("0"), Decimal("20")),
    ("形成制度文件", "项", Decimal("1"), Decimal("5")),
]


def _staff(region, kind):
    return (
        User.objects.filter(
            organization__region=region, organization__kind=kind, groups__name=Role.REGIONAL_STAFF
        )
        .order_by("pk")
        .first()
    )


def seed(*, cycle, stdout, evaluated=False):
    bid_cycle = cycle
    entries = services.published_entries(bid_cycle)
    if len(entries) < 3:
        stdout.write("揭榜：尚无已公布的举措清单，跳过")
        return
    reviewer = User.objects.filter(groups__name=Role.NATIONAL_REVIEWER).order_by("pk").first()
    inside = datetime.datetime.combine(
        bid_cycle.bidding_opens + datetime.timedelta(days=2), datetime.time(10), tzinfo=SH
    )
    submitted = []
    for code, (offset, n, submit) in PLAN.items():
        if evaluated and code == SICHUAN:
            continue
        region = Region.objects.filter(code=code).first()
        drc, scitech = (
            (_staff(region, OrgKind.REGIONAL_DRC), _staff(region, OrgKind.REGIONAL_SCITECH))
            if region
            else (None, None)
        )
        if drc is None or scitech is None:
            continue
        existing = BidSet.objects.filter(cycle=bid_cycle, region=region).first()
        if existing is None:
            bid_set = services.bid_set_get_or_create(cycle=bid_cycle, region=region, by=drc)
            for i in range(n):
                entry = entries[(offset + i) % len(entries)]
                services.bid_save(
                    bid_set=bid_set,
                    entry=entry,
                    by=drc,
                    now=inside,
                    fields={
                        "approach": APPROACH.format(region=region.name),
                        "entity_kinds": KINDS,
                        "entity_names": f"{region.name}科学技术厅相关处室\n省内重点高校\n省内创新型领军企业",
                        "contact_name": drc.full_name,
                        "contact_phone": drc.phone or "010-68501985",
                    },
                )
            if submit:
                services.bid_set_sign(bid_set=bid_set, by=drc, now=inside)
                services.bid_set_sign(bid_set=bid_set, by=scitech, now=inside)
                services.bid_set_submit(bid_set=bid_set, by=drc, now=inside)
            existing = bid_set
        existing.refresh_from_db()
        if existing.state == BidSetState.SUBMITTED:
            submitted.append((existing, drc))
    if reviewer is None:
        return
    for bid_set, _drc in submitted:
        services.tasks_award(
            cycle=bid_cycle, bids=list(bid_set.bids.exclude(task__isnull=False)), by=reviewer
        )
    bid_cycle = advance(bid_cycle, CycleState.IMPLEMENTATION)  # 确认揭榜结果
    # the letters are dated three weeks after 揭榜 closed (today at the latest), numbered in that year
    issued_on = min(timezone.localdate(), bid_cycle.bidding_deadline + datetime.timedelta(days=21))
    for bid_set, _drc in submitted:
        if evaluated or bid_set.region.code not in LETTER_PENDING:
            services.notice_issue(cycle=bid_cycle, region=bid_set.region, by=reviewer, today=issued_on)
    if evaluated:
        _complete(bid_cycle)
    else:
        _plan_and_report(bid_cycle, reviewer)
        _plan_units(bid_cycle)
    stdout.write(
        f"揭榜：{len(submitted)} 个地区已报送，{Task.objects.filter(cycle=bid_cycle).count()} 项揭榜任务"
    )


def _plan_and_report(bid_cycle, reviewer):
    zj = Region.objects.get(code="330000")
    drc = _staff(zj, OrgKind.REGIONAL_DRC)
    task = Task.objects.filter(cycle=bid_cycle, region=zj, state=TaskState.PLANNING).order_by("pk").first()
    if (
        drc is None
        or task is None
        or Task.objects.filter(cycle=bid_cycle, region=zj, milestones__isnull=False).exists()
    ):
        return
    entities = list(Organization.objects.filter(region=zj, name__in=["浙江大学", "杭州市人民政府"]))
    services.plan_set_entities(task=task, organizations=entities, by=drc)
    today = timezone.localdate()
    for title, days, deliverable in MILESTONES:
        services.milestone_add(
            task=task,
            by=drc,
            fields={
                "title": title,
                "due_date": today + datetime.timedelta(days=days),
                "deliverable": deliverable,
                "responsible_name": drc.full_name,
                "responsible_post": "创新处处长",
                "responsible_phone": "0571-87051234",
            },
        )
    for indicator, unit, baseline, target in TARGETS:
        services.target_add(
            task=task,
            by=drc,
            fields={"indicator": indicator, "unit": unit, "baseline": baseline, "target": target},
        )
    services.plan_confirm(task=task, by=drc)
    milestones = list(task.milestones.all())
    services.report_file(
        task=task,
        by=drc,
        period_end=today,
        narrative="实施方案已报省政府审定，首批试点单位遴选工作已启动，浙江大学、杭州市已完成内部制度修订。",
        actuals={t.pk: t.baseline + (t.target - t.baseline) / 4 for t in task.targets.all()},
        statuses={m.pk: ("on_track", "") for m in milestones},
    )
    services.coordination_raise(
        task=task,
        by=drc,
        subject="赋权成果的国有资产管理口径",
        detail="试点中赋权成果是否纳入国有资产保值增值考核，需国家有关部门明确口径。",
    )


def _plan_units(bid_cycle):
    """四川's first task names its 基层 units (the grassroots demo's) as implementing entities, with its plan
    confirmed: the units' users have a task to carry out on their 工作台."""
    region = Region.objects.filter(code=SICHUAN).first()
    drc = _staff(region, OrgKind.REGIONAL_DRC) if region else None
    task = (
        Task.objects.filter(cycle=bid_cycle, region=region, state=TaskState.PLANNING, milestones__isnull=True)
        .order_by("entry__position", "pk")
        .first()
    )
    units = list(
        Organization.objects.filter(
            region=region, kind__in=OrgKind.implementing(), users__groups__name=Role.IMPLEMENTER
        ).distinct()
    )
    if (
        drc is None
        or task is None
        or not units
        or Task.objects.filter(cycle=bid_cycle, region=region, milestones__isnull=False).exists()
    ):
        return
    services.plan_set_entities(task=task, organizations=units, by=drc)
    services.milestone_add(
        task=task,
        by=drc,
        fields={
            "title": "各实施单位完成首批改革试点",
            "due_date": bid_cycle.implementation_end,
            "deliverable": "各实施单位报送试点总结",
            "responsible_name": drc.full_name,
            "responsible_post": "创新处处长",
            "responsible_phone": "028-86601234",
        },
    )
    services.target_add(
        task=task,
        by=drc,
        fields={
            "indicator": "试点单位",
            "unit": "家",
            "baseline": Decimal("0"),
            "target": Decimal(len(units)),
        },
    )
    services.plan_confirm(task=task, by=drc)


def _complete(bid_cycle):
    """Plan → one milestone reported done → 完成总结, on every task of the year (all wait for evaluation)."""
    today = timezone.localdate()
    for code in PLAN:
        region = Region.objects.filter(code=code).first()
        drc = _staff(region, OrgKind.REGIONAL_DRC) if region else None
        if drc is None:
            continue
        tasks = Task.objects.filter(
            cycle=bid_cycle, region=region, state=TaskState.PLANNING, milestones__isnull=True
        ).order_by("entry__position", "pk")
        for task in tasks:
            services.milestone_add(
                task=task,
                by=drc,
                fields={
                    "title": "出台实施办法并完成试点",
                    "due_date": max(today, timezone.localtime(task.awarded_at).date()),
                    "deliverable": "省政府办公厅印发实施办法，试点单位完成改革任务",
                    "responsible_name": drc.full_name,
                    "responsible_post": "创新处处长",
                    "responsible_phone": "025-83391234",
                },
            )
            services.target_add(
                task=task,
                by=drc,
                fields={
                    "indicator": "试点单位",
                    "unit": "家",
                    "baseline": Decimal("0"),
                    "target": Decimal("12"),
                },
            )
            services.plan_confirm(task=task, by=drc)
            services.report_file(
                task=task,
                by=drc,
                period_end=today,
                narrative=f"{region.name}已印发实施办法，12家试点单位全部完成改革任务，形成制度文件3项。",
                actuals={t.pk: t.target for t in task.targets.all()},
                statuses={m.pk: ("done", "") for m in task.milestones.all()},
            )
            services.summary_file(
                task=task,
                by=drc,
                achieved=f"{region.name}按实施方案完成“{task.entry.title}”各项改革任务，量化目标全部达成。",
                replicable="建立“清单管理＋试点先行＋评估推广”的工作机制，可在具备相应事权的地区复制推广。",
            )

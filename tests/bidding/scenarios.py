"""Helpers for stage 3 tests: a published list (created directly, the catalog services are not ours), bid
sets, awards, notices and plans through the bidding services."""

import datetime
from decimal import Decimal

from django.utils import timezone

from bidding import services
from catalog.enums import ListState
from catalog.models import ListEntry, Measure, MeasureList
from reform_portal.enums import OrgKind, Stage

from .. import factories as f

TITLES = [
    "赋予科研人员职务科技成果所有权或长期使用权",
    "建立科技成果转化尽职免责负面清单",
    "开展科技成果转化贷款风险补偿试点",
    "推行关键核心技术“揭榜挂帅”项目组织方式",
    "推动科研仪器设备向社会开放共享",
    "探索建立数据资产登记和交易规则",
]


def bidding_cycle(**kwargs):
    return f.CycleFactory(stage=Stage.BIDDING, **kwargs)


def publish_list(cycle, n=5, version=1, titles=TITLES):
    """A published list version of ``cycle`` with ``n`` entries (numbered like 2027-01)."""
    author = f.national_user()
    mlist = MeasureList.objects.create(
        cycle=cycle,
        version=version,
        title=f"{cycle.year}年度全面改革创新举措清单",
        state=ListState.PUBLISHED,
        published_at=timezone.now(),
        published_by=author,
    )
    entries = []
    for i in range(n):
        title = titles[i % len(titles)] + ("" if i < len(titles) else f"（{i + 1}）")
        measure = Measure.objects.create(
            cycle=cycle,
            title=title,
            area="tech_market",
            description=f"{title}的改革内容。",
            position=i + 1,
            created_by=author,
        )
        entries.append(
            ListEntry.objects.create(
                measure_list=mlist,
                measure=measure,
                number=f"{cycle.year}-{i + 1:02d}",
                position=i + 1,
                title=title,
                area="tech_market",
                description=measure.description,
                authority_level="provincial",
            )
        )
    return entries


def bid_fields(**overrides):
    fields = {
        "approach": "在杭州、宁波先行试点，形成制度后全省推开。",
        "entity_kinds": [OrgKind.UNIVERSITY, OrgKind.LOCAL_GOV],
        "entity_names": "浙江大学\n杭州市人民政府",
        "contact_name": "王建国",
        "contact_phone": "0571-87051234",
    }
    fields.update(overrides)
    return fields


def make_bid_set(cycle, user, entries):
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=user.region, by=user)
    for entry in entries:
        services.bid_save(bid_set=bid_set, entry=entry, fields=bid_fields(), by=user)
    bid_set.refresh_from_db()
    return bid_set


def signed_bid_set(cycle, drc, scitech, entries):
    bid_set = make_bid_set(cycle, drc, entries)
    services.bid_set_sign(bid_set=bid_set, by=drc)
    services.bid_set_sign(bid_set=bid_set, by=scitech)
    bid_set.refresh_from_db()
    return bid_set


def submitted_bid_set(cycle, drc, scitech, entries):
    bid_set = signed_bid_set(cycle, drc, scitech, entries)
    return services.bid_set_submit(bid_set=bid_set, by=drc)


def region_pair(code):
    return (f.regional_user(code, OrgKind.REGIONAL_DRC), f.regional_user(code, OrgKind.REGIONAL_SCITECH))


def awarded_tasks(cycle, reviewer, drc, scitech, entries):
    bid_set = submitted_bid_set(cycle, drc, scitech, entries)
    return services.tasks_award(cycle=cycle, bids=list(bid_set.bids.all()), by=reviewer)


def allocated(cycle, reviewer, drc, scitech, entries):
    """Tasks awarded and the notice numbered (no PDF rendered): tasks are in planning."""
    tasks = awarded_tasks(cycle, reviewer, drc, scitech, entries)
    services.notice_allocate(cycle=cycle, region=drc.region, by=reviewer)
    for t in tasks:
        t.refresh_from_db()
    return tasks


MILESTONE = {
    "title": "出台实施办法",
    "deliverable": "省政府办公厅印发实施办法",
    "responsible_name": "李明",
    "responsible_post": "处长",
    "responsible_phone": "0571-87050000",
    "responsible_email": "",
}


def milestone_fields(days=60, **overrides):
    fields = dict(MILESTONE, due_date=timezone.localdate() + datetime.timedelta(days=days))
    fields.update(overrides)
    return fields


def target_fields(**overrides):
    fields = {"indicator": "赋权成果数", "unit": "项", "baseline": Decimal("0"), "target": Decimal("100")}
    fields.update(overrides)
    return fields


def confirmed_plan(task, user, milestones=1):
    for i in range(milestones):
        services.milestone_add(
            task=task, fields=milestone_fields(days=30 * (i + 1), title=f"节点{i + 1}"), by=user
        )
    services.target_add(task=task, fields=target_fields(), by=user)
    return services.plan_confirm(task=task, by=user)

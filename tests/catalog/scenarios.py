"""Helpers for stage 2 tests: submitted books from several regions, merged measures, experts, liaisons."""

from catalog import services
from reform_portal.enums import OrgKind, Role

from .. import factories as f
from ..proposals import scenarios as fp

REGION_NAMES = {
    "330000": "浙江省",
    "320000": "江苏省",
    "440000": "广东省",
    "110000": "北京市",
    "310000": "上海市",
}

# (title, pain points, content): realistic, mutually unrelated proposals.
TOPICS = [
    (
        "推动科研仪器设备向社会开放共享",
        "大型科研仪器使用率低，中小企业检测需求无处满足。",
        "建设省级大型科研仪器开放共享平台，将开放共享情况纳入单位绩效评价，实行创新券补贴。",
    ),
    (
        "探索建立数据资产登记和交易规则",
        "数据权属不清、定价难，企业数据不敢交易、不会交易。",
        "建设数据资产登记平台，探索数据产权结构性分置，制定数据交易合规指引。",
    ),
    (
        "组建产业链创新联合体",
        "产业链上下游企业、高校院所各自为战，共性技术攻关力量分散。",
        "支持链主企业牵头组建创新联合体，建立知识产权共享规则，给予联合攻关专项支持。",
    ),
    (
        "加强知识产权快速协同保护",
        "专利侵权维权周期长、成本高，创新企业维权难。",
        "建设知识产权保护中心，实行专利快速预审、快速确权、快速维权一站式服务。",
    ),
    (
        "鼓励社会力量捐赠投入基础研究",
        "基础研究投入主要依靠财政，社会资金进入渠道少。",
        "设立自然科学基金联合基金，企业捐赠基础研究享受税前扣除并可冠名。",
    ),
]


def fields(title, pain, content, **extra):
    return fp.proposal_fields(1, title=title, pain_points=pain, content=content, **extra)


def submitted_region_book(cycle, code, items, *, now=None):
    """A submitted book of region ``code`` with proposals (title, pain, content); returns (book, drc, scitech)."""
    from proposals import services as ps

    drc = f.regional_user(code, OrgKind.REGIONAL_DRC)
    scitech = f.regional_user(code, OrgKind.REGIONAL_SCITECH)
    book = ps.book_get_or_create(cycle=cycle, region=drc.region, by=drc)
    book = ps.book_update_cover(
        book=book,
        contact_name="联系人",
        contact_phone="010-68501985",
        summary="改革举措建议。",
        by=drc,
        now=now,
    )
    for title, pain, content in items:
        ps.proposal_create(
            book=book, fields=fields(title, pain, content), results=fp.RESULTS, by=drc, now=now
        )
    ps.book_sign(book=book, by=drc, now=now)
    ps.book_sign(book=book, by=scitech, now=now)
    book = ps.book_submit(book=book, by=drc, now=now)
    return book, drc, scitech


ZJ_ITEMS = [
    (
        "赋予科研人员职务科技成果所有权或长期使用权",
        "高校院所职务科技成果属于国有资产，转化审批链条长，科研人员转化积极性不高。",
        "选择省内高校院所开展赋权改革，将职务科技成果所有权或长期使用权赋予成果完成人，赋权成果单列管理，"
        "不纳入国有资产保值增值考核。",
    ),
    TOPICS[0],
    TOPICS[1],
]
JS_ITEMS = [
    (
        "开展职务科技成果赋权改革试点",
        "职务科技成果作为国有资产管理，审批环节多，成果完成人转化动力不足。",
        "在高等院校和科研院所试点把职务科技成果的所有权或长期使用权赋予完成人，对赋权成果实行单列管理，"
        "不再纳入国有资产保值增值考核。",
    ),
    TOPICS[2],
    TOPICS[3],
]


def two_region_books(cycle):
    """浙江 and 江苏 books with a near-duplicate pair (赋权改革) worded differently; returns dict by region code."""
    zj = submitted_region_book(cycle, "330000", ZJ_ITEMS)
    js = submitted_region_book(cycle, "320000", JS_ITEMS)
    return {"330000": zj, "320000": js}


MEASURE = {
    "title": "赋予科研人员职务科技成果所有权或长期使用权",
    "area": "tech_market",
    "description": "在高校院所开展职务科技成果赋权改革，赋权成果单列管理。",
    "goals": "年内赋权科技成果200项。",
    "authority_level": "national",
    "coordination_departments": "财政部、教育部",
}


def measure_from(cycle, reviewer, proposals, **overrides):
    return services.measure_merge(
        cycle=cycle, proposals=proposals, fields={**MEASURE, **overrides}, by=reviewer
    )


def expert_in(code, username=None):
    org = f.OrganizationFactory(kind=OrgKind.UNIVERSITY, region=f.region(code))
    return f.UserFactory(organization=org, role=Role.EXPERT, **({"username": username} if username else {}))


def liaison_of(name, username=None):
    from reform_portal.models import Organization

    org, _ = Organization.objects.get_or_create(
        name=name, defaults={"kind": OrgKind.MINISTRY, "region": None}
    )
    return f.UserFactory(
        organization=org, role=Role.MINISTRY_LIAISON, **({"username": username} if username else {})
    )


SCORES = {"value": 5, "bold": 4, "small": 4, "easy": 3, "exemplary": 5}
COMMENTS = {"value": "含金量高", "bold": "", "small": "切口精准", "easy": "指标可考核", "exemplary": ""}


def score(review, expert, scores=None, recommendation="include"):
    return services.review_submit(
        review=review, scores=scores or SCORES, comments=COMMENTS, recommendation=recommendation, by=expert
    )


def published_list(cycle, reviewer, measures=None):
    measure_list = services.list_draft(cycle=cycle, by=reviewer)
    f.ended_proposals(cycle)
    return services.list_publish(measure_list=measure_list, by=reviewer)

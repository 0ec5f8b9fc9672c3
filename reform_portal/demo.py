"""Demo data for the kernel: the current cycle, the organizations of the 13 regions, users of every role.

Idempotent: everything is looked up by a natural key and created only when missing. Stage apps add
their own demo content in ``<app>/demo.py`` with a ``seed(cycle, stdout)`` function; the
``seed_demo`` command runs them in dependency order.
"""

import datetime
import functools

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from .enums import CycleState, OrgKind, Role, Stage
from .models import Organization, ReformCycle, Region, User
from .services import local_today

DEMO_PASSWORD = "Gaige-2027-demo"  # noqa: S105 - demo accounts only, printed by seed_demo


@functools.cache
def demo_password_hash():
    """The demo password hashed once for all demo accounts (one salt: they share the printed password anyway).
    Hashing it per user took most of seed_demo's time (each hash costs ~0.3 s by design)."""
    return make_password(DEMO_PASSWORD)


SCIENCE_DEPT = {
    "北京市": "北京市科委、中关村管委会",
    "天津市": "天津市科技局",
    "重庆市": "重庆市科技局",
    "上海市": "上海市科委",
}
PINYIN = {
    "110000": "beijing",
    "120000": "tianjin",
    "130000": "hebei",
    "210000": "liaoning",
    "310000": "shanghai",
    "320000": "jiangsu",
    "330000": "zhejiang",
    "340000": "anhui",
    "420000": "hubei",
    "440000": "guangdong",
    "500000": "chongqing",
    "510000": "sichuan",
    "610000": "shaanxi",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯"
GIVEN = [
    "建国",
    "海燕",
    "志强",
    "晓明",
    "丽华",
    "国栋",
    "文静",
    "永刚",
    "雪梅",
    "立新",
    "春燕",
    "振华",
    "思远",
]


def demo_cycle_year(today=None):
    """The cycle whose proposals are being collected: this year until April 30, then next year's."""
    today = today or datetime.date.today()
    return today.year if today <= datetime.date(today.year, 4, 30) else today.year + 1


# The demo's three overlapping years (notice 三, 按年部署、压茬推进; issue 14 §8), by their distance from the year
# collecting 建议书: two years back is being evaluated, last year's tasks are being implemented.
DEMO_YEARS = {2: Stage.EVALUATION, 1: Stage.IMPLEMENTATION, 0: Stage.PROPOSAL}
# The dates a stage starts after, and the date it ends on (ReformCycle.stage_on).
_STAGE_BOUNDS = {
    Stage.PROPOSAL: (None, "proposal_deadline"),
    Stage.IMPLEMENTATION: ("bidding_deadline", "implementation_end"),
    Stage.EVALUATION: ("implementation_end", "evaluation_due"),
}
_DATES = [
    "proposal_deadline",
    "review_deadline",
    "bidding_opens",
    "bidding_deadline",
    "implementation_end",
    "evaluation_due",
]
# the stored states in the cycle table's order, and the reviewers' action that leaves each (seed_demo walks them)
_ORDER = [
    CycleState.PROPOSAL,
    CycleState.REVIEW,
    CycleState.BIDDING,
    CycleState.IMPLEMENTATION,
    CycleState.EVALUATION,
]
PATH = {
    CycleState.PROPOSAL: "close_proposals",
    CycleState.REVIEW: "publish_list",
    CycleState.BIDDING: "confirm_bidding",
    CycleState.IMPLEMENTATION: "start_evaluation",
}


def demo_dates(year, stage, today=None):
    """The default dates of ``year`` (ReformCycle.defaults_for), moved only where needed so that the calendar puts
    ``today`` in ``stage``: the stage's starting date is put before today (earlier dates keep their order, a month
    apart) and its end at least 90 days after it (later dates follow). A demo seeded on any day of the year shows
    each year in a state its dates agree with."""
    today = today or local_today()
    values = ReformCycle.defaults_for(year)
    starts_after, ends_on = _STAGE_BOUNDS[Stage(stage)]
    month = datetime.timedelta(days=30)
    if values[ends_on] < today:
        values[ends_on] = today + 3 * month
        for name in _DATES[_DATES.index(ends_on) + 1 :]:
            values[name] = max(values[name], values[ends_on] + 3 * month)
    if starts_after and values[starts_after] >= today:
        values[starts_after] = today - datetime.timedelta(days=1)
        for earlier, later in zip(
            reversed(_DATES[: _DATES.index(starts_after)]),
            reversed(_DATES[1 : _DATES.index(starts_after) + 1]),
            strict=True,
        ):
            values[earlier] = min(values[earlier], values[later] - month)
    return values


def demo_cycle(year, stage):
    """The demo's cycle of ``year`` (created when missing, dates from :func:`demo_dates`). A past year starts in
    征集选题 and is moved on by :func:`advance` with the reviewers' own actions, so its history shows them."""
    cycle = ReformCycle.objects.filter(year=year).first()
    if cycle is None:
        cycle = ReformCycle.objects.create(year=year, state=CycleState.PROPOSAL, **demo_dates(year, stage))
    return cycle


def advance(cycle, state):
    """Moves ``cycle`` to ``state`` by the national reviewers' stage actions in the table's order (reason 演示数据);
    a cycle already there (or further on) is left as it is."""
    from .cycles import cycle_act

    reviewer = User.objects.get(username="ndrc_reviewer")
    cycle.refresh_from_db()
    target = _ORDER.index(CycleState(state))
    while cycle.state in PATH and _ORDER.index(CycleState(cycle.state)) < target:
        cycle = cycle_act(
            cycle=cycle, action=PATH[cycle.state], by=reviewer, reason="演示数据", confirmed=True
        )
    return cycle


def _org(name, kind, region=None, short=""):
    org, _ = Organization.objects.get_or_create(
        name=name, defaults={"kind": kind, "region": region, "short_name": short}
    )
    return org


def _user(username, org, role, full_name, post, created_rows):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "organization": org,
            "full_name": full_name,
            "post": post,
            "email": f"{username}@demo.reform.example.cn",
            "phone": "010-6850" + str(1000 + len(created_rows)),
        },
    )
    if created:
        user.password = demo_password_hash()
        user.save()
        user.groups.add(Group.objects.get(name=role))
    created_rows.append((username, Role(role).label, str(org), "new" if created else "exists"))
    return user


def seed_kernel(*, year=None):
    """Returns (cycle, rows) where rows describe the demo users."""
    year = year or demo_cycle_year()
    cycle, _ = ReformCycle.objects.get_or_create(year=year, defaults=demo_dates(year, Stage.PROPOSAL))
    rows = []
    ndrc = _org("国家发展改革委创新和高技术发展司", OrgKind.NATIONAL_NDRC, short="国家发展改革委高技术司")
    most = _org("科技部成果转化与区域创新司", OrgKind.NATIONAL_MOST, short="科技部成果司")
    _user("ndrc_reviewer", ndrc, Role.NATIONAL_REVIEWER, "于智锋", "处长", rows)
    _user("most_reviewer", most, Role.NATIONAL_REVIEWER, "韩可珂", "处长", rows)
    for i, region in enumerate(Region.objects.order_by("code")):
        py = PINYIN.get(region.code, region.code)
        drc = _org(f"{region.name}发展改革委", OrgKind.REGIONAL_DRC, region)
        scitech = _org(
            SCIENCE_DEPT.get(region.name, f"{region.name}科技厅"), OrgKind.REGIONAL_SCITECH, region
        )
        _user(f"{py}_fgw", drc, Role.REGIONAL_STAFF, SURNAMES[i] + GIVEN[i], "创新处干部", rows)
        _user(
            f"{py}_kjt",
            scitech,
            Role.REGIONAL_STAFF,
            SURNAMES[i + 13] + GIVEN[(i + 5) % 13],
            "改革处干部",
            rows,
        )
    bj, sh, sc, zj = (Region.objects.get(code=c) for c in ("110000", "310000", "510000", "330000"))
    _user(
        "expert_bj",
        _org("中国科学院科技战略咨询研究院", OrgKind.INSTITUTE, bj),
        Role.EXPERT,
        "钱学文",
        "研究员",
        rows,
    )
    _user("expert_sh", _org("复旦大学", OrgKind.UNIVERSITY, sh), Role.EXPERT, "孙立平", "教授", rows)
    _user("expert_sc", _org("四川大学", OrgKind.UNIVERSITY, sc), Role.EXPERT, "蒋志远", "教授", rows)
    _user(
        "liaison_miit",
        _org("工业和信息化部", OrgKind.MINISTRY),
        Role.MINISTRY_LIAISON,
        "周明",
        "调研员",
        rows,
    )
    _user("liaison_mof", _org("财政部", OrgKind.MINISTRY), Role.MINISTRY_LIAISON, "吴倩", "调研员", rows)
    _user(
        "liaison_cnipa",
        _org("国家知识产权局", OrgKind.MINISTRY),
        Role.MINISTRY_LIAISON,
        "郑凯",
        "调研员",
        rows,
    )
    _user(
        "evaluator_ciecc",
        _org("中国国际工程咨询有限公司", OrgKind.EVALUATOR, bj),
        Role.EVALUATOR,
        "冯涛",
        "项目经理",
        rows,
    )
    _user(
        "evaluator_ncste",
        _org("国家科技评估中心", OrgKind.EVALUATOR, bj),
        Role.EVALUATOR,
        "唐敏",
        "评估师",
        rows,
    )
    _user(
        "impl_zju", _org("浙江大学", OrgKind.UNIVERSITY, zj), Role.IMPLEMENTER, "林晓", "科研院副院长", rows
    )
    _user(
        "impl_hangzhou",
        _org("杭州市人民政府", OrgKind.LOCAL_GOV, zj),
        Role.IMPLEMENTER,
        "何斌",
        "副秘书长",
        rows,
    )
    _org("浙江省经济和信息化厅", OrgKind.FUNCTIONAL_DEPT, zj)
    _org("之江实验室", OrgKind.INSTITUTE, zj)
    _org("杭州海康威视数字技术股份有限公司", OrgKind.ENTERPRISE, zj)
    return cycle, rows

"""A national-scale benchmark dataset: regions, users, and N yearly cycles carried through every stage.

    manage.py generate_dataset --regions 31 --cycles 10 --scale 1.0

A tool, not domain code: it imports every app and writes rows with ``bulk_create`` so the full size loads in
a few minutes. ``bulk_create`` skips django-simple-history (no historical rows) and model ``save()`` logic;
the guardian object permissions the pages need are written in bulk as well. Meant for an empty (freshly
migrated) database; it refuses to run twice on the same one.
"""

import datetime
import math
import random
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission

from bidding import rules as bidding_rules
from bidding.enums import BidSetState, MilestoneStatus, TaskState
from bidding.models import (
    Bid,
    BidSet,
    Milestone,
    MilestoneUpdate,
    NoticeSequence,
    ProgressReport,
    Target,
    TargetActual,
    Task,
    TaskNotice,
)
from bidding.services import notice_doc_number
from catalog import rules as catalog_rules
from catalog.enums import ListState, OpinionStance, Recommendation
from catalog.models import (
    Consultation,
    DepartmentOpinion,
    ExpertReview,
    ListEntry,
    Measure,
    MeasureInclusion,
    MeasureList,
    MeasureSource,
)
from evaluation import rules as evaluation_rules
from evaluation.enums import AssessmentState, CommissionState, Grade, IncentiveKind, OutcomeState
from evaluation.models import Assessment, Commission, EvaluationScheme, Incentive, Outcome
from proposals import rules as proposal_rules
from proposals.enums import AuthorityLevel, BookState, ReformArea
from proposals.models import ExpectedResult, MeasureProposal, ProposalBook
from reform_portal.enums import OrgKind, Role
from reform_portal.models import DocNumber, DocNumberRegister, Organization, ReformCycle, Region, User
from reform_portal.regions import ALL_PROVINCES
from reform_portal.services import ORG_GROUP_PREFIX

PASSWORD = "Bench-pass-2027"  # noqa: S105 - benchmark accounts only
PROPOSALS_PER_BOOK = 5
MERGED_PER_BOOK = 4  # the 5th proposal of every book stays open on the merge page (similarity work)
SOURCES_PER_MEASURE = 2
MILESTONES_PER_TASK = 3
TARGETS_PER_TASK = 2
REPORTS_PER_TASK = 4  # quarterly
RESULTS_PER_PROPOSAL = 2
REVIEWS_PER_MEASURE = 2
N_REVIEWERS, N_EXPERTS, N_MINISTRIES, N_AGENCIES = 3, 6, 3, 3

AREA_TOPICS = {
    ReformArea.RESEARCH_SYSTEM: [
        "科研经费包干制",
        "新型研发机构",
        "省实验室体系",
        "科研人员减负",
        "基础研究多元投入",
        "人才评价",
        "项目评审专家库",
        "科研仪器开放共享",
        "薪酬总量单列管理",
    ],
    ReformArea.CORE_TECH: [
        "揭榜挂帅项目组织",
        "技术总师负责制",
        "产业创新联合体",
        "首台套保险补偿",
        "中试熟化平台",
        "关键零部件攻关",
        "企业研发准备金",
        "政府首购订购",
    ],
    ReformArea.TECH_MARKET: [
        "职务科技成果赋权",
        "技术经理人职称评审",
        "科技成果转化贷款风险补偿",
        "概念验证中心",
        "知识产权快速预审",
        "技术交易服务",
        "科技保险",
        "创新券跨区域通用",
    ],
    ReformArea.NEW_ECONOMY: [
        "数据资产登记",
        "数据交易规则",
        "监管沙盒",
        "包容审慎监管",
        "低空经济试飞审批",
        "自动驾驶道路测试",
        "生物医药研发用物品通关",
        "平台经济合规指引",
    ],
}
VERBS = ["深化", "探索", "推进", "开展", "健全", "完善", "建立", "优化", "创新", "试行"]
SUFFIXES = ["改革试点", "机制创新", "制度建设", "先行先试", "改革", "服务模式", "配套政策"]
SUBJECTS = [
    "高校",
    "科研院所",
    "新型研发机构",
    "科技型中小企业",
    "龙头企业",
    "国家双创示范基地",
    "技术转移机构",
    "孵化器",
    "金融机构",
    "知识产权保护中心",
    "数据交易所",
    "高新区",
    "自贸试验区",
    "省实验室",
]
REASONS = [
    "转化动力不足",
    "审批链条过长",
    "融资难融资贵",
    "权属不清",
    "评价导向单一",
    "准入规则缺失",
    "维权周期长成本高",
    "资源分散重复建设",
    "使用效率不高",
    "激励机制不健全",
    "担心国有资产流失",
    "企业需求进入不够",
    "人才引进困难",
    "数据不敢交易",
    "中小企业检测需求无处满足",
]
PAIN_TEMPLATES = [
    "{s}在{t}方面{r}，",
    "部分{s}反映{r}，",
    "调研发现{s}{r}、{r2}，",
    "{t}相关规定滞后，{s}{r}，",
]
PAIN_ENDINGS = [
    "制约了创新活力释放。",
    "亟需通过改革破题。",
    "影响科技成果就地转化。",
    "与高质量发展要求不相适应。",
]
CONTENT_TEMPLATES = [
    "在{city}选取{n}家{s}开展{t}试点，",
    "制定出台{t}实施办法，明确{s}的权责边界，",
    "建立由{dept}牵头、{s}参与的协同推进机制，",
    "对{s}实行清单式管理，",
    "设立{m}亿元专项资金支持{t}，",
    "探索“{t}+{s}”联动模式，",
    "建立容错免责和绩效评价制度，",
]
CONTENT_ENDINGS = [
    "形成可复制推广的制度成果。",
    "力争两年内取得突破。",
    "为全国提供经验。",
    "做到可量化、可考核。",
]
STEP_TEMPLATES = [
    "{y}年{m1}月前出台实施方案；",
    "{y}年{m2}月前完成首批试点遴选；",
    "{y}年底前形成阶段性评估报告；",
    "{y1}年{m1}月前总结经验并全面推开。",
]
CITIES = ["省会城市", "国家自主创新示范区", "高新区", "经济技术开发区", "自贸试验片区", "科学城", "创新走廊"]
DEPTS = [
    "省发展改革委",
    "省科技厅",
    "省财政厅",
    "省市场监管局",
    "省教育厅",
    "省工业和信息化厅",
    "省人力资源社会保障厅",
]
INDICATORS = [
    ("试点单位数量", "家"),
    ("成果转化合同金额", "亿元"),
    ("新增技术合同成交额", "亿元"),
    ("培育技术经理人", "人"),
    ("审批时限压缩", "%"),
    ("新增科技型企业", "家"),
    ("撬动社会资金", "亿元"),
    ("形成制度文件", "项"),
    ("开放共享仪器设备", "台（套）"),
    ("数据产品挂牌数", "个"),
]
MILESTONES = [
    "出台实施方案",
    "完成试点单位遴选",
    "建成服务平台",
    "形成阶段性成效",
    "开展中期评估",
    "总结推广经验",
]
NARRATIVES = [
    "本季度按计划推进{t}，{s}参与积极，",
    "本季度召开专题推进会{n}次，协调解决{s}反映的问题，",
    "本季度新增试点{n}个，{t}各项指标稳步提升，",
    "受{r}影响，部分节点略有滞后，已制定追赶措施，",
]
NARRATIVE_ENDINGS = [
    "下一步将加大督促力度。",
    "整体进展符合预期。",
    "将按时完成年度目标。",
    "已报请国家层面协调。",
]
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
    "子涵",
    "宇航",
    "佳怡",
    "浩然",
    "雨桐",
]
MINISTRIES = [
    "教育部科学技术与信息化司",
    "工业和信息化部科技司",
    "财政部科教和文化司",
    "人力资源社会保障部专业技术人员管理司",
    "国家市场监督管理总局",
    "国家知识产权局",
]
AGENCIES = [
    "中国科学技术发展战略研究院评估中心",
    "中国国际工程咨询有限公司",
    "国家信息中心评估所",
    "中国科学院科技战略咨询研究院",
    "清华大学技术创新研究中心",
]


def sizes(regions, cycles, scale):
    """(regions, cycles) for a scale: both shrink by √scale, so 0.1 is ≈10× fewer region-cycles."""
    factor = math.sqrt(scale)
    return (max(1, min(len(ALL_PROVINCES), round(regions * factor))), max(1, round(cycles * factor)))


def bids_for(region_index, cycle_index, entries):
    """3–6 claims per region and cycle (never more than the list has)."""
    return min(3 + (region_index + cycle_index) % 4, entries)


class Text:
    """Phrase banks combined by a seeded RNG: every text differs, the whole run is reproducible."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def pick(self, seq):
        return self.rng.choice(seq)

    def person(self):
        return self.pick(SURNAMES) + self.pick(GIVEN)

    def title(self, area):
        return f"{self.pick(VERBS)}{self.pick(AREA_TOPICS[area])}{self.pick(SUFFIXES)}"[:60]

    def pain(self, topic):
        parts = [
            self.pick(PAIN_TEMPLATES).format(
                s=self.pick(SUBJECTS), t=topic, r=self.pick(REASONS), r2=self.pick(REASONS)
            )
            for _ in range(self.rng.randint(2, 3))
        ]
        return "".join(parts) + self.pick(PAIN_ENDINGS)

    def content(self, topic, region):
        parts = [
            self.pick(CONTENT_TEMPLATES).format(
                city=f"{region}{self.pick(CITIES)}",
                n=self.rng.randint(3, 30),
                s=self.pick(SUBJECTS),
                t=topic,
                dept=self.pick(DEPTS),
                m=self.rng.randint(1, 20),
            )
            for _ in range(self.rng.randint(3, 5))
        ]
        return "".join(parts) + self.pick(CONTENT_ENDINGS)

    def steps(self, year):
        m1, m2 = sorted(self.rng.sample(range(3, 13), 2))
        return "".join(t.format(y=year, y1=year + 1, m1=m1, m2=m2) for t in STEP_TEMPLATES)

    def narrative(self, topic):
        parts = [
            self.pick(NARRATIVES).format(
                t=topic, s=self.pick(SUBJECTS), n=self.rng.randint(1, 9), r=self.pick(REASONS)
            )
            for _ in range(2)
        ]
        return "".join(parts) + self.pick(NARRATIVE_ENDINGS)


class Perms:
    """Collects guardian object permissions and writes them with one bulk_create per table."""

    def __init__(self):
        self.group_rows, self.user_rows = [], []
        self._perm_cache, self._ct_cache = {}, {}

    def _perm(self, codename, model):
        key = (codename, model)
        if key not in self._perm_cache:
            ct = ContentType.objects.get_for_model(model)
            app_label, code = codename.split(".")
            self._ct_cache[model] = ct
            self._perm_cache[key] = Permission.objects.get(content_type=ct, codename=code)
        return self._perm_cache[key], self._ct_cache[model]

    def group(self, codename, group_id, obj):
        perm, ct = self._perm(codename, type(obj))
        self.group_rows.append(
            GroupObjectPermission(permission=perm, content_type=ct, object_pk=str(obj.pk), group_id=group_id)
        )

    def user(self, codename, user_id, obj):
        perm, ct = self._perm(codename, type(obj))
        self.user_rows.append(
            UserObjectPermission(permission=perm, content_type=ct, object_pk=str(obj.pk), user_id=user_id)
        )

    def flush(self):
        GroupObjectPermission.objects.bulk_create(self.group_rows, batch_size=5000)
        UserObjectPermission.objects.bulk_create(self.user_rows, batch_size=5000)
        count = len(self.group_rows) + len(self.user_rows)
        self.group_rows, self.user_rows = [], []
        return count


class Command(BaseCommand):
    help = (
        "生成基准测试数据集：全部省级地区及其用户，N个年度的建议书、清单、揭榜任务、进展、评估与成果。"
        "用 bulk_create 批量写入：不生成 simple-history 历史记录（基准数据不需要），对象权限批量授予。"
        "--scale 0.1 时地区数和年度数各乘以 √0.1，约为十分之一规模。须在新迁移的空库上运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--regions", type=int, default=31, help="地区数（全规模，最多31）")
        parser.add_argument("--cycles", type=int, default=10, help="年度数（全规模）")
        parser.add_argument("--scale", type=float, default=1.0, help="规模系数：地区数和年度数各乘以 √scale")
        parser.add_argument("--seed", type=int, default=2027, help="随机种子（可复现）")
        parser.add_argument("--last-year", type=int, default=None, help="最后一个年度（默认今年）")

    def handle(self, *args, **opts):
        if opts["scale"] <= 0:
            raise CommandError("--scale 须大于0")
        n_regions, n_cycles = sizes(opts["regions"], opts["cycles"], opts["scale"])
        if User.objects.filter(username__startswith="bench_").exists():
            raise CommandError("本数据库已生成过基准数据集，请使用新的空数据库。")
        last_year = opts["last_year"] or datetime.date.today().year
        years = list(range(last_year - n_cycles + 1, last_year + 1))
        if ReformCycle.objects.filter(year__in=years).exists():
            raise CommandError("数据库中已有相同年度，请使用新的空数据库。")
        self.text = Text(opts["seed"])
        self.perms = Perms()
        self.counts = defaultdict(int)
        with transaction.atomic():
            self._people(n_regions)
            for index, year in enumerate(years):
                self._cycle(index, year)
                self.counts["guardian_permissions"] += self.perms.flush()
        for key in sorted(self.counts):
            self.stdout.write(f"{key}: {self.counts[key]}")
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {n_regions} 个地区 × {n_cycles} 个年度的基准数据（用户密码 {PASSWORD}）"
            )
        )

    # ---- regions, organizations, users --------------------------------------------------------

    def _people(self, n_regions):
        existing = set(Region.objects.values_list("code", flat=True))
        Region.objects.bulk_create(
            [Region(code=c, name=n, active=True) for c, n in ALL_PROVINCES if c not in existing]
        )
        chosen = [code for code, _name in ALL_PROVINCES[:n_regions]]
        Region.objects.exclude(code__in=chosen).update(active=False)
        Region.objects.filter(code__in=chosen).update(active=True)
        self.regions = list(Region.objects.filter(code__in=chosen).order_by("code"))
        self.counts["regions"] = len(self.regions)

        orgs = []
        for r in self.regions:
            orgs += [
                Organization(
                    name=f"{r.name}发展改革委（基准）",
                    short_name=f"{r.name}发展改革委",
                    kind=OrgKind.REGIONAL_DRC,
                    region=r,
                ),
                Organization(
                    name=f"{r.name}科技厅（基准）",
                    short_name=f"{r.name}科技厅",
                    kind=OrgKind.REGIONAL_SCITECH,
                    region=r,
                ),
                Organization(name=f"{r.name}产业技术研究院（基准）", kind=OrgKind.INSTITUTE, region=r),
            ]
        orgs.append(Organization(name="国家发展改革委创新和高技术发展司（基准）", kind=OrgKind.NATIONAL_NDRC))
        orgs.append(Organization(name="科技部专家库（基准）", kind=OrgKind.EXPERT_BODY))
        orgs += [Organization(name=f"{m}（基准）", kind=OrgKind.MINISTRY) for m in MINISTRIES[:N_MINISTRIES]]
        orgs += [Organization(name=f"{a}（基准）", kind=OrgKind.EVALUATOR) for a in AGENCIES[:N_AGENCIES]]
        orgs = Organization.objects.bulk_create(orgs)
        self.counts["organizations"] = len(orgs)
        groups = Group.objects.bulk_create([Group(name=f"{ORG_GROUP_PREFIX}{o.pk}") for o in orgs])
        self.org_group = {o.pk: g.pk for o, g in zip(orgs, groups, strict=True)}
        role_group = dict(Group.objects.filter(name__in=Role.values).values_list("name", "pk"))

        per_region = len(self.regions) * 3
        self.dept_orgs = {r.pk: orgs[3 * i : 3 * i + 2] for i, r in enumerate(self.regions)}
        self.impl_org = {r.pk: orgs[3 * i + 2] for i, r in enumerate(self.regions)}
        national, expert_body = orgs[per_region], orgs[per_region + 1]
        self.ministries = orgs[per_region + 2 : per_region + 2 + N_MINISTRIES]
        self.agencies = orgs[per_region + 2 + N_MINISTRIES :]

        password = make_password(PASSWORD)
        users, roles = [], []

        def add(username, org, role):
            users.append(
                User(
                    username=username,
                    password=password,
                    organization=org,
                    full_name=self.text.person(),
                    email=f"{username}@bench.reform.example.cn",
                    post="处长",
                    phone=f"010-6{len(users):07d}",
                )
            )
            roles.append(role)

        for r in self.regions:
            drc, scitech = self.dept_orgs[r.pk]
            add(f"bench_{r.code}_drc", drc, Role.REGIONAL_STAFF)
            add(f"bench_{r.code}_scitech", scitech, Role.REGIONAL_STAFF)
            add(f"bench_{r.code}_impl", self.impl_org[r.pk], Role.IMPLEMENTER)
        for i in range(N_REVIEWERS):
            add(f"bench_reviewer{i + 1}", national, Role.NATIONAL_REVIEWER)
        for i in range(N_EXPERTS):
            add(f"bench_expert{i + 1}", expert_body, Role.EXPERT)
        for i, m in enumerate(self.ministries):
            add(f"bench_liaison{i + 1}", m, Role.MINISTRY_LIAISON)
        for i, a in enumerate(self.agencies):
            add(f"bench_evaluator{i + 1}", a, Role.EVALUATOR)
        users = User.objects.bulk_create(users)
        self.counts["users"] = len(users)
        through = User.groups.through
        through.objects.bulk_create(
            [
                through(user_id=u.pk, group_id=role_group[str(role)])
                for u, role in zip(users, roles, strict=True)
            ]
            + [through(user_id=u.pk, group_id=self.org_group[u.organization_id]) for u in users]
        )
        by_name = {u.username: u for u in users}
        self.staff = {
            r.pk: (by_name[f"bench_{r.code}_drc"], by_name[f"bench_{r.code}_scitech"]) for r in self.regions
        }
        self.reviewers = [by_name[f"bench_reviewer{i + 1}"] for i in range(N_REVIEWERS)]
        self.experts = [by_name[f"bench_expert{i + 1}"] for i in range(N_EXPERTS)]
        self.liaisons = {m.pk: by_name[f"bench_liaison{i + 1}"] for i, m in enumerate(self.ministries)}
        self.evaluators = {a.pk: by_name[f"bench_evaluator{i + 1}"] for i, a in enumerate(self.agencies)}

    def _dept_groups(self, region_id):
        return [self.org_group[o.pk] for o in self.dept_orgs[region_id]]

    # ---- one cycle through every stage ---------------------------------------------------------

    def _cycle(self, index, year):
        t, rng, perms, counts = self.text, self.text.rng, self.perms, self.counts
        cycle = ReformCycle.objects.create(
            year=year, title=f"{year}年度全面创新改革", **ReformCycle.defaults_for(year)
        )
        counts["cycles"] += 1
        EvaluationScheme.objects.create(cycle=cycle)
        reviewer = self.reviewers[index % len(self.reviewers)]
        tz = timezone.get_current_timezone()

        def at(day, hour=10):
            return datetime.datetime.combine(day, datetime.time(hour, rng.randint(0, 59)), tzinfo=tz)

        # 征集选题: one submitted book per region, 5 proposals each
        books = []
        for r in self.regions:
            drc, scitech = self.staff[r.pk]
            signed = at(cycle.proposal_deadline - datetime.timedelta(days=rng.randint(2, 20)))
            books.append(
                ProposalBook(
                    cycle=cycle,
                    region=r,
                    state=BookState.SUBMITTED,
                    version=rng.randint(3, 12),
                    contact_name=drc.full_name,
                    contact_phone=drc.phone,
                    summary=f"{r.name}围绕{year}年度全面创新改革任务，"
                    + t.pain(t.pick(AREA_TOPICS[ReformArea.CORE_TECH])),
                    drc_signed_by=drc,
                    drc_signed_at=signed,
                    scitech_signed_by=scitech,
                    scitech_signed_at=signed,
                    submitted_at=signed + datetime.timedelta(hours=2),
                    submitted_by=drc,
                )
            )
        books = ProposalBook.objects.bulk_create(books)
        counts["proposal_books"] += len(books)
        proposals = []
        for book in books:
            for g in book_groups(self, book):
                perms.group(proposal_rules.VIEW, g, book)
                perms.group(proposal_rules.CHANGE, g, book)
            for pos in range(1, PROPOSALS_PER_BOOK + 1):
                area = ReformArea.values[(pos + book.region_id + index) % len(ReformArea.values)]
                topic = t.pick(AREA_TOPICS[area])
                national = rng.random() < 0.3
                proposals.append(
                    MeasureProposal(
                        book=book,
                        position=pos,
                        title=t.title(area),
                        area=area,
                        keywords=f"{topic}，{t.pick(SUBJECTS)}",
                        pain_points=t.pain(topic),
                        content=t.content(topic, book.region.name),
                        steps=t.steps(year),
                        new_entities="\n".join({t.pick(SUBJECTS) for _ in range(2)}),
                        authority_level=AuthorityLevel.NATIONAL if national else AuthorityLevel.PROVINCIAL,
                        coordination_departments=t.pick(MINISTRIES) if national else "",
                        consulted_enterprises=f"{book.region.name}{t.pick(SUBJECTS)}",
                        consulted_universities=f"{book.region.name[:2]}大学",
                        consulted_departments=t.pick(DEPTS),
                    )
                )
        proposals = MeasureProposal.objects.bulk_create(proposals)
        counts["proposals"] += len(proposals)
        results = []
        for p in proposals:
            for indicator, unit in rng.sample(INDICATORS, RESULTS_PER_PROPOSAL):
                results.append(
                    ExpectedResult(
                        proposal=p, indicator=indicator, unit=unit, target=Decimal(rng.randint(5, 500))
                    )
                )
        counts["expected_results"] += len(ExpectedResult.objects.bulk_create(results))

        # 制定清单: merge pairs of same-area proposals from different regions into measures
        merged = sorted(
            (p for p in proposals if p.position <= MERGED_PER_BOOK),
            key=lambda p: (p.area, p.book.region.code, p.position),
        )
        groups = [merged[i : i + SOURCES_PER_MEASURE] for i in range(0, len(merged), SOURCES_PER_MEASURE)]
        measures = Measure.objects.bulk_create(
            [
                Measure(
                    cycle=cycle,
                    title=group[0].title,
                    area=group[0].area,
                    description=group[0].content + group[-1].content[:200],
                    goals=t.pain(group[0].title)[:200],
                    authority_level=group[0].authority_level,
                    coordination_departments=group[0].coordination_departments,
                    position=i + 1,
                    created_by=reviewer,
                )
                for i, group in enumerate(groups)
            ]
        )
        counts["measures"] += len(measures)
        MeasureSource.objects.bulk_create(
            [
                MeasureSource(
                    measure=m, proposal=p, region=p.book.region, proposal_title=p.title, added_by=reviewer
                )
                for m, group in zip(measures, groups, strict=True)
                for p in group
            ]
        )
        counts["measure_sources"] += len(merged)
        MeasureInclusion.objects.bulk_create([MeasureInclusion(measure=m, included=True) for m in measures])
        reviews = []
        for i, m in enumerate(measures):
            for k in range(REVIEWS_PER_MEASURE):
                expert = self.experts[(i + k) % len(self.experts)]
                scores = {f"{key}_score": rng.randint(3, 5) for key, _l in ExpertReview.CRITERIA}
                reviews.append(
                    ExpertReview(
                        measure=m,
                        expert=expert,
                        assigned_by=reviewer,
                        **scores,
                        value_comment=t.pain(m.title)[:60],
                        recommendation=Recommendation.INCLUDE,
                        submitted_at=at(cycle.review_deadline - datetime.timedelta(days=20)),
                    )
                )
        reviews = ExpertReview.objects.bulk_create(reviews)
        counts["expert_reviews"] += len(reviews)
        for rv in reviews:
            perms.user(catalog_rules.VIEW_REVIEW, rv.expert_id, rv)
            perms.user(catalog_rules.CHANGE_REVIEW, rv.expert_id, rv)
            perms.user(catalog_rules.VIEW_MEASURE, rv.expert_id, rv.measure)
        published = at(cycle.review_deadline)
        mlist = MeasureList.objects.create(
            cycle=cycle,
            version=1,
            title=f"{year}年度全面创新改革举措清单",
            state=ListState.PUBLISHED,
            published_at=published,
            published_by=reviewer,
        )
        counts["measure_lists"] += 1
        source_regions = defaultdict(list)
        for m, group in zip(measures, groups, strict=True):
            source_regions[m.pk] = [p.book.region.name for p in group]
        entries = ListEntry.objects.bulk_create(
            [
                ListEntry(
                    measure_list=mlist,
                    measure=m,
                    number=f"{year}-{m.position:02d}",
                    position=m.position,
                    title=m.title,
                    area=m.area,
                    description=m.description,
                    goals=m.goals,
                    authority_level=m.authority_level,
                    coordination_departments=m.coordination_departments,
                    source_regions="、".join(source_regions[m.pk]),
                )
                for m in measures
            ]
        )
        counts["list_entries"] += len(entries)
        consultations = Consultation.objects.bulk_create(
            [
                Consultation(measure_list=mlist, ministry=ministry, sent_by=reviewer)
                for ministry in self.ministries
            ]
        )
        counts["consultations"] += len(consultations)
        opinions = []
        for c in consultations:
            perms.group(catalog_rules.VIEW_CONSULTATION, self.org_group[c.ministry_id], c)
            for m in measures:
                opinions.append(
                    DepartmentOpinion(
                        consultation=c,
                        measure=m,
                        stance=rng.choice(OpinionStance.values),
                        text=t.pain(m.title)[:80],
                        given_by=self.liaisons[c.ministry_id],
                        response="已采纳。",
                        responded_by=reviewer,
                        responded_at=published,
                    )
                )
        counts["department_opinions"] += len(DepartmentOpinion.objects.bulk_create(opinions))

        # 悬榜揭榜: bid sets, 3–6 claims per region, all awarded, with notices and plans
        bid_sets = BidSet.objects.bulk_create(
            [
                BidSet(
                    cycle=cycle,
                    region=r,
                    state=BidSetState.SUBMITTED,
                    version=2,
                    drc_signed_by=self.staff[r.pk][0],
                    drc_signed_at=at(cycle.bidding_deadline - datetime.timedelta(days=3)),
                    scitech_signed_by=self.staff[r.pk][1],
                    scitech_signed_at=at(cycle.bidding_deadline - datetime.timedelta(days=3)),
                    submitted_at=at(cycle.bidding_deadline - datetime.timedelta(days=2)),
                    submitted_by=self.staff[r.pk][0],
                )
                for r in self.regions
            ]
        )
        counts["bid_sets"] += len(bid_sets)
        bids = []
        for ri, bs in enumerate(bid_sets):
            for g in self._dept_groups(bs.region_id):
                perms.group(bidding_rules.VIEW_BIDSET, g, bs)
                perms.group(bidding_rules.CHANGE_BIDSET, g, bs)
            for entry in rng.sample(entries, bids_for(ri, index, len(entries))):
                bids.append(
                    Bid(
                        bid_set=bs,
                        entry=entry,
                        approach=t.content(entry.title, bs.region.name),
                        entity_kinds=[OrgKind.INSTITUTE, OrgKind.ENTERPRISE],
                        entity_names=f"{self.impl_org[bs.region_id].name}\n{bs.region.name}{t.pick(SUBJECTS)}",
                        contact_name=self.staff[bs.region_id][0].full_name,
                        contact_phone=self.staff[bs.region_id][0].phone,
                    )
                )
        bids = Bid.objects.bulk_create(bids)
        counts["bids"] += len(bids)
        tasks = Task.objects.bulk_create(
            [
                Task(
                    cycle=cycle,
                    region=b.bid_set.region,
                    entry=b.entry,
                    bid=b,
                    state=TaskState.EVALUATED,
                    plan_confirmed_at=at(cycle.bidding_deadline + datetime.timedelta(days=40)),
                    summary_achieved=t.narrative(b.entry.title),
                    summary_replicable=t.content(b.entry.title, "各地"),
                    summary_filed_at=at(cycle.implementation_end),
                    awarded_by=reviewer,
                )
                for b in bids
            ]
        )
        counts["tasks"] += len(tasks)
        Task.entities.through.objects.bulk_create(
            [
                Task.entities.through(task_id=task.pk, organization_id=self.impl_org[task.region_id].pk)
                for task in tasks
            ]
        )
        for task in tasks:
            for g in self._dept_groups(task.region_id):
                perms.group(bidding_rules.VIEW_TASK, g, task)
                perms.group(bidding_rules.CHANGE_TASK, g, task)
            perms.group(bidding_rules.VIEW_TASK, self.org_group[self.impl_org[task.region_id].pk], task)
        issued_on = cycle.bidding_deadline + datetime.timedelta(days=10)
        notices = TaskNotice.objects.bulk_create(
            [
                TaskNotice(
                    cycle=cycle,
                    region=r,
                    year=issued_on.year,
                    sequence=i + 1,
                    doc_number=notice_doc_number(issued_on.year, i + 1),
                    issued_on=issued_on,
                    issued_by=reviewer,
                )
                for i, r in enumerate(self.regions)
            ]
        )
        NoticeSequence.objects.update_or_create(year=issued_on.year, defaults={"last": len(notices)})
        # The numbers are taken in the 发文字号 register too, so the portal's next letter does not reuse them.
        register, _ = DocNumberRegister.objects.update_or_create(
            year=issued_on.year,
            prefix=settings.PORTAL_NOTICE_NUMBER_PREFIX,
            defaults={"next_number": len(notices) + 1},
        )
        numbers = DocNumber.objects.bulk_create(
            [
                DocNumber(register=register, number=n.sequence, text=n.doc_number, kind="揭榜任务通知书")
                for n in notices
            ]
        )
        for n, number in zip(notices, numbers, strict=True):
            n.number = number
        TaskNotice.objects.bulk_update(notices, ["number"])
        counts["task_notices"] += len(notices)
        for n in notices:
            for g in self._dept_groups(n.region_id):
                perms.group(bidding_rules.VIEW_NOTICE, g, n)

        milestones, targets = [], []
        start = cycle.bidding_deadline
        for task in tasks:
            person = t.person()
            for k, title in enumerate(rng.sample(MILESTONES, MILESTONES_PER_TASK)):
                milestones.append(
                    Milestone(
                        task=task,
                        title=title,
                        due_date=start + datetime.timedelta(days=90 * (k + 1)),
                        deliverable=f"{task.entry.title}{title}成果",
                        responsible_name=person,
                        responsible_post="处长",
                        responsible_phone=f"0571-8{rng.randint(1000000, 9999999)}",
                        status=MilestoneStatus.DONE,
                    )
                )
            for indicator, unit in rng.sample(INDICATORS, TARGETS_PER_TASK):
                base = Decimal(rng.randint(0, 100))
                goal = base + rng.randint(10, 200)
                targets.append(
                    Target(
                        task=task,
                        indicator=indicator,
                        unit=unit,
                        baseline=base,
                        target=goal,
                        latest_actual=base + (goal - base) * Decimal(rng.randint(50, 120)) / 100,
                    )
                )
        milestones = Milestone.objects.bulk_create(milestones)
        targets = Target.objects.bulk_create(targets)
        counts["milestones"] += len(milestones)
        counts["targets"] += len(targets)
        by_task_m, by_task_t = defaultdict(list), defaultdict(list)
        for m in milestones:
            by_task_m[m.task_id].append(m)
        for tg in targets:
            by_task_t[tg.task_id].append(tg)
        reports = []
        for task in tasks:
            for q in range(REPORTS_PER_TASK):
                reports.append(
                    ProgressReport(
                        task=task,
                        period_end=quarter_end(start, q + 1),
                        narrative=t.narrative(task.entry.title),
                        submitted_by=self.staff[task.region_id][q % 2],
                    )
                )
        reports = ProgressReport.objects.bulk_create(reports)
        counts["progress_reports"] += len(reports)
        actuals, updates = [], []
        for rep in reports:
            for tg in by_task_t[rep.task_id]:
                actuals.append(TargetActual(report=rep, target=tg, value=tg.baseline + rng.randint(0, 100)))
            for m in by_task_m[rep.task_id]:
                updates.append(
                    MilestoneUpdate(
                        report=rep,
                        milestone=m,
                        status=rng.choice(MilestoneStatus.values),
                        note=t.pick(NARRATIVE_ENDINGS),
                    )
                )
        counts["target_actuals"] += len(TargetActual.objects.bulk_create(actuals, batch_size=5000))
        counts["milestone_updates"] += len(MilestoneUpdate.objects.bulk_create(updates, batch_size=5000))

        # 评估激励: one commission per agency, an assessment per task, outcomes from the recommended ones
        commissions = Commission.objects.bulk_create(
            [
                Commission(
                    cycle=cycle,
                    agency=a,
                    due_date=cycle.evaluation_due,
                    state=CommissionState.COMPLETED,
                    terms=f"对{year}年度揭榜任务开展第三方评估，重点评估目标完成度、改革突破性、可复制推广性和相关方满意度。",
                    created_by=reviewer,
                )
                for a in self.agencies
            ]
        )
        counts["commissions"] += len(commissions)
        for c in commissions:
            perms.group(evaluation_rules.VIEW_COMMISSION, self.org_group[c.agency_id], c)
        scheme = EvaluationScheme(cycle=cycle)
        weights = scheme.weights()
        assessments, links = [], []
        for i, task in enumerate(tasks):
            commission = commissions[i % len(commissions)]
            links.append(Commission.tasks.through(commission_id=commission.pk, task_id=task.pk))
            scores = {k: Decimal(rng.randint(55, 100)) for k in weights}
            weighted = (sum(scores[k] * weights[k] for k in weights) / 100).quantize(Decimal("0.01"))
            grade = (
                Grade.EXCELLENT
                if weighted >= scheme.cut_excellent
                else Grade.GOOD
                if weighted >= scheme.cut_good
                else Grade.PASS
                if weighted >= scheme.cut_pass
                else Grade.FAIL
            )
            assessments.append(
                Assessment(
                    commission=commission,
                    task=task,
                    state=AssessmentState.SUBMITTED,
                    computed_attainment=scores["attainment"],
                    **{f"score_{k}": v for k, v in scores.items()},
                    weighted_score=weighted,
                    grade=grade,
                    conclusion=t.narrative(task.entry.title),
                    recommend_promotion=weighted >= 85,
                    submitted_at=at(cycle.evaluation_due - datetime.timedelta(days=5)),
                    submitted_by=self.evaluators[commission.agency_id],
                )
            )
        Commission.tasks.through.objects.bulk_create(links)
        assessments = Assessment.objects.bulk_create(assessments)
        counts["assessments"] += len(assessments)
        outcomes = Outcome.objects.bulk_create(
            [
                Outcome(
                    cycle=cycle,
                    task=a.task,
                    region=a.task.region,
                    area=a.task.entry.area,
                    title=f"{a.task.region.name}{a.task.entry.title}经验"[:100],
                    summary=a.task.summary_achieved,
                    problem_solved=t.pain(a.task.entry.title),
                    how_to_replicate=t.content(a.task.entry.title, "各地"),
                    applicable_scope=f"适用于{t.pick(CITIES)}和{t.pick(SUBJECTS)}",
                    state=OutcomeState.PUBLISHED,
                    published_at=at(cycle.evaluation_due),
                    published_by=reviewer,
                    created_by=reviewer,
                )
                for a in assessments
                if a.recommend_promotion
            ]
        )
        counts["outcomes"] += len(outcomes)
        incentives = Incentive.objects.bulk_create(
            [
                Incentive(
                    cycle=cycle,
                    kind=IncentiveKind.COMMENDATION,
                    region=self.regions[index % len(self.regions)],
                    reason=f"{year}年度揭榜任务完成情况突出，予以通报表扬。",
                    granted_by=reviewer,
                ),
                Incentive(
                    cycle=cycle,
                    kind=IncentiveKind.PRIORITY_SUPPORT,
                    organization=self.impl_org[tasks[0].region_id],
                    reason="评估等次优秀，优先支持承担创新创业创造等重大项目。",
                    granted_by=reviewer,
                ),
            ]
        )
        counts["incentives"] += len(incentives)


def book_groups(command, book):
    return command._dept_groups(book.region_id)


def quarter_end(start, n):
    """The last day of the n-th quarter after ``start``."""
    month = ((start.month - 1) // 3 + n) * 3 + 3
    year = start.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    first_next = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return first_next - datetime.timedelta(days=1)

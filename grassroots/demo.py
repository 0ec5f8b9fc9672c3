"""Demo 基层征集 (issue 20 §7): 四川's closed 征集 with 20 suggestions from 8 units (some adopted into its 建议书, some
merged, some declined with reasons) and 浙江's open one (浙江大学 invited). Made through the services; safe to run
twice (a region that has its 征集 is left alone)."""

import datetime

from django.contrib.auth.models import Group

from reform_portal.demo import demo_password_hash
from reform_portal.enums import OrgKind, OrgLevel, Role, Stage
from reform_portal.models import Organization, Region, User
from reform_portal.services import deadline_for, local_today, sync_organization_group

from . import services
from .models import Collection

UNITS = [  # name, kind, level, username, contact
    ("四川大学", OrgKind.UNIVERSITY, OrgLevel.OTHER, "sc_scu", "周明远"),
    ("电子科技大学", OrgKind.UNIVERSITY, OrgLevel.OTHER, "sc_uestc", "何静"),
    ("中国科学院成都分院", OrgKind.INSTITUTE, OrgLevel.OTHER, "sc_cas", "罗建华"),
    ("成都高新区国家双创示范基地", OrgKind.INNOVATION_BASE, OrgLevel.PILOT, "sc_base", "邓雪"),
    ("四川某新能源创新企业", OrgKind.INNOVATIVE_ENTERPRISE, OrgLevel.OTHER, "sc_energy", "唐勇"),
    ("成都某生物医药公司", OrgKind.ENTERPRISE, OrgLevel.OTHER, "sc_bio", "冯丽"),
    ("四川省经济和信息化厅", OrgKind.FUNCTIONAL_DEPT, OrgLevel.PROVINCIAL, "sc_jxt", "杨帆"),
    ("绵阳市人民政府", OrgKind.LOCAL_GOV, OrgLevel.KEY_CITY, "sc_mianyang", "曾伟"),
]

# (unit index, title, pain point, measure)
SUGGESTIONS = [
    (
        0,
        "开展职务科技成果单列管理试点",
        "职务科技成果按国有资产管理，转化审批环节多、周期长。",
        "将职务科技成果从国有资产中单列管理，简化作价入股审批。",
    ),
    (
        1,
        "推行职务科技成果单列管理改革",
        "科技成果作价入股须层层审批，科研人员转化积极性不高。",
        "对职务科技成果实行单列管理，不纳入国有资产保值增值考核。",
    ),
    (
        2,
        "职务科技成果单列管理试点",
        "院所成果转化受国有资产管理规定约束，审批周期长。",
        "在院所开展职务科技成果单列管理试点，简化审批流程。",
    ),
    (
        3,
        "建设中试熟化公共服务平台",
        "中小企业缺少中试验证条件，成果从样品到产品难。",
        "依托双创示范基地建设共享中试平台，财政给予运营补贴。",
    ),
    (
        4,
        "建设共享中试熟化平台",
        "新能源企业中试线投入大，单个企业难以承担。",
        "建设区域共享中试熟化平台，向中小企业开放。",
    ),
    (
        5,
        "创新医疗器械优先审评",
        "创新医疗器械审评周期长，影响产品上市。",
        "设立省级创新医疗器械优先审评通道。",
    ),
    (
        6,
        "首台套保险补偿扩围",
        "首台（套）装备推广应用难，用户不敢用。",
        "扩大首台（套）保险补偿范围，覆盖软件和关键零部件。",
    ),
    (
        7,
        "科技型企业知识产权质押融资风险补偿",
        "科技型中小企业轻资产，融资难、融资贵。",
        "设立知识产权质押融资风险补偿资金池。",
    ),
    (
        0,
        "高校教师离岗创业保留人事关系",
        "教师离岗创业顾虑多，编制和职称评定受影响。",
        "离岗创业期间保留人事关系，创业业绩作为职称评审依据。",
    ),
    (
        1,
        "科研经费包干制试点扩围",
        "科研经费预算调剂繁琐，科研人员报销负担重。",
        "在更多基础研究项目中推行经费包干制。",
    ),
    (
        2,
        "大型科研仪器开放共享考核",
        "大型科研仪器利用率低，开放共享积极性不足。",
        "将仪器开放共享纳入单位绩效考核，给予共享补贴。",
    ),
    (
        3,
        "双创示范基地企业人才认定绿色通道",
        "基地内企业高层次人才认定门槛高、周期长。",
        "授权双创示范基地自主认定高层次人才。",
    ),
    (0, "技术经理人职称评审", "技术转移人才缺乏职业发展通道。", "设立技术经纪专业职称评审。"),
    (
        1,
        "设立技术经纪专业职称",
        "技术经理人队伍不稳定，缺乏职称通道。",
        "在工程技术系列设立技术经纪专业，开展职称评审。",
    ),
    (
        2,
        "科研院所薪酬总量动态调整",
        "院所绩效工资总量受限，难以激励科研人员。",
        "建立与成果转化收益挂钩的绩效工资总量动态调整机制。",
    ),
    (3, "孵化器用地弹性供应", "孵化器和加速器用地成本高。", "对科技企业孵化器用地实行弹性年期供应。"),
    (
        4,
        "新能源汽车换电模式地方标准",
        "换电站建设缺少统一标准，跨品牌兼容难。",
        "制定换电站建设和电池包互换地方标准。",
    ),
    (5, "生物医药研发用物品通关便利", "研发用生物材料进口通关慢、手续多。", "建立研发用物品进口白名单制度。"),
    (
        6,
        "工业软件首版次应用奖励",
        "国产工业软件推广难，用户替换意愿低。",
        "对首版次工业软件的首批用户给予奖励。",
    ),
    (
        7,
        "城市场景开放清单",
        "新技术缺乏应用场景，验证难。",
        "定期发布城市应用场景开放清单，支持新技术示范应用。",
    ),
]
DECLINED = {
    8: "涉及事业单位人事管理的国家统一规定，已纳入省级人才政策研究，暂不作为本年度改革举措。",
    14: "绩效工资总量调整需人社、财政部门统筹研究，本年度暂不纳入。",
    15: "用地政策已有省级文件规定，建议按现行政策执行。",
    16: "属于行业标准制定事项，建议通过标准化渠道提出。",
}


def _unit_user(region, name, kind, level, username, contact):
    org, _ = Organization.objects.get_or_create(
        region=region, name=name, defaults={"kind": kind, "level": level}
    )
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "organization": org,
            "full_name": contact,
            "email": f"{username}@demo.reform.example.cn",
            "phone": "028-8660" + str(1000 + org.pk % 9000),
        },
    )
    if created:
        user.password = demo_password_hash()
        user.save()
        user.groups.add(Group.objects.get(name=Role.IMPLEMENTER))
        sync_organization_group(user)
    return user


def _staff(region, kind):
    return (
        User.objects.filter(
            organization__region=region, organization__kind=kind, groups__name=Role.REGIONAL_STAFF
        )
        .order_by("pk")
        .first()
    )


def _closes_on(cycle, region, days_before):
    last = (deadline_for(cycle, region, Stage.PROPOSAL) - datetime.timedelta(seconds=1)).date()
    day = last - datetime.timedelta(days=days_before)
    today = local_today()
    return (
        day
        if day > today
        else (today + datetime.timedelta(days=1) if last > today + datetime.timedelta(days=1) else None)
    )


def seed(*, cycle, stdout):
    closed = _closed(cycle)
    opened = _open(cycle)
    stdout.write(f"基层征集：{Collection.objects.filter(cycle=cycle).count()} 个（{closed}；{opened}）")


def _closed(cycle):
    region = Region.objects.filter(code="510000").first()
    drc, scitech = _staff(region, OrgKind.REGIONAL_DRC), _staff(region, OrgKind.REGIONAL_SCITECH)
    if region is None or drc is None or scitech is None:
        return "四川：无演示用户"
    if Collection.objects.filter(cycle=cycle, region=region).exists():
        return "四川：已存在"
    closes_on = _closes_on(cycle, region, 30)
    if closes_on is None:
        return "四川：建议书已截止，未生成"
    users = [_unit_user(region, *unit) for unit in UNITS]
    collection = services.collection_open(
        cycle=cycle,
        region=region,
        fields={
            "title": f"{region.name}{cycle.year}年度全面创新改革举措建议征集",
            "description": "面向全省国家双创示范基地、创新型企业、高等院校、科研院所、重点城市和试点单位，征集全面创新改革举措建议。",
            "pain_points_sought": "科技成果转化、科研经费管理、人才评价、中试验证、应用场景开放",
            "closes_on": closes_on,
            "public_form": True,
        },
        invited=[u.organization for u in users],
        by=drc,
    )
    made = []
    for unit, title, pain, measure in SUGGESTIONS:
        user = users[unit]
        made.append(
            services.suggestion_submit(
                collection=collection,
                fields={
                    "title": title,
                    "pain_points": pain,
                    "measure": measure,
                    "effect": "形成可复制推广的制度成果。",
                    "contact_name": user.full_name,
                    "contact_phone": user.phone,
                },
                by=user,
            )
        )
    for s, (score, opinion) in zip(made, [(90, "针对性强"), (85, "可合并"), (80, "")] * 7, strict=False):
        services.suggestion_review(suggestion=s, score=score, opinion=opinion, tags="成果转化", by=drc)
    # 单列管理 (three units) and 中试平台 (two units) become two proposals; 技术经纪职称 is merged.
    services.suggestions_to_proposal(collection=collection, suggestions=[made[0], made[1]], by=scitech)
    services.suggestion_reply(
        suggestion=made[2], action="merge", merged_into=made[0], reason="与四川大学的建议合并采纳。", by=drc
    )
    services.suggestions_to_proposal(collection=collection, suggestions=[made[3], made[4]], by=drc)
    services.suggestion_reply(
        suggestion=made[13],
        action="merge",
        merged_into=made[12],
        reason="与四川大学的同类建议合并研究。",
        by=scitech,
    )
    for index, reason in DECLINED.items():
        services.suggestion_reply(suggestion=made[index], action="decline", reason=reason, by=drc)
    services.collection_close(collection=collection, by=drc)
    return "四川：已截止，20 条建议"


def _open(cycle):
    region = Region.objects.filter(code="330000").first()
    drc = _staff(region, OrgKind.REGIONAL_DRC)
    if region is None or drc is None:
        return "浙江：无演示用户"
    if Collection.objects.filter(cycle=cycle, region=region).exists():
        return "浙江：已存在"
    closes_on = _closes_on(cycle, region, 10)
    if closes_on is None:
        return "浙江：建议书已截止，未生成"
    invited = list(
        Organization.objects.filter(region=region, kind__in=OrgKind.implementing()).order_by("pk")[:6]
    )
    collection = services.collection_open(
        cycle=cycle,
        region=region,
        fields={
            "title": f"{region.name}{cycle.year}年度基层改革建议征集",
            "description": "请各单位结合创新实践中遇到的痛点堵点，提出可操作、可考核的改革举措建议。",
            "pain_points_sought": "数据要素流通、概念验证、科技金融",
            "closes_on": closes_on,
            "public_form": True,
        },
        invited=invited,
        by=drc,
    )
    return f"浙江：征集中（{collection.invited.count()} 家受邀单位）"

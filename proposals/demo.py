"""Demo 建议书 for the seed: several regions in different states with realistic content."""

from reform_portal.enums import OrgKind, Role
from reform_portal.models import Organization, User

from . import services
from .models import ProposalBook

# (title, area, pain points, content, steps, results, consulted, authority, coordination)
CATALOGUE = [
    (
        "赋予科研人员职务科技成果所有权或长期使用权",
        "tech_market",
        "高校院所职务科技成果属于国有资产，转化审批链条长，科研人员转化积极性不高。",
        "选择省内10家高校院所开展赋权改革，将职务科技成果所有权或不少于10年的长期使用权赋予完成人，"
        "单列管理赋权成果，不纳入国有资产保值增值考核。",
        "2027年6月前出台赋权改革实施方案；2027年9月前确定首批试点单位；2027年12月前完成首批成果赋权。",
        [("赋权科技成果", "项", 200), ("转化合同金额", "亿元", 5)],
        "高等院校",
        "provincial",
        "",
    ),
    (
        "建立科技成果转化尽职免责负面清单",
        "tech_market",
        "成果转化定价和交易环节担心国有资产流失，单位负责人“不敢转、不愿转”。",
        "制定科技成果转化尽职免责负面清单，明确“三个区分开来”的具体情形，对履行勤勉尽责义务但因技术路线选择"
        "失误等造成损失的，不作负面评价。",
        "2027年5月起草清单；2027年8月征求纪检监察、审计、财政意见；2027年10月印发实施。",
        [("适用尽职免责的转化项目", "项", 50)],
        "科研院所",
        "provincial",
        "",
    ),
    (
        "开展科技成果转化贷款风险补偿试点",
        "tech_market",
        "科技型中小企业缺少抵押物，银行对成果转化项目放贷意愿低。",
        "设立省级科技成果转化贷款风险补偿资金池，对合作银行发放的成果转化贷款损失给予最高50%的补偿。",
        "2027年7月前设立资金池；2027年年内遴选合作银行不少于5家；2028年6月前累计放贷。",
        [("成果转化贷款余额", "亿元", 30), ("受益企业", "家", 300)],
        "创新型企业",
        "national",
        "中国人民银行、国家金融监督管理总局",
    ),
    (
        "推行关键核心技术“揭榜挂帅”项目组织方式",
        "core_tech",
        "重大科技项目指南由部门编制，企业真实需求进入不够，成果与产业需求脱节。",
        "由龙头企业出题、政府立题、全社会揭榜，项目经费按里程碑拨付，实行技术总师负责制。",
        "2027年6月前发布首批榜单；2027年9月前完成揭榜评审；2028年底前完成里程碑考核。",
        [("发布榜单项目", "项", 30), ("企业出资比例", "%", 50)],
        "创新型企业",
        "provincial",
        "",
    ),
    (
        "组建产业链创新联合体",
        "core_tech",
        "产业链上下游企业、高校院所各自为战，共性技术攻关力量分散。",
        "支持链主企业牵头组建创新联合体，给予联合体成员研发费用加计扣除之外的专项支持，建立知识产权共享规则。",
        "2027年8月前出台创新联合体认定办法；2027年12月前认定首批联合体。",
        [("认定创新联合体", "个", 15)],
        "国家双创示范基地",
        "provincial",
        "",
    ),
    (
        "推动科研仪器设备向社会开放共享",
        "research_system",
        "财政资金购置的大型科研仪器使用率低，中小企业检测需求无处满足。",
        "建设省级大型科研仪器开放共享平台，将开放共享情况纳入单位绩效评价，实行创新券补贴。",
        "2027年6月前完成平台升级；2027年12月前入网仪器不少于5000台（套）。",
        [("入网仪器", "台（套）", 5000), ("服务企业", "家次", 20000)],
        "科研院所",
        "provincial",
        "",
    ),
    (
        "赋予新型研发机构更大人事自主权",
        "research_system",
        "新型研发机构受编制、岗位和薪酬总量限制，引进高层次人才困难。",
        "对符合条件的新型研发机构实行编制备案制、岗位自主设置、薪酬总量单列管理。",
        "2027年7月前出台支持办法；2027年年内完成首批机构认定。",
        [("认定新型研发机构", "家", 20)],
        "科研院所",
        "national",
        "人力资源社会保障部、中央编办",
    ),
    (
        "探索建立数据资产登记和交易规则",
        "new_economy",
        "数据权属不清、定价难，企业数据“不敢交易、不会交易”。",
        "建设数据资产登记平台，探索数据产权结构性分置，制定数据交易合规指引。",
        "2027年9月前上线登记平台；2028年3月前发布交易合规指引。",
        [("登记数据产品", "个", 500), ("数据交易额", "亿元", 10)],
        "创新型企业",
        "national",
        "国家数据局",
    ),
    (
        "对新产品新业态实行包容审慎监管",
        "new_economy",
        "无人驾驶、低空经济等新业态缺乏准入规则，企业测试应用受限。",
        "设立新业态“监管沙盒”，对首次轻微违法行为依法不予处罚，建立触发式监管机制。",
        "2027年6月前发布沙盒管理办法；2027年年内入盒企业不少于30家。",
        [("入盒企业", "家", 30)],
        "国家双创示范基地",
        "provincial",
        "",
    ),
    (
        "建设专业化市场化技术转移机构",
        "tech_market",
        "高校技术转移机构行政化，缺少懂技术、懂市场的技术经理人。",
        "支持高校设立独立运营的技术转移公司，建立技术经理人职称评审通道，按转化收益给予奖励。",
        "2027年6月前开通技术经理人职称评审；2027年年内培养技术经理人500名。",
        [("技术经理人", "名", 500), ("技术合同成交额", "亿元", 100)],
        "高等院校",
        "provincial",
        "",
    ),
    (
        "鼓励社会力量捐赠投入基础研究",
        "research_system",
        "基础研究投入主要依靠财政，社会资金进入渠道少、激励弱。",
        "设立省自然科学基金联合基金，企业捐赠基础研究享受税前扣除，对捐赠企业给予冠名。",
        "2027年8月前设立联合基金；2027年年内吸引社会捐赠。",
        [("社会捐赠资金", "亿元", 2)],
        "创新型企业",
        "national",
        "财政部、税务总局",
    ),
    (
        "加强知识产权快速协同保护",
        "new_economy",
        "专利侵权维权周期长、成本高，创新企业维权难。",
        "建设知识产权保护中心，实行专利快速预审、快速确权、快速维权“一站式”服务。",
        "2027年6月前建成保护中心；2027年12月前开通快速预审通道。",
        [("快速预审专利", "件", 3000), ("维权周期压缩", "%", 50)],
        "创新型企业",
        "national",
        "国家知识产权局",
    ),
]

# region code -> (number of proposals, target state, offset into the catalogue)
PLAN = {
    "330000": (3, "drc_signed", 0),
    "320000": (4, "submitted", 3),
    "440000": (5, "submitted", 7),
    "310000": (3, "returned", 1),
    "110000": (3, "signed", 5),
    "510000": (2, "draft", 8),
    "420000": (3, "signed", 9),
}


def _staff(region, kind):
    return (
        User.objects.filter(
            organization__region=region, organization__kind=kind, groups__name=Role.REGIONAL_STAFF
        )
        .order_by("pk")
        .first()
    )


# 省级简称 by the first two digits of the GB/T 2260 code: the demo's own 发文字号 (e.g. 浙发改高技〔2027〕41号)
SHORT = dict(
    zip(
        "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split(),
        "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新",
        strict=True,
    )
)
SIGNERS = ["王建华", "李明远", "张卫东", "刘振国", "陈志强", "杨晓峰", "赵国栋", "黄立新", "周海涛", "吴振宇"]


def cover_of_record(region, year, n):
    """What a region types on its cover before both departments confirm (issue 15 §5): its own 发文字号 from its
    registry and the two departments' 签发人."""
    i = int(region.code[:2])
    return {
        "doc_number": f"{SHORT.get(region.code[:2], '')}发改高技〔{year}〕{n}号",
        "drc_signer": SIGNERS[i % len(SIGNERS)],
        "scitech_signer": SIGNERS[(i + 3) % len(SIGNERS)],
    }


def seed(*, cycle, stdout):
    reviewer = User.objects.filter(groups__name=Role.NATIONAL_REVIEWER).order_by("pk").first()
    for code, (n, target, offset) in PLAN.items():
        drc = _staff_by_code(code, OrgKind.REGIONAL_DRC)
        scitech = _staff_by_code(code, OrgKind.REGIONAL_SCITECH)
        if (
            drc is None
            or scitech is None
            or ProposalBook.objects.filter(cycle=cycle, region=drc.region).exists()
        ):
            continue
        book = services.book_get_or_create(cycle=cycle, region=drc.region, by=drc)
        book = services.book_update_cover(
            book=book,
            contact_name=drc.full_name,
            contact_phone=drc.phone or "010-68501985",
            by=drc,
            summary=f"{drc.region.name}围绕创新驱动发展战略，聚焦创新主体反映强烈的痛点堵点，提出以下改革举措建议。",
        )
        entities = list(Organization.objects.filter(region=drc.region, kind__in=OrgKind.implementing())[:2])
        for i in range(n):
            title, area, pain, content, steps, results, consulted, level, coord = CATALOGUE[
                (offset + i) % len(CATALOGUE)
            ]
            fields = {
                "title": title,
                "area": area,
                "keywords": "改革, 创新",
                "pain_points": pain,
                "content": content,
                "steps": steps,
                "authority_level": level,
                "coordination_departments": coord,
                "new_entities": "" if entities else f"{drc.region.name}科学技术厅相关处室",
                "consulted_bases": f"{drc.region.name}双创示范基地"
                if consulted == "国家双创示范基地"
                else "",
                "consulted_enterprises": "省内创新型领军企业" if consulted == "创新型企业" else "",
                "consulted_universities": "省内重点高校" if consulted == "高等院校" else "",
                "consulted_institutes": "省属科研院所" if consulted == "科研院所" else "",
                "consulted_departments": "省财政厅、省人力资源社会保障厅、省市场监管局",
            }
            if target == "draft" and i == 1:
                fields["content"] = ""
            services.proposal_create(
                book=book,
                fields=fields,
                entities=entities,
                by=drc,
                results=[{"indicator": ind, "unit": unit, "target": value} for ind, unit, value in results],
            )
        if target in ("drc_signed", "signed", "submitted", "returned"):
            book = services.book_update_cover(
                book=book,
                contact_name=book.contact_name,
                contact_phone=book.contact_phone,
                summary=book.summary,
                by=drc,
                **cover_of_record(drc.region, cycle.year, 30 + int(code[:2])),
            )
            services.book_sign(book=book, by=drc)
        if target in ("signed", "submitted", "returned"):
            services.book_sign(book=book, by=scitech)
        if target in ("submitted", "returned"):
            services.book_submit(book=book, by=drc)
        if target == "returned" and reviewer:
            services.book_return(
                book=book, by=reviewer, reason="举措2的预期成效不够量化，请补充可考核的指标后重新报送。"
            )
    stdout.write(f"建议书：{ProposalBook.objects.filter(cycle=cycle).count()} 个地区已开始填报")


def _staff_by_code(code, kind):
    from reform_portal.models import Region

    region = Region.objects.filter(code=code).first()
    return _staff(region, kind) if region else None

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from reform_portal.pdf import format_doc_number, render_pdf

SAMPLE_TITLE = "国家发展改革委 科技部关于浙江省揭榜承担2027年度全面创新改革任务的通知"

SAMPLE_SECTIONS = [
    (
        0,
        "根据《国家发展改革委 科技部关于深入推进全面创新改革工作的通知》（发改高技〔2021〕484号）"
        "有关部署，经组织专家评审、征求有关部门意见，现将你省揭榜承担的全面创新改革任务通知如下。",
    ),
    (1, "一、揭榜任务"),
    (
        0,
        "你省揭榜承担2027年度全面创新改革举措清单中的“科技成果赋权改革与转化收益分配机制创新”"
        "“企业牵头组建创新联合体的组织机制改革”“科技金融支持初创期科技型企业的风险分担机制”三项任务。"
        "各项任务的改革目标、实施路径和考核指标以你省报送并经评审确认的实施方案为准。",
    ),
    (1, "二、工作要求"),
    (2, "（一）加强组织领导。"),
    (
        0,
        "你省发展改革委、科技厅要会同有关部门建立工作协调机制，明确责任单位和责任人，"
        "将揭榜任务纳入本地区改革工作重点，统筹推进政策制定、资源配置和督促落实。",
    ),
    (2, "（二）细化实施方案。"),
    (
        0,
        "请于收到本通知之日起一个月内，对照揭榜任务细化实施方案，明确时间表、路线图和可量化的阶段目标，"
        "经省级发展改革部门和科技部门共同审核后报送国家发展改革委、科技部备案。",
    ),
    (2, "（三）大胆探索创新。"),
    (
        0,
        "坚持问题导向，聚焦制约创新发展的痛点堵点，在事权范围内大胆闯、自主改，"
        "小切口、大作为；需国家层面协调解决的事项，请及时提出具体建议。",
    ),
    (2, "（四）及时报送进展。"),
    (
        0,
        "请于每年6月底和12月底前通过全面创新改革平台报送任务进展情况，"
        "重大进展和突出问题随时报告。任务完成后形成总结报告，提炼可复制推广的改革经验。",
    ),
    (1, "三、评估激励"),
    (
        0,
        "国家发展改革委、科技部将委托第三方机构对揭榜任务实施情况开展评估，"
        "对成效显著的改革举措加大复制推广力度，对工作突出的地区在相关重大项目布局、"
        "创新平台建设等方面予以优先支持。",
    ),
]


class Command(BaseCommand):
    help = "Renders a sample joint 揭榜任务通知书 (GB/T 9704-2012 layout) to a PDF file, to check the style."

    def add_arguments(self, parser):
        parser.add_argument("out", help="PDF file to write")
        parser.add_argument(
            "--head", action="store_true", help="print the red 版头 (发文机关标志, 发文字号, red line)"
        )

    def handle(self, *args, out, head=False, **options):
        issuers = ["国家发展改革委", "科技部"]
        context = {
            "title": SAMPLE_TITLE,
            "head_issuers": issuers if head else [],
            "head_suffix": "文件",
            "doc_number": format_doc_number(settings.PORTAL_NOTICE_NUMBER_PREFIX, 2027, 12),
            "recipients": "浙江省发展改革委、科技厅",
            "sections": [{"level": level, "text": text} for level, text in SAMPLE_SECTIONS],
            "attachments": ["揭榜任务清单", "揭榜任务实施方案编制提纲"],
            "signatories": issuers,
            "date": datetime.date(2027, 6, 8),
            "note": "（联系人：国家发展改革委创新和高技术发展司 王建国，电话：010-68501234）",
            "cc": ["工业和信息化部", "财政部", "中国人民银行", "浙江省人民政府"],
            "printed_by": "国家发展改革委办公厅",
            "printed_on": datetime.date(2027, 6, 9),
        }
        pdf = render_pdf("pdf/sample_notice.html", context)
        Path(out).write_bytes(pdf)
        self.stdout.write(self.style.SUCCESS(f"{out}: {len(pdf)} bytes"))

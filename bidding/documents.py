"""The 揭榜任务通知书 as a PDF: a joint 通知 of 国家发展改革委 and 科技部 to one region, after 发改高技〔2021〕484号
and GB/T 9704-2012: red 版头 with both issuing authorities and the 发文字号, title, 主送 the region's two departments
by their real names, the body in 484's wording ending "通知如下：", 联系人, 附件说明, the two-agency 署名 and
成文日期, the 附件 (the region's awarded tasks with approach, implementing entities and contacts) and the 版记
(抄送, 印发机关 and 印发日期)."""

from proposals.enums import AuthorityLevel, ReformArea
from reform_portal.pdf import JOINT_ISSUERS, record_height, region_department_names, split_lines

# The choices whose labels the letter prints (an English label in a stored file shows it was made under English).
PRINTED_CHOICES = (ReformArea, AuthorityLevel)


def notice_title(notice) -> str:
    return (
        f"国家发展改革委 科技部关于下达{notice.region.name}{notice.cycle.year}年度全面创新改革揭榜任务的通知"
    )


def attachment_title(notice) -> str:
    return f"{notice.region.name}{notice.cycle.year}年度全面创新改革揭榜任务"


def task_rows(tasks) -> list[dict]:
    """Per task: the list entry, the region's approach (paragraphs), implementing entities and contacts."""
    rows = []
    for task in tasks:
        bid = task.bid
        entities = [o.name for o in task.entities.all()] or (split_lines(bid.entity_names) if bid else [])
        rows.append(
            {
                "task": task,
                "entry": task.entry,
                "approach": split_lines(bid.approach) if bid else [],
                "entities": entities,
                "contact": f"{bid.contact_name} {bid.contact_phone}".strip() if bid else "",
            }
        )
    return rows


def notice_context(notice, tasks):
    region, cycle = notice.region, notice.cycle
    return {
        "title": notice_title(notice),
        "head_issuers": JOINT_ISSUERS,
        "doc_number": notice.doc_number,
        "recipients": "、".join(region_department_names(region)),
        "notice": notice,
        "region": region,
        "cycle": cycle,
        "tasks": tasks,
        "rows": task_rows(tasks),
        "contacts": cycle.notice_contacts,
        "attachments": [attachment_title(notice)],
        "attachment_title": attachment_title(notice),
        "signatories": JOINT_ISSUERS,
        "date": notice.issued_on,
        "cc": cycle.notice_cc,
        "printed_by": cycle.notice_printed_by or "国家发展改革委办公厅",
        "printed_on": notice.issued_on,
        "record_height": record_height(cycle.notice_cc),
    }


def render_notice_pdf(notice, tasks) -> bytes:
    from reform_portal.pdf import render_pdf

    return render_pdf("bidding/notice_pdf.html", notice_context(notice, tasks))


def notice_body(ctx) -> list[tuple[str, str]]:
    """The letter's text as the PDF template (templates/bidding/notice_pdf.html) words it, as (kind, text) pairs:
    "p" a paragraph, "h" a 一、 heading. A test holds the two to the same words."""
    cycle, rows = ctx["cycle"], ctx["rows"]
    return [
        (
            "p",
            "为深入推进全面创新改革，根据《国家发展改革委 科技部关于深入推进全面创新改革工作的通知》"
            f"（发改高技〔2021〕484号），经汇总各地揭榜结果，确定由你们承担{cycle.year}年度全面改革创新举措清单中的"
            f"{len(ctx['tasks'])}项改革任务（见附件）。现将有关事项通知如下：",
        ),
        ("h", "一、揭榜任务"),
        *[
            ("p", f"{n}.{row['entry'].title}（清单编号{row['entry'].number}）。")
            for n, row in enumerate(rows, 1)
        ],
        ("h", "二、压实责任"),
        (
            "p",
            "你们对所揭榜任务负总体责任，要根据需要明确实施主体（同级职能部门、地方政府以及企业、高等院校、科研院所等"
            "创新主体），研究提出具体改革方案，督促检查改革进展，协调解决改革过程中出现的问题，总结凝练可复制推广的"
            "改革成果。",
        ),
        ("h", "三、细化实施方案"),
        (
            "p",
            "请组织改革实施主体细化各项改革举措的时间表、路线图、责任人，明确可量化、可考核的目标，于收到本通知后"
            "一个月内通过全面创新改革平台报送实施方案，并按期报送进展情况。",
        ),
        ("h", "四、抓好落实"),
        (
            "p",
            "要及时协调解决推进改革任务实施过程中出现的困难和问题，需国家层面协调的事项请通过平台提出；狠抓改革任务"
            "落实落地，确保取得预期成效；研究制定和落实容错纠错机制，鼓励改革实施主体大胆探索。改革任务完成后，"
            "国家发展改革委、科技部将委托第三方机构评估，总结凝练可复制推广的改革成果，并对完成改革任务较好的地方、"
            "单位进行激励。",
        ),
    ]


def render_notice_docx(notice, tasks) -> bytes:
    """The 通知书 as Word (.docx), from ``notice_context`` (the letter as issued: its 发文字号 and date): 版头, title,
    主送, the body, 联系人, 附件说明, 署名 and 成文日期, then the 附件 (a table of the tasks) and the 版记."""
    from reform_portal.docx import GongwenDocx, building

    with building():
        ctx = notice_context(notice, tasks)
        doc = GongwenDocx()
        doc.head(ctx["head_issuers"], doc_number=ctx["doc_number"])
        doc.title(ctx["title"])
        doc.recipients(ctx["recipients"])
        for kind, text in notice_body(ctx):
            if kind == "h":
                doc.heading(text)
            else:
                doc.paragraph(text)
        if ctx["contacts"]:
            doc.paragraph(f"联系人：{ctx['contacts']}")
        doc.attachments([ctx["attachment_title"]])
        doc.signature(ctx["signatories"], ctx["date"])
        doc.page_break()
        doc.label("附件")
        doc.title(ctx["attachment_title"])
        doc.table(
            ["序号", "揭榜任务", "改革思路", "实施主体", "联系人"],
            [
                (
                    n,
                    f"{row['entry'].title}\n清单编号：{row['entry'].number}\n{row['entry'].get_area_display()}",
                    "\n".join(row["approach"]) or "以实施方案为准",
                    "\n".join(row["entities"]) or "以实施方案为准",
                    row["contact"] or "见实施方案",
                )
                for n, row in enumerate(ctx["rows"], start=1)
            ],
            widths=(13, 42, 49, 28, 24),
            size=12,
        )
        doc.record(ctx["cc"], ctx["printed_by"], ctx["printed_on"])
        return doc.to_bytes()


# --- 实施方案 (issue 15 §9): a task's plan as a document ----------------------------------------------------------


def plan_title(task) -> str:
    return f"{task.entry.title}实施方案"


def _number(value) -> str:
    return f"{value.normalize():f}"


def plan_context(task) -> dict:
    """What the 实施方案 of a task prints (PDF ``render_plan_pdf`` and Word ``render_plan_docx``): an attachment of the
    region's plan, without 版头: "附件", the title, 一、任务概况, 二、改革思路和路线图 (the approach, then the milestones
    in order), 三、时间表和责任人 (a table), 四、量化目标 (unit, baseline, target; a table)."""
    from reform_portal.pdf import gongwen_date

    bid = task.bid
    milestones = list(task.milestones.all())
    targets = list(task.targets.all())
    entities = [o.name for o in task.entities.all()] or (split_lines(bid.entity_names) if bid else [])
    return {
        "title": plan_title(task),
        "task": task,
        "entry": task.entry,
        "region": task.region,
        "cycle": task.cycle,
        "entities": entities,
        "approach": split_lines(bid.approach) if bid else [],
        "contact": f"{bid.contact_name} {bid.contact_phone}".strip() if bid else "",
        "confirmed": gongwen_date(task.plan_confirmed_at) if task.plan_confirmed_at else "",
        "milestones": [
            {
                "due": gongwen_date(m.due_date),
                "title": m.title,
                "deliverable": m.deliverable,
                "responsible": f"{m.responsible_name}（{m.responsible_post}，{m.responsible_phone}）",
            }
            for m in milestones
        ],
        "targets": [
            {
                "indicator": t.indicator,
                "unit": t.unit,
                "baseline": _number(t.baseline),
                "target": _number(t.target),
            }
            for t in targets
        ],
    }


def plan_overview(ctx) -> list[str]:
    """一、任务概况, as the PDF and the .docx word it."""
    entry = ctx["entry"]
    return [
        f"承担地区：{ctx['region'].name}。清单编号：{entry.number}。改革任务领域：{entry.get_area_display()}。",
        f"实施主体：{'、'.join(ctx['entities']) or '（未填写）'}。",
        f"联系人：{ctx['contact']}。" if ctx["contact"] else "",
        f"本方案于{ctx['confirmed']}确认。" if ctx["confirmed"] else "本方案尚未确认，以平台最新填报为准。",
    ]


def render_plan_pdf(task) -> bytes:
    """The 实施方案 as a PDF; its words (the area's label among them) in Chinese whatever the reader's language."""
    from reform_portal.pdf import document_language, render_pdf

    with document_language():
        ctx = plan_context(task)
        return render_pdf("bidding/plan_pdf.html", {**ctx, "overview": plan_overview(ctx)})


def render_plan_docx(task) -> bytes:
    """The 实施方案 as Word (.docx): no 版头; "附件", the title, the four sections, 时间表 and 量化目标 as tables."""
    from reform_portal.docx import GongwenDocx, building

    with building():
        ctx = plan_context(task)
        doc = GongwenDocx()
        doc.label("附件")
        doc.title(ctx["title"])
        doc.heading("一、任务概况")
        for line in plan_overview(ctx):
            if line:
                doc.paragraph(line)
        doc.heading("二、改革思路和路线图")
        for line in ctx["approach"] or ["（未填写）"]:
            doc.paragraph(line)
        for n, m in enumerate(ctx["milestones"], start=1):
            doc.paragraph(f"{n}.{m['due']}前：{m['title']}，形成{m['deliverable']}。")
        doc.heading("三、时间表和责任人")
        doc.table(
            ["完成时限", "节点", "标志性成果", "责任人"],
            [(m["due"], m["title"], m["deliverable"], m["responsible"]) for m in ctx["milestones"]]
            or [("—", "（未填写）", "", "")],
            widths=(30, 40, 50, 36),
        )
        doc.heading("四、量化目标")
        doc.table(
            ["指标", "单位", "基期值", "目标值"],
            [(t["indicator"], t["unit"], t["baseline"], t["target"]) for t in ctx["targets"]]
            or [("（未填写）", "", "", "")],
            widths=(36, 20, 50, 50),
        )
        return doc.to_bytes()

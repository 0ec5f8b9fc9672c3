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

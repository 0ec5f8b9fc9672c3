"""The 揭榜任务通知书 as a PDF: a joint 通知 of 国家发展改革委 and 科技部 in official-letter style
(GB/T 9704-2012: red head with both issuing authorities, 发文字号, title, 主送机关, body, date)."""


def notice_context(notice, tasks):
    from .services import ISSUERS

    region = notice.region
    return {
        "title": f"国家发展改革委 科技部关于下达{region.name}{notice.cycle.year}年度全面创新改革揭榜任务的通知",
        "head_issuers": ISSUERS,
        "doc_number": notice.doc_number,
        "recipients": f"{region.name}发展改革委、科技厅（委、局）",
        "notice": notice,
        "region": region,
        "tasks": tasks,
        "signatories": ISSUERS,
        "date": notice.issued_on,
    }


def render_notice_pdf(notice, tasks) -> bytes:
    from reform_portal.pdf import render_pdf

    return render_pdf("bidding/notice_pdf.html", notice_context(notice, tasks))

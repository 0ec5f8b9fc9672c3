"""The 《全面创新改革举措建议书》 as a PDF in official-document style (GB/T 9704, see docs/gongwen.md):
a joint 版头 of the region's two departments, the title, 主送 the two national departments (notice 四),
one numbered section per proposal, signatures and date, page numbers."""

from django.utils import timezone

from reform_portal.enums import OrgKind
from reform_portal.models import Organization
from reform_portal.pdf import record_height, render_pdf

from .enums import BookState

NATIONAL_RECIPIENTS = "国家发展改革委创新和高技术发展司、科技部成果转化与区域创新司"


def is_submitted(book) -> bool:
    """报送 and not returned: the book as the national departments received it (not a draft any more)."""
    return book.state in (BookState.SUBMITTED, BookState.CLOSED)


def book_context(book) -> dict:
    """What the 建议书 prints, for the PDF (``render_book_pdf``) and the Word version (``render_book_docx``)."""
    proposals = list(book.proposals.prefetch_related("entities", "results").order_by("position", "pk"))
    departments = list(
        Organization.objects.filter(region=book.region, kind__in=OrgKind.regional_departments())
        .order_by("kind")
        .values_list("name", flat=True)
    ) or [f"{book.region.name}发展改革委", f"{book.region.name}科技厅"]
    # The 署名 and 成文日期 claim both departments: only once both have confirmed the book as it stands (an edit
    # clears the sign-offs). The 版记 (印发) only once it is submitted; until then every page says 草稿.
    # A returned book keeps its old submission time but is a draft again, its sign-offs cleared.
    submitted = is_submitted(book)
    signed = book.fully_signed or submitted
    date = (book.submitted_at if submitted else timezone.now()) if signed else None
    return {
        "book": book,
        "proposals": proposals,
        "title": f"{book.region.name}{book.cycle.year}年度全面创新改革举措建议书",
        "head_issuers": departments,
        "doc_number": book.doc_number,
        "signer": "\u3000".join(book.signers),
        "draft": not submitted,
        "recipients": NATIONAL_RECIPIENTS,
        "signatories": departments if signed else [],
        "date": date,
        "note": f"（联系人：{book.contact_name}；电话：{book.contact_phone}）" if book.contact_name else "",
        "printed_by": f"{departments[0]}办公室" if submitted else "",
        "printed_on": book.submitted_at if submitted else None,
        "record_height": record_height("") if submitted else 0,
    }


def render_book_pdf(book) -> bytes:
    return render_pdf("proposals/book_pdf.html", book_context(book))


def cached_book_pdf(book) -> bytes:
    """The 建议书 PDF, rendered once per state of the book: every change to the book, its proposals, sign-offs
    or submission saves the book (``updated_at``), so that, the language and (for a book not yet submitted,
    which is dated today) the date make the cache key. Reviewers opening a submitted book read the cache. The
    document is Chinese whatever the reader's interface language, so the language is no part of the key."""
    from django.core.cache import cache

    dated = "" if is_submitted(book) else timezone.localdate().isoformat()
    key = f"proposals:book-pdf:{book.pk}:{book.updated_at.timestamp()}:{dated}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_book_pdf(book)
        cache.set(key, pdf, 24 * 3600)
    return pdf


def render_book_docx(book) -> bytes:
    """The 建议书 as Word (.docx), from ``book_context``: the sections of the PDF, typed lines as paragraphs, the
    预期成效 as a table; the 上行文's 发文字号 left and 签发人 right in the 版头; a book not yet submitted carries 草稿 in
    the header of every page, and the 署名 and 成文日期 only once both departments confirmed it; the 版记 once
    submitted."""
    from reform_portal.docx import GongwenDocx, building
    from reform_portal.templatetags.gongwen import chinese_number

    with building():
        ctx = book_context(book)
        book = ctx["book"]
        doc = GongwenDocx(draft=ctx["draft"])
        doc.head(ctx["head_issuers"], doc_number=ctx["doc_number"], signer=ctx["signer"])
        doc.title(ctx["title"])
        doc.recipients(ctx["recipients"])
        doc.text(
            book.summary
            or "按照《国家发展改革委 科技部关于深入推进全面创新改革工作的通知》（发改高技〔2021〕484号）要求，"
            f"现将我省（市）{book.cycle.year}年度全面创新改革举措建议报送如下。"
        )
        for n, p in enumerate(ctx["proposals"], start=1):
            doc.heading(f"{chinese_number(n)}、{p.title}")
            doc.heading("（一）改革任务领域", level=2)
            doc.paragraph(
                (p.get_area_display() or "（未填写）") + (f"。关键词：{p.keywords}" if p.keywords else "")
            )
            doc.heading("（二）拟解决的痛点堵点", level=2)
            doc.text(p.pain_points, empty="（未填写）")
            doc.heading("（三）改革内容", level=2)
            doc.text(p.content, empty="（未填写）")
            doc.heading("（四）实施步骤及时间安排", level=2)
            doc.text(p.steps, empty="（未填写）")
            doc.heading("（五）预期成效", level=2)
            results = list(p.results.all())
            if results:
                doc.table(
                    ["序号", "指标", "目标值"],
                    [
                        (i, r.indicator, f"{r.target.normalize():f}{r.unit}")
                        for i, r in enumerate(results, start=1)
                    ],
                    widths=(18, 88, 50),
                )
            else:
                doc.paragraph("（未填写）")
            doc.heading("（六）实施主体和事权", level=2)
            coordination = f"，需协调{p.coordination_departments}" if p.coordination_departments else ""
            doc.paragraph(
                f"实施主体：{'、'.join(p.entity_names()) or '（未填写）'}。"
                f"事权层级：{p.get_authority_level_display() or '（未填写）'}{coordination}。"
            )
            doc.heading("（七）征求意见情况", level=2)
            consulted = [
                (label, value)
                for label, value in (
                    ("国家双创示范基地", p.consulted_bases),
                    ("创新型企业", p.consulted_enterprises),
                    ("高等院校", p.consulted_universities),
                    ("科研院所", p.consulted_institutes),
                )
                if value
            ]
            doc.paragraph(
                "".join(f"{label}：{value}；" for label, value in consulted)
                + f"商议的同级相关部门：{p.consulted_departments or '（未填写）'}。"
            )
            if p.provenance_summary():
                doc.paragraph(f"{p.provenance_summary()}。")
        if ctx["signatories"]:
            doc.signature(ctx["signatories"], ctx["date"])
        doc.note(ctx["note"])
        if ctx["printed_by"]:
            doc.record("", ctx["printed_by"], ctx["printed_on"])
        return doc.to_bytes()

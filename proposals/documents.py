"""The 《全面创新改革举措建议书》 as a PDF in official-document style (GB/T 9704, see docs/gongwen.md):
a joint 版头 of the region's two departments, the title, 主送 the two national departments (notice 四),
one numbered section per proposal, signatures and date, page numbers."""

from django.utils import timezone

from reform_portal.enums import OrgKind
from reform_portal.models import Organization
from reform_portal.pdf import render_pdf

NATIONAL_RECIPIENTS = "国家发展改革委创新和高技术发展司、科技部成果转化与区域创新司"


def render_book_pdf(book) -> bytes:
    proposals = list(book.proposals.prefetch_related("entities", "results").order_by("position", "pk"))
    departments = list(
        Organization.objects.filter(region=book.region, kind__in=OrgKind.regional_departments())
        .order_by("kind")
        .values_list("name", flat=True)
    ) or [f"{book.region.name}发展改革委", f"{book.region.name}科技厅"]
    date = book.submitted_at or timezone.now()
    return render_pdf(
        "proposals/book_pdf.html",
        {
            "book": book,
            "proposals": proposals,
            "title": f"{book.region.name}{book.cycle.year}年度全面创新改革举措建议书",
            "head_issuers": departments,
            "recipients": NATIONAL_RECIPIENTS,
            "signatories": departments,
            "date": date,
            "note": f"（联系人：{book.contact_name}；电话：{book.contact_phone}）"
            if book.contact_name
            else "",
        },
    )


def cached_book_pdf(book) -> bytes:
    """The 建议书 PDF, rendered once per state of the book: every change to the book, its proposals, sign-offs
    or submission saves the book (``updated_at``), so that, the language and (for a book not yet submitted,
    which is dated today) the date make the cache key. Reviewers opening a submitted book read the cache. The
    document is Chinese whatever the reader's interface language, so the language is no part of the key."""
    from django.core.cache import cache

    dated = "" if book.submitted_at else timezone.localdate().isoformat()
    key = f"proposals:book-pdf:{book.pk}:{book.updated_at.timestamp()}:{dated}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_book_pdf(book)
        cache.set(key, pdf, 24 * 3600)
    return pdf

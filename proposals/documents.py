"""The 《全面创新改革举措建议书》 as a PDF in official-document style (GB/T 9704 page geometry)."""
from django.utils import timezone
from reform_portal.pdf import render_pdf


def render_book_pdf(book) -> bytes:
    proposals = list(book.proposals.prefetch_related("entities", "results").order_by("position", "pk"))
    return render_pdf("proposals/book_pdf.html", {
        "book": book,
        "proposals": proposals,
        "today": timezone.localdate(),
        "date": timezone.localtime(book.submitted_at).date() if book.submitted_at else timezone.localdate(),
    })

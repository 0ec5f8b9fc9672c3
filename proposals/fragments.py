"""建议书收件箱's rows as markup built in Python (issue 19).

One row per active region (31 at national size): the template loop's per-row lookups, date filters, block
translations and four ``{% url %}`` were most of the page's time and grew with the regions. ``inbox_rows``
writes exactly what that loop wrote, byte for byte (tests/proposals/test_fragments.py keeps the old loop as the
reference and compares them on hostile text); every text value goes through ``esc`` (``& < > " '``, as Django's
autoescape)."""

from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from reform_portal.markup import esc
from reform_portal.models import ReformCycle

from .enums import BookState

_PK = 987654321  # a placeholder pk: each row's links are the reversed URL with its own pk in its place
_CODE = "ZZ0CODE0ZZ"  # and a placeholder region code, replaced by the code quoted as ``reverse`` quotes it


def _date(value: Any, fmt: str) -> str:
    # ``{{ value|date:fmt }}``: aware datetimes in the current time zone first, as the filter does
    return date_format(template_localtime(value), fmt) if value else ""


def inbox_rows(rows: list[dict[str, Any]], cycle: ReformCycle) -> SafeString:
    """The rows of ``selectors.inbox_rows`` (region, book with ``n_proposals``, status, extension)."""
    closes = cycle.closes_at("proposal")  # ProposalBook.is_late: every book here is of ``cycle``
    pdf = reverse("proposals:book_pdf", args=[_PK])
    docx = reverse("proposals:book_docx", args=[_PK])
    detail = reverse("proposals:book_detail", args=[_PK])
    extend_url = reverse("proposals:region_extend", args=[_CODE])
    # ProposalBook.display_state, with the labels looked up once
    states = {value: str(label) for value, label in BookState.choices}
    signed = esc(_("已联合确认，待报送"))
    none = '<span class="muted">' + esc(_("未创建")) + "</span>"
    late = '<span class="late">' + esc(_("延期报送")) + "</span>"
    returned = esc(_("已退回"))
    view, word, extend = esc(_("查看")), esc(_("下载Word版（.docx）")), esc(_("批准延期"))
    year = esc(cycle.year)
    out = []
    for row in rows:
        region, book, extension = row["region"], row["book"], row["extension"]
        if book is not None:
            pk = str(int(book.pk))
            shown = (
                signed
                if book.state in (BookState.DRAFT, BookState.RETURNED) and book.fully_signed
                else esc(states.get(book.state, book.state))
            )
            state = f'<span class="badge {esc(book.state)}">{shown}</span>'
            count = str(int(book.n_proposals))
        else:
            state, count = none, "0"
        submitted = _date(book.submitted_at if book else None, "Y-m-d H:i") or "—"
        remark = ""
        if extension is not None:
            until = _("已延期至%(d)s") % {"d": esc(_date(extension.until, "Y年n月j日"))}
            remark = f'<span data-testid="extension" title="{esc(extension.reason)}">{until}</span> '
        if book is not None and book.submitted_at and book.submitted_at >= closes:
            remark += late
        if book is not None and book.state == BookState.RETURNED:
            remark += returned
        links = ""
        if book is not None and book.state != BookState.DRAFT:
            links = (
                f'<a href="{esc(detail.replace(str(_PK), pk))}">{view}</a> · '
                f'<a href="{esc(pdf.replace(str(_PK), pk))}">PDF</a> · '
                f'<a href="{esc(docx.replace(str(_PK), pk))}" title="{word}">Word</a> · '
            )
        code = quote(str(region.code), safe=RFC3986_SUBDELIMS + "/~:@")
        links += f'<a href="{esc(extend_url.replace(_CODE, code))}?year={year}">{extend}</a>'
        out.append(
            f'<tr data-region="{esc(region.code)}">\n'
            f"          <td>{esc(region)}</td>\n"
            f"          <td>{state}</td>\n"
            f"          <td>{count}</td>\n"
            f"          <td>{esc(submitted)}</td>\n"
            f"          <td>{remark}</td>\n"
            f"          <td>{links}</td>\n"
            "        </tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every text value escaped above; the rest are integers

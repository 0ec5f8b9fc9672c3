"""Rows of stage 3's long tables as markup, made in Python rather than in template loops (issue 19): at 31 regions
and 50 tasks a page's loops (lookups, ``{% url %}``, localised numbers, ``get_…_display``) were most of its time.
Each function writes exactly what the template wrote (tests/bidding/test_views.py compares them on hostile
text); every text value is escaped, the rest are integers."""

from collections.abc import Iterable
from typing import Any

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from proposals.enums import ReformArea
from reform_portal.markup import esc, truncate_chars

from .enums import MilestoneStatus, TaskState
from .models import ProgressReport, Task

_PK = 987654321  # a placeholder pk in a reversed URL


def report_articles(reports: Iterable[ProgressReport]) -> list[ProgressReport]:
    """The 揭榜任务详情's progress reports (``r.html``): each report from ``selectors.task_rows`` (its
    ``actual_rows``, ``update_rows`` and ``attachment_rows``) as the template wrote it — a dozen lookups, dates,
    localised numbers and a reversed URL per actual, update and attachment, four reports a year (issue 19)."""
    attachment_url = reverse("bidding:report_attachment", args=[_PK])
    statuses = dict(MilestoneStatus.choices)
    reports = list(reports)
    for r in reports:
        heading = _("截至 %(d)s") % {"d": esc(date_filter(r.period_end, "Y-m-d"))}
        actuals = "".join(
            f"<li>{esc(a.target.indicator)}：{esc(localize(a.value))}{esc(a.target.unit)}</li>"
            for a in r.actual_rows
        )
        updates = "".join(
            f"<li>{esc(u.milestone.title)}：{esc(statuses.get(u.status, u.status))}"
            + (f"（{esc(u.note)}）" if u.note else "")
            + "</li>"
            for u in r.update_rows
        )
        files = "".join(
            f'<div><a href="{attachment_url.replace(str(_PK), str(int(att.pk)))}">{esc(att.original_name)}</a> '
            f'<span class="muted">{esc(filesizeformat(att.size))}</span></div>'
            for att in r.attachment_rows
        )
        r.html = mark_safe(  # noqa: S308 - every text value escaped (linebreaksbr escapes); the rest are integers
            '<article class="report" data-testid="report">\n      '
            f'<h3>{heading} <span class="muted">{esc(r.submitted_by)} '
            f"{esc(date_filter(localtime(r.submitted_at), 'Y-m-d H:i'))}</span></h3>\n      "
            f"<p>{linebreaksbr(r.narrative, autoescape=True)}</p>\n      "
            f"<ul>{actuals}\n        {updates}</ul>\n      {files}\n    </article>"
        )
    return reports


def progress_task_rows(tasks: Iterable[Task]) -> list[Task]:
    """The progress page's task rows (``t.row_html``): ``selectors.progress_rows`` with ``with_attainment``."""
    detail = reverse("bidding:task_detail", args=[_PK])
    states = {value: esc(label) for value, label in TaskState.choices}
    pad = "\n        "
    tasks = list(tasks)
    for t in tasks:
        report = t.last_report.isoformat() if t.last_report else "—"
        attainment = f"{round(float(t.attainment) * 100)}%" if t.attainment is not None else "—"
        late = ' class="late"' if t.n_overdue else ""
        t.row_html = mark_safe(  # noqa: S308 - every text escaped; the rest are integers and a date
            f'<tr data-task="{int(t.pk)}">{pad}<td>{esc(t.region)}</td>'
            f'<td><a href="{detail.replace(str(_PK), str(int(t.pk)))}">{esc(t.entry.title)}</a></td>'
            f"{pad}<td>{states.get(t.state) or esc(t.state)}</td>"
            f"{pad}<td>{int(t.n_done)} / {int(t.n_late)} / {int(t.n_risk)} / {int(t.n_milestones)}</td>"
            f'{pad}<td data-testid="overdue"{late}>{int(t.n_overdue)}</td>'
            f"{pad}<td>{report}</td>"
            f'{pad}<td data-testid="attainment">{attainment}</td>'
            f"{pad}<td>{int(t.n_open_requests)}</td>"
            "\n      </tr>"
        )
    return tasks


def progress_region_rows(regions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The progress page's per-region rows (``r["row_html"]``): ``selectors.progress_regions``."""
    regions = list(regions)
    for r in regions:
        late = ' class="late"' if r["overdue"] else ""
        r["row_html"] = mark_safe(  # noqa: S308 - the region's code and name escaped; the rest are integers
            f'<tr data-region="{esc(r["region"].code)}"><td>{esc(r["region"])}</td><td>{int(r["tasks"])}</td>'
            f"<td>{int(r['done'])} / {int(r['milestones'])}</td><td{late}>{int(r['overdue'])}</td></tr>"
        )
    return regions


def bid_rows(
    rows: Iterable[dict[str, Any]], *, show_counts: bool, editable: bool, csrf_token: str = ""
) -> list[dict[str, Any]]:
    """The 揭榜 page's entry rows (``row["row_html"]``) for a region with a bid set: ``selectors.bid_page``.
    ``csrf_token``: the request's (``get_token``), for the 取消揭榜 forms while the bids are ``editable``."""
    areas = {value: esc(label) for value, label in ReformArea.choices}
    edit_url = reverse("bidding:bid_edit", args=[_PK])
    delete_url = reverse("bidding:bid_delete", args=[_PK])
    bid_done, contact = esc(_("已揭榜")), esc(_("联系人"))
    change, claim, cancel = esc(_("修改")), esc(_("揭榜")), esc(_("取消揭榜"))
    token = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">' if csrf_token else ""
    )
    pad = "\n          "
    rows = list(rows)
    for row in rows:
        entry, bid = row["entry"], row["bid"]
        pk = str(int(entry.pk))
        if bid:
            claimed = (
                f'<span class="ok">{bid_done}</span><div class="muted">{esc(truncate_chars(bid.approach, 60))}</div>'
                f'<div class="muted">{contact}：{esc(bid.contact_name)} {esc(bid.contact_phone)}</div>'
            )
        else:
            claimed = "—"
        actions = ""
        if editable:
            actions = (
                f'\n            <a class="button" href="{edit_url.replace(str(_PK), pk)}">{change if bid else claim}</a>'
                "\n            "
                + (
                    f'<form method="post" action="{delete_url.replace(str(_PK), pk)}" class="inline">{token}'
                    f'<button type="submit" class="danger">{cancel}</button></form>'
                    if bid
                    else ""
                )
                + "\n          "
            )
        count = f'<td data-testid="entry-count">{int(row["count"])}</td>' if show_counts else ""
        number = esc(entry.number)
        row["row_html"] = mark_safe(  # noqa: S308 - every text escaped above; the rest are integers
            f'<tr data-entry="{number}">{pad}<td>{number}</td>'
            f"{pad}<td><strong>{esc(entry.title)}</strong>"
            f'<div class="muted">{esc(truncate_chars(entry.description, 120))}</div></td>'
            f"{pad}<td>{areas.get(entry.area) or esc(entry.area)}</td>"
            f"{pad}<td>{claimed}</td>"
            f"{pad}{count}"
            f"{pad}<td>{actions}</td>"
            "\n        </tr>"
        )
    return rows


def bid_list_rows(rows: Iterable[dict[str, Any]], *, show_counts: bool) -> list[dict[str, Any]]:
    """The 揭榜 page's entry rows (``row["row_html"]``) in a year the region did not bid in (the list only)."""
    areas = {value: esc(label) for value, label in ReformArea.choices}
    rows = list(rows)
    for row in rows:
        entry, number = row["entry"], esc(row["entry"].number)
        count = f'<td data-testid="entry-count">{int(row["count"])}</td>' if show_counts else ""
        row["row_html"] = mark_safe(  # noqa: S308 - every text escaped; the count is an integer
            f'<tr data-entry="{number}"><td>{number}</td><td>{esc(entry.title)}</td>'
            f"<td>{areas.get(entry.area) or esc(entry.area)}</td>{count}</tr>"
        )
    return rows


def matrix_cells(rows):
    """Each row's cells as one piece of markup (a confirmed claim, a checkbox to confirm, or empty), made here: a
    template loop over 31 regions × 30 entries took most of the page's time, and so did ``format_html`` per cell
    (issue 19). The two fixed pieces are escaped once; a bid's pk is an integer."""
    confirmed = esc(_("已确认"))
    awarded = f'<td class="cell"><span class="ok" title="{confirmed}">✔ {confirmed}</span></td>'
    claim = (
        '<td class="cell"><label class="inline-label"><input type="checkbox" name="bid" value="{}" checked> '
        + esc(_("揭榜"))
        + "</label></td>"
    )
    empty = '<td class="cell"></td>'
    for row in rows:
        # a row starts as empty cells and only its claimed ones are written (``selectors.matrix``'s "claimed"):
        # at 31 regions × 62 entries, a test per cell was what grew here
        parts = [empty] * len(row["cells"])
        for i, ref, is_awarded in row["claimed"]:
            parts[i] = awarded if is_awarded else claim.format(int(ref.pk)) if ref else empty
        row["cells_html"] = mark_safe("".join(parts))  # noqa: S308 - fixed markup above; the only value is a pk
    matrix_rows(rows)


def matrix_rows(rows):
    """Each region's whole ``<tr>`` (its cells from ``_matrix_cells``), made here rather than in the template's
    loop: 31 rows of lookups, ``{% url %}`` and translations were the part of the page that grew with the regions
    after the cells (issue 19). The same markup as the template wrote (tests/bidding/test_views.py compares them
    on hostile text); every text value is escaped, the rest are integers."""
    download = reverse("bidding:notice_download", args=[987654321])
    docx = reverse("bidding:notice_docx", args=[987654321])
    not_submitted = ' <span class="muted">' + esc(_("（未报送）")) + "</span>"
    word_title, generating = esc(_("下载Word版（.docx）")), esc(_("生成中"))
    pad = "\n            "
    for row in rows:
        bid_set, notice = row["bid_set"], row["notice"]
        if notice and notice.pdf:
            pk = str(int(notice.pk))
            letter = (
                f'<a href="{esc(download.replace("987654321", pk))}">{esc(notice.doc_number)}</a> · '
                f'<a href="{esc(docx.replace("987654321", pk))}" title="{word_title}">Word</a>'
            )
        elif notice:
            letter = f"{esc(notice.doc_number)}（{generating}）"
        else:
            letter = "—"
        row["html"] = mark_safe(  # noqa: S308 - every text value escaped above; the rest are integers
            f'<tr data-region="{esc(row["region"].code)}"'
            + (' class="highlight under-minimum"' if row["under_minimum"] else "")
            + ">"
            + f"{pad}<td>{esc(row['region'])}"
            + (not_submitted if bid_set and bid_set.state == "draft" else "")
            + "</td>"
            + f"{pad}{row['cells_html']}"
            + f'{pad}<td data-testid="region-count">{int(row["n"])}</td>'
            + f"{pad}<td>{int(row['n_awarded'])}</td>"
            + f"{pad}<td>{letter}</td>"
            + "\n          </tr>"
        )

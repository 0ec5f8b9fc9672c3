"""Rows of stage 3's long tables as markup, made in Python rather than in template loops (issue 19): at 31 regions
and 50 tasks a page's loops (lookups, ``{% url %}``, localised numbers, ``get_…_display``) were most of its time.
Each function writes exactly what the template wrote (tests/bidding/test_views.py compares them on hostile
text); every text value is escaped, the rest are integers."""

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from proposals.enums import ReformArea
from reform_portal.markup import esc

from .enums import TaskState
from .models import Task

_PK = 987654321  # a placeholder pk in a reversed URL


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
                f'<span class="ok">{bid_done}</span><div class="muted">{esc(Truncator(bid.approach).chars(60))}</div>'
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
            f'<div class="muted">{esc(Truncator(entry.description).chars(120))}</div></td>'
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

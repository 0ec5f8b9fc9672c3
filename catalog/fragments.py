"""Rows of the catalog's long lists as markup built in Python (issue 19).

At national size (31 regions) these lists hold a few hundred rows, and a template loop's per-row lookups,
``get_FOO_display``, filters and translations were most of their pages' time, growing with the rows. Each
function here writes exactly what the template loop it replaces wrote, byte for byte (tests/catalog/
test_fragments.py keeps the old loops as references and compares them on hostile text); every text value goes
through ``esc`` (``& < > " '``, as Django's autoescape), integers are formatted as ``int``."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import gettext as _

from proposals.enums import AuthorityLevel, ReformArea
from reform_portal.markup import esc, truncate_chars

from .enums import OpinionStance


def _labels(choices) -> dict[str, str]:
    # get_FOO_display: the label of a known value, else the value itself
    return {value: str(label) for value, label in choices}


def _display(labels: dict[str, str], value: Any) -> str:
    return esc(labels.get(value, value))


def linebreaksbr(value: Any) -> str:
    """The ``linebreaksbr`` filter on plain (not safe) text."""
    return esc(normalize_newlines(str(value))).replace("\n", "<br>")


def _safe(parts: Iterable[str]) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308 - every text value escaped by the callers


# ---- 清单管理 (a published version) ----------------------------------------------------------------------


def manage_entry_rows(entries) -> SafeString:
    """清单管理's table of a published version's entries."""
    return _safe(
        f"<tr><td>{esc(e.number)}</td><td>{esc(e.title)}</td><td>{esc(e.source_regions)}</td></tr>"
        for e in entries
    )


def manage_opinion_items(opinions) -> SafeString:
    """清单管理's list of the departments' opinions and the responses (a version no longer editable), from
    ``(ministry name, measure title, stance, text, response)`` tuples."""
    stances = _labels(OpinionStance.choices)
    answer = " — " + esc(_("答复")) + "："
    return _safe(
        f"<li>{esc(ministry)}·{esc(title)}（{_display(stances, stance)}）：{esc(text)}"
        f"{answer + esc(response) if response else ''}</li>"
        for ministry, title, stance, text, response in opinions
    )


# ---- 公开清单 ---------------------------------------------------------------------------------------------


def public_entry_rows(entries) -> SafeString:
    """The public page's table of a published version's entries."""
    areas, levels = _labels(ReformArea.choices), _labels(AuthorityLevel.choices)
    number, title, area, content, level, regions = (
        esc(_(label))
        for label in ("编号", "举措名称", "改革任务领域", "改革内容与目标", "事权层级", "建议来源地区")
    )
    goals = '<div class="muted">' + esc(_("目标")) + "："

    def row(e) -> str:
        more = goals + esc(e.goals) + "</div>" if e.goals else ""
        departments = (
            '<div class="muted">' + esc(e.coordination_departments) + "</div>"
            if e.coordination_departments
            else ""
        )
        return (
            f'<tr data-number="{esc(e.number)}">\n        '
            f'<td data-label="{number}">{esc(e.number)}</td><td data-label="{title}">{esc(e.title)}</td>'
            f'<td data-label="{area}">{_display(areas, e.area)}</td>\n        '
            f'<td data-label="{content}">{linebreaksbr(e.description)}{more}</td>\n        '
            f'<td data-label="{level}">{_display(levels, e.authority_level)}{departments}</td>\n        '
            f'<td data-label="{regions}">{esc(e.source_regions)}</td>\n      </tr>'
        )

    return _safe(row(e) for e in entries)


# ---- 征求意见详情 -----------------------------------------------------------------------------------------


def consultation_heads(rows) -> list[dict[str, Any]]:
    """征求意见详情: each row's section between its opening tag and its form (``row["head"]``): number, title,
    content, goals and the ministry's own opinion; the template adds the form when the ministry may give
    opinions."""
    stances = _labels(OpinionStance.choices)
    goals = '<p class="muted">' + esc(_("改革目标")) + "："
    mine = '<p data-testid="my-opinion">' + esc(_("本部门意见")) + "："
    answer = "<br>" + esc(_("答复")) + "："
    for n, row in enumerate(rows, start=1):
        m, o = row["measure"], row["opinion"]
        opinion = ""
        if o:
            opinion = (
                mine
                + _display(stances, o.stance)
                + ("（" + esc(o.text) + "）" if o.text else "")
                + (answer + esc(o.response) if o.response else "")
                + "</p>"
            )
        row["head"] = mark_safe(  # noqa: S308 - every text value escaped
            f"\n      <h2>{n}. {esc(m.title)}</h2>"
            f"\n      <p>{linebreaksbr(m.description)}</p>"
            f"\n      {goals + esc(m.goals) + '</p>' if m.goals else ''}"
            f"\n      {opinion}"
            "\n      "
        )
    return rows


# ---- 专家论证任务 -----------------------------------------------------------------------------------------


def review_rows(reviews) -> SafeString:
    """The expert's own assignments (one page of them)."""
    areas = _labels(ReformArea.choices)
    done = '<span class="ok">' + esc(_("已提交")) + "</span>"
    pending = '<span class="warn">' + esc(_("待论证")) + "</span>"
    view, score = esc(_("查看")), esc(_("论证打分"))
    url = reverse("catalog:review", args=[987654321])
    return _safe(
        f'<tr data-review="{int(r.pk)}">\n          '
        f"<td>{int(r.measure.cycle.year)}</td><td>{esc(r.measure.title)}</td>"
        f"<td>{_display(areas, r.measure.area)}</td>\n          "
        f"<td>{done if r.submitted_at else pending}</td>\n          "
        f'<td><a href="{url.replace("987654321", str(int(r.pk)))}">{view if r.submitted_at else score}</a></td>\n'
        "        </tr>"
        for r in reviews
    )


def measure_rows(measures, start):
    """Each measure's table row as one piece of markup, made here rather than in a template loop: at 50 rows the
    loop's lookups, localisation and ``{% url %}`` per row were most of the page's time (issue 19). The same
    markup as the template wrote (tests/catalog/test_lists.py compares them on hostile text); every value but
    the integers is escaped."""
    detail = reverse("catalog:measure_detail", args=[987654321])
    included, excluded = esc(_("列入")), '<span class="late">' + esc(_("不列入")) + "</span>"
    pad = "\n          "
    for n, m in enumerate(measures, start=start):
        stats = m.stats
        score = (
            f"{esc(stats['total_avg'])}（{stats['total_min']}—{stats['total_max']}）"
            if stats["total_avg"] is not None
            else "—"
        )
        sources = "<br>".join(f"{esc(region)}·{esc(title)}" for region, title in m.source_labels)
        m.row_html = mark_safe(  # noqa: S308 - every text value escaped above; the rest are integers
            f'<tr data-measure="{int(m.pk)}">{pad}<td>{int(n)}</td>'
            f'{pad}<td><a href="{detail.replace("987654321", str(int(m.pk)))}">{esc(m.title)}</a></td>'
            f"{pad}<td>{esc(m.get_area_display())}</td>"
            f"{pad}<td>{sources}</td>"
            f"{pad}<td>{int(stats['submitted'])}/{int(stats['assigned'])}</td>"
            f"{pad}<td>{score}</td>"
            f"{pad}<td>{included if m.included else excluded}</td>"
            "\n        </tr>"
        )
    return measures


def two_places(score) -> str:
    """``floatformat:2`` of a similarity score (half up, "." as the Chinese and English pages write it), without the
    filter's localisation per call: 250 calls a page."""
    return format(Decimal(repr(float(score))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")


def merge_rows(rows, *, year, selected, csrf_token):
    """Each merge row's ``<tr>`` as one piece of markup, made here rather than in the template's loop: 50 rows with
    up to five similar proposals each made the loop (lookups, localisation, ``{% url %}``, ``floatformat``) most of
    the page's time, 14× the layout floor (issue 19). ``rows``: ``catalog.selectors.merge_rows`` (columns, not
    models). The same markup the template wrote (tests/catalog/test_views.py compares them on hostile text); every
    value but the integers is escaped. The area's label is looked up in the choices once per page, not with
    ``get_area_display`` per row (which hashes every lazy label of the choices on each call)."""
    urls = {
        name: reverse(f"catalog:{name}", args=[987654321]).replace("987654321", "{}")
        for name in ("measure_detail", "reject", "unreject")
    }
    compare = reverse("catalog:merge_compare")
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">'
    year = int(year)
    choose, none = esc(_("选择")), esc(_("无"))
    badges = {
        "merged": '<span class="badge submitted">' + esc(_("已合并")) + "</span>",
        "rejected": '<span class="badge returned">' + esc(_("未采纳")) + "</span>",
        "open": '<span class="badge">' + esc(_("待处理")) + "</span>",
    }
    reject_form = (
        '\n              <form method="post" action="{action}">'
        + csrf
        + '<label class="muted" for="reason-{pk}">'
        + esc(_("未采纳理由"))
        + '</label><textarea id="reason-{pk}" name="reason" rows="2" required></textarea><button type="submit">'
        + esc(_("标记未采纳"))
        + "</button></form>\n            "
    )
    unreject_form = (
        '\n              <form method="post" action="{action}">'
        + csrf
        + '<button type="submit">'
        + esc(_("撤销未采纳"))
        + "</button></form>\n            "
    )
    compare_label = esc(_("对照"))
    near = _("与%(y)s年度清单 %(n)s“%(t)s”相近")
    areas = _labels(ReformArea.choices)
    pad = "\n            "
    for row in rows:
        state = row["state"]
        pk = int(row["pk"])
        title = esc(row["title"])
        check = (
            f'<input type="checkbox" name="proposals" value="{pk}" form="merge-form" aria-label="{choose} {title}"'
            + (" checked" if row["pk"] in selected else "")
            + ">"
            if state == "open"
            else ""
        )
        earlier = row["earlier"]
        mark = (
            '<div data-testid="earlier-mark" class="muted">'
            + near % {"y": esc(earlier["year"]), "n": esc(earlier["number"]), "t": esc(earlier["title"])}
            + "</div>"
            if earlier
            else ""
        )
        if state == "merged":
            handling = (
                f'{badges[state]} <a href="{urls["measure_detail"].format(int(row["measure_id"]))}">'
                f"{esc(row['measure_title'])}</a>{pad}"
            )
        elif state == "rejected":
            handling = f'{badges[state]} <span class="muted">{esc(row["reason"])}</span>{pad}'
        else:
            handling = badges["open"]
        similar = (
            "".join(
                f'<li><a href="?year={year}&amp;region={esc(o["region_code"])}#proposal-{int(o["pk"])}">'
                f"{esc(o['region_name'])}·{esc(o['title'])}</a> "
                f'<span class="muted">（{two_places(o["score"])}）</span> '
                f'<a href="{compare}?year={year}&amp;a={pk}&amp;b={int(o["pk"])}">{compare_label}</a></li>'
                for o in row["similar"]
            )
            or f'<li class="muted">{none}</li>'
        )
        if state == "open":
            actions = reject_form.format(action=urls["reject"].format(pk), pk=pk)
        elif state == "rejected":
            actions = unreject_form.format(action=urls["unreject"].format(pk))
        else:
            actions = ""
        row["html"] = mark_safe(  # noqa: S308 - every text value escaped above; the rest are integers
            f'\n          <tr id="proposal-{pk}" data-proposal="{pk}" data-state="{esc(state)}">'
            f"{pad}<td>{check}</td>"
            f"{pad}<td>{esc(row['region_name'])}</td>"
            f"{pad}<td>{esc(areas.get(row['area'], row['area']) or '—')}</td>"
            f'{pad}<td><strong data-testid="proposal-title">{title}</strong>'
            f'<div class="muted">{esc(truncate_chars(row["content"], 80))}</div>{mark}</td>'
            f"{pad}<td>{handling}</td>"
            f'{pad}<td><ol class="similar" data-testid="similar">{similar}</ol></td>'
            f"{pad}<td>{actions}</td>"
            "\n          </tr>\n        "
        )
    return rows

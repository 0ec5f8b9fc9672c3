"""SVG charts (issue 18 §9): the geometry matches the numbers, and the pages draw them without style="" (CSP)."""

import datetime

from reform_portal import charts


def test_stacked_bars_share_one_scale_and_stack_left_to_right():
    chart = charts.stacked_bars(
        "t",
        [
            ("浙江", [(3, "done", ""), (1, "overdue", ""), (0, "open", "")]),
            ("江苏", [(2, "done", ""), (6, "open", "")]),
        ],
        legend=[],
        width=560,
        label_width=150,
    )
    plot = 560 - 150 - 70
    zj, js = chart.bars
    assert [s.css for s in zj.segments] == ["done", "overdue"]  # a zero part draws nothing
    assert zj.segments[0].x == 150 and zj.segments[0].width == round(plot * 3 / 8, 1)
    assert zj.segments[1].x == round(150 + plot * 3 / 8, 1)
    assert sum(s.width for s in js.segments) == plot  # the largest total fills the plot
    assert zj.text == "3 / 1 / 0" and js.y > zj.y


def test_heat_map_places_row_r_column_c():
    chart = charts.heat_map(
        "t",
        ["a", "b"],
        ["1", "2", "3"],
        [[("none", "")] * 3, [("bid", ""), ("awarded", ""), ("none", "")]],
        legend=[],
    )
    cell = chart.cells[3 + 1]  # row 1, column 1
    assert (cell.css, cell.x, cell.y) == ("awarded", chart.label_width + chart.size, chart.top + chart.size)
    assert len(chart.cells) == 6


def test_timeline_marks_today_inside_the_year_only():
    stages = [
        ("一", datetime.date(2027, 4, 30), "stage-past"),
        ("二", datetime.date(2027, 12, 31), "stage-now"),
    ]
    start = datetime.date(2027, 1, 1)
    inside = charts.timeline("t", start, stages, today=datetime.date(2027, 7, 2), today_label="")
    assert inside.spans[0].x == 4 and inside.spans[1].x == inside.spans[0].x + inside.spans[0].width
    assert 4 < inside.today_x < inside.width - 4
    assert (
        charts.timeline("t", start, stages, today=datetime.date(2029, 1, 1), today_label="").today_x is None
    )


def test_the_dashboard_draws_the_years_stages_with_the_current_one_marked(client, reviewer):
    import re

    from django.urls import reverse

    from reform_portal.services import local_today

    from .. import factories as f

    cycle = f.CycleFactory()
    client.force_login(reviewer)
    html = client.get(reverse("dashboard"), {"year": cycle.year}).content.decode()
    svg = re.search(r'<svg[^>]*data-testid="chart-timeline".*?</svg>', html, re.S).group(0)
    assert "style=" not in svg
    spans = re.findall(r'<g class="span" data-end="([\d-]+)">\s*<rect [^>]*class="(stage-\w+)"', svg)
    assert [end for end, _css in spans] == [
        str(d)
        for d in (
            cycle.proposal_deadline,
            cycle.bidding_opens,
            cycle.bidding_deadline,
            cycle.implementation_end,
            cycle.evaluation_due,
        )
    ]
    stage = cycle.stage_on(local_today())
    now = [i for i, (_e, css) in enumerate(spans) if css == "stage-now"]
    assert len(now) == (0 if stage == "closed" else 1)


# The bars as templates/reform_portal/charts/bars.html looped over them before issue 19 (the reference).
_BARS_LOOP = """{% for bar in chart.bars %}<g class="bar" data-label="{{ bar.label }}">
      <text x="{{ chart.label_width|add:-6 }}" y="{{ bar.y|add:12 }}" text-anchor="end" class="chart-label">{{ bar.label|truncatechars:12 }}</text>
      {% for s in bar.segments %}<rect x="{{ s.x }}" y="{{ bar.y }}" width="{{ s.width }}" height="{{ chart.bar_height }}" class="{{ s.css }}"><title>{{ s.title }}</title></rect>{% endfor %}
      <text x="{{ chart.width|add:-66 }}" y="{{ bar.y|add:12 }}" class="chart-value">{{ bar.text }}</text>
    </g>{% endfor %}"""


def test_bars_svg_is_the_template_loops_markup_on_hostile_text():
    """The bars are joined in Python (issue 19): byte for byte what the template's loop wrote — labels escaped and
    cut to 12 characters, tooltips and classes escaped, float coordinates as the template printed them."""
    from django.template import engines

    hostile = '<script>alert("x")</script>&\'甲'
    rows = [
        (hostile, [(3, "done", f"{hostile}：已完成 3"), (1, 'over"due', hostile), (0, "open", "")]),
        ("北京市 一项名称很长很长很长的改革任务", [(7, "done", "a & b"), (2, "open", "<b>")]),
        ("零", [(0, "done", ""), (0, "open", "")]),
        *((f"地区{i}", [(i, "done", f"t{i}"), (50 - i, "open", "")]) for i in range(1, 50)),
    ]
    chart = charts.stacked_bars("t", rows, legend=[("x", "done")], desc="d")
    assert any(s.width != int(s.width) for bar in chart.bars for s in bar.segments)  # floats are printed
    assert chart.bars[-1].y > 1000  # no thousands separator either way
    expected = engines["django"].from_string(_BARS_LOOP).render({"chart": chart})
    assert str(chart.bars_svg) == expected
    assert "<script>" not in expected and "&lt;script&gt;" in expected


def test_bar_labels_are_cut_once_per_label_and_language(monkeypatch):
    """A bar's short label is remembered per label and language (issue 19: ``Truncator`` cost ≈0.9 ms for the
    progress page's 81 bars, the same on every visit) and stays what ``truncatechars:12`` writes in each language,
    combining marks not counted."""
    from django.template import engines
    from django.utils import translation
    from django.utils.text import Truncator

    cut = []

    class Counting(Truncator):
        def chars(self, *args, **kwargs):
            cut.append(str(self))
            return super().chars(*args, **kwargs)

    monkeypatch.setattr(charts, "Truncator", Counting)
    forget = getattr(getattr(charts, "_short_label", None), "cache_clear", None)
    if forget:  # labels remembered by earlier tests
        forget()
    rows = [(f"地区{i} 一项名称很长的改革<任务>e\u0301", [(1, "done", "")]) for i in range(3)]
    rows.append(("短<b>", [(2, "open", "")]))
    chart = charts.stacked_bars("t", rows, legend=[("x", "done")])
    drawn = {}
    for language in ("zh-hans", "en", "zh-hans", "en"):
        with translation.override(language):
            drawn.setdefault(language, str(chart.bars_svg))
            assert str(chart.bars_svg) == drawn[language]
            assert drawn[language] == engines["django"].from_string(_BARS_LOOP).render({"chart": chart})
    assert len(cut) == 8  # four labels in two languages, not once per drawing
    assert drawn["zh-hans"] != drawn["en"] and "&lt;" in drawn["en"]  # the ellipsis is translated

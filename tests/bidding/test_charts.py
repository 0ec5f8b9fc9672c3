"""The progress page and the 揭榜 matrix draw their numbers as SVG (issue 18 §9): one bar per region and per task
with done / overdue / open milestones, one heat-map cell per region × entry; attributes and classes only."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from bidding import services

from ..bidding import scenarios as fb

CODES = ["330000", "320000"]


def _svg(html, testid):
    match = re.search(rf'<svg[^>]*data-testid="{testid}".*?</svg>', html, re.S)
    assert match, testid
    svg = match.group(0)
    assert "style=" not in svg and "<script" not in svg
    return svg


def test_progress_page_draws_each_regions_milestones(client, bcycle, entries, reviewer):
    drc, scitech = fb.region_pair("330000")
    tasks = fb.allocated(bcycle, reviewer, drc, scitech, entries[:3])
    services.milestone_add(task=tasks[0], by=drc, fields=fb.milestone_fields(days=1, title="逾期节点"))
    services.milestone_add(task=tasks[0], by=drc, fields=fb.milestone_fields(days=40, title="未到期节点"))
    # time passes: the first node's day is behind us (a milestone cannot be planned in the past)
    tasks[0].milestones.filter(title="逾期节点").update(
        due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    client.force_login(reviewer)
    html = client.get(reverse("bidding:progress")).content.decode()
    regions = _svg(html, "chart-regions")
    bar = re.search(r'<g class="bar" data-label="浙江省">(.*?)</g>', regions, re.S).group(1)
    assert re.findall(r'class="(done|overdue|open)"', bar) == ["overdue", "open"]
    assert "0 / 1 / 1" in bar
    tasks_svg = _svg(html, "chart-tasks")
    assert tasks_svg.count('<g class="bar"') == 3


def test_matrix_draws_a_heat_map_cell_per_region_and_entry(client, bcycle, entries, reviewer):
    drc, scitech = fb.region_pair("330000")
    fb.submitted_bid_set(bcycle, drc, scitech, entries[:3])
    client.force_login(reviewer)
    page = client.get(reverse("bidding:matrix"))
    svg = _svg(page.content.decode(), "chart-matrix")
    n_regions, n_entries = len(page.context["rows"]), len(page.context["columns"])
    assert len(re.findall(r'<rect x="\d+" y="\d+"', svg)) == n_regions * n_entries
    assert svg.count('class="bid"') == 3
    assert svg.count('class="awarded"') == 0


def test_matrix_heat_map_is_drawn_once_per_content_and_redrawn_after_any_change(
    client, bcycle, entries, reviewer, monkeypatch
):
    """The heat map is kept by a digest of what it prints (issue 19): a second view draws nothing, an award, a new
    bid set or a renamed region gives a new drawing at once, and the kept drawing equals a fresh one."""
    from bidding import views
    from reform_portal.models import Region

    drawn = []
    real = views._draw_matrix_chart

    def counting(cycle, data):
        drawn.append(cycle.pk)
        return real(cycle, data)

    monkeypatch.setattr(views, "_draw_matrix_chart", counting)
    drc, scitech = fb.region_pair("330000")
    bid_set = fb.submitted_bid_set(bcycle, drc, scitech, entries[:3])
    client.force_login(reviewer)

    def svg():
        return _svg(client.get(reverse("bidding:matrix")).content.decode(), "chart-matrix")

    first = svg()
    assert len(drawn) == 1 and first.count('class="bid"') == 3
    assert svg() == first and len(drawn) == 1  # the same content: the kept drawing
    services.tasks_award(cycle=bcycle, bids=list(bid_set.bids.all())[:1], by=reviewer)
    awarded = svg()
    assert len(drawn) == 2 and awarded.count('class="awarded"') == 1 and awarded.count('class="bid"') == 2
    fb.submitted_bid_set(bcycle, *fb.region_pair("320000"), entries[:3])
    assert svg().count('class="bid"') == 5 and len(drawn) == 3
    Region.objects.filter(code="330000").update(name="浙江省<b>")
    renamed = svg()
    assert len(drawn) == 4 and "浙江省&lt;b&gt;" in renamed and "<b>" not in renamed
    # the kept drawing is the fresh one, byte for byte
    monkeypatch.setattr(views, "_draw_matrix_chart", real)
    from django.core.cache import cache

    cache.clear()
    assert svg() == renamed

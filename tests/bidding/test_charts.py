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

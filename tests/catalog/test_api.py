"""The published 举措清单 over the API (DECISIONS §18): every published version of every year with its entries,
for anyone; a draft version does not exist (404)."""

import pytest
from rest_framework.test import APIClient

from catalog import services as cs

from .. import factories as f
from ..bidding import scenarios as fb

pytestmark = pytest.mark.django_db


def test_every_published_version_is_listed_newest_first_and_drafts_are_not(cycle, reviewer):
    fb.publish_list(cycle, n=2, version=1)
    fb.publish_list(cycle, n=3, version=2)
    draft = cs.list_draft(cycle=cycle, by=reviewer)
    response = APIClient().get("/api/v1/lists/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["year"], r["version"]) for r in rows] == [(cycle.year, 2), (cycle.year, 1)]
    assert draft.pk not in [r["id"] for r in rows]
    assert APIClient().get(f"/api/v1/lists/{draft.pk}/").status_code == 404


def test_a_year_filter_and_a_bad_year(cycle):
    other = f.CycleFactory(year=cycle.year - 1)
    fb.publish_list(cycle, n=1)
    fb.publish_list(other, n=1)
    years = {r["year"] for r in APIClient().get(f"/api/v1/lists/?year={other.year}").json()["results"]}
    assert years == {other.year}
    for bad in ("²", "abc", "99999"):
        assert APIClient().get("/api/v1/lists/", {"year": bad}).json()["results"] == []


def test_a_version_carries_its_entries_in_order(cycle):
    entries = fb.publish_list(cycle, n=3, version=1)
    mlist = entries[0].measure_list
    data = APIClient().get(f"/api/v1/lists/{mlist.pk}/").json()
    assert [e["number"] for e in data["entries"]] == [e.number for e in entries]
    assert data["entries"][0]["title"] == entries[0].title
    assert data["entries"][0]["area_label"] == "促进技术要素市场体系建设"
    assert data["year"] == cycle.year and data["version"] == 1

"""建议书 over the API (DECISIONS §18): a region files its book with the same rules as the page — the services'
deadlines, the joint sign-off by both departments' users, optimistic locking (409 on a stale revision, 412 on a
stale If-Match, Chinese messages), the kernel text validator at the field, another region's book 404."""

import pytest

from proposals.enums import BookState
from proposals.models import MeasureProposal, ProposalBook

from .. import factories as f
from ..reform_portal.api_scenarios import token_client
from . import scenarios as fp

pytestmark = pytest.mark.django_db


def body(n=1, **overrides):
    data = dict(fp.proposal_fields(n), results=[{"indicator": "赋权成果数", "unit": "项", "target": "100"}])
    data.update(overrides)
    return data


COVER = {
    "contact_name": "王建国",
    "contact_phone": "0571-87051234",
    "summary": "围绕科技成果转化提出改革举措。",
}


def test_a_region_files_its_book_through_the_api_with_both_departments(cycle, region_a_drc, region_a_scitech):
    drc, scitech = token_client(region_a_drc), token_client(region_a_scitech)
    opened = drc.post("/api/v1/books/", {"year": cycle.year}, format="json")
    assert opened.status_code == 201
    book_id = opened.json()["id"]
    assert drc.post("/api/v1/books/", {"year": cycle.year}, format="json").status_code == 200
    for n in (1, 2, 3):
        created = drc.post(f"/api/v1/books/{book_id}/proposals/", body(n), format="json")
        assert created.status_code == 201, created.json()
    assert drc.patch(f"/api/v1/books/{book_id}/", COVER, format="json").status_code == 200
    version = drc.get(f"/api/v1/books/{book_id}/").json()["version"]
    signed = drc.post(f"/api/v1/books/{book_id}/sign/", {"version": version}, format="json")
    assert signed.status_code == 200 and signed.json()["drc_signed"] and not signed.json()["scitech_signed"]
    refused = drc.post(f"/api/v1/books/{book_id}/submit/", format="json")
    assert refused.status_code == 400 and "科技" in str(refused.json())
    # the same department's user signing again does not stand for the other department
    drc.post(f"/api/v1/books/{book_id}/sign/", {"version": version}, format="json")
    assert drc.post(f"/api/v1/books/{book_id}/submit/", format="json").status_code == 400
    assert (
        scitech.post(f"/api/v1/books/{book_id}/sign/", {"version": version}, format="json").status_code == 200
    )
    submitted = scitech.post(f"/api/v1/books/{book_id}/submit/", format="json")
    assert submitted.status_code == 200 and submitted.json()["state"] == BookState.SUBMITTED
    assert ProposalBook.objects.get(pk=book_id).submitted_by == region_a_scitech


def test_a_sign_off_on_a_version_the_caller_did_not_read_is_409(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc)
    response = token_client(region_a_drc).post(
        f"/api/v1/books/{book.pk}/sign/", {"version": book.version - 1}, format="json"
    )
    assert response.status_code == 409 and "本次确认未生效" in response.json()["detail"]


def test_optimistic_locking_by_etag_and_if_match_or_by_revision(cycle, region_a_drc, region_a_scitech):
    book = fp.make_book(cycle, region_a_drc)
    proposal = book.proposals.first()
    drc, scitech = token_client(region_a_drc), token_client(region_a_scitech)
    url = f"/api/v1/proposals/{proposal.pk}/"
    read = drc.get(url)
    assert read["ETag"] == '"1"'
    saved = scitech.patch(url, {"keywords": "赋权"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert saved.status_code == 200 and saved["ETag"] == '"2"'
    assert saved.json()["results"] and saved.json()["entities"] == []  # a PATCH keeps what it does not name
    stale = drc.patch(url, {"title": "另一个名称"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412 and "已被他人修改" in stale.json()["detail"]
    stale = drc.patch(url, {"title": "另一个名称", "revision": 1}, format="json")
    assert stale.status_code == 409 and "您的修改尚未保存" in stale.json()["detail"]
    missing = drc.patch(url, {"title": "另一个名称"}, format="json")
    assert missing.status_code == 400 and "revision" in missing.json()
    assert MeasureProposal.objects.get(pk=proposal.pk).title == proposal.title


def test_text_is_checked_by_the_kernel_validator_at_the_field(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=1)
    drc = token_client(region_a_drc)
    bad = drc.post(f"/api/v1/books/{book.pk}/proposals/", body(2, title="成果赋权\ue000试点"), format="json")
    assert bad.status_code == 400 and "私用区字符" in bad.json()["title"][0]
    half = drc.post(
        f"/api/v1/books/{book.pk}/proposals/", body(2, results=[{"indicator": "赋权成果数"}]), format="json"
    )
    assert half.status_code == 400 and "results[0]" in half.json()
    national = drc.post(
        f"/api/v1/books/{book.pk}/proposals/", body(2, authority_level="national"), format="json"
    )
    assert "需国家层面协调的举措" in national.json()["coordination_departments"][0]
    assert book.proposals.count() == 1


def test_the_deadline_holds_over_the_api(region_a_drc):
    cycle = f.CycleFactory(stage="proposal")
    book = fp.make_book(cycle, region_a_drc, n=1)
    for name, value in f.cycle_dates("review").items():
        setattr(cycle, name, value)
    cycle.save()
    drc = token_client(region_a_drc)
    refused = drc.post(f"/api/v1/books/{book.pk}/proposals/", body(2), format="json")
    assert refused.status_code == 403 and "已过建议书报送截止时间" in refused.json()["detail"]
    other = f.CycleFactory(year=cycle.year + 1, stage="review")
    late = drc.post("/api/v1/books/", {"year": other.year}, format="json")
    assert late.status_code == 400 and "已截止" in late.json()["year"][0]


def test_another_regions_book_does_not_exist_for_it(cycle, region_a_drc, region_b_drc):
    book = fp.make_book(cycle, region_a_drc, n=1)
    proposal = book.proposals.get()
    other = token_client(region_b_drc)
    assert other.get(f"/api/v1/books/{book.pk}/").status_code == 404
    assert other.get(f"/api/v1/proposals/{proposal.pk}/").status_code == 404
    assert other.patch(f"/api/v1/proposals/{proposal.pk}/", {"revision": 1}, format="json").status_code == 404
    assert other.delete(f"/api/v1/proposals/{proposal.pk}/").status_code == 404
    assert other.get("/api/v1/books/").json() == []


def test_reviewers_read_submitted_books_only_and_never_write(
    cycle, region_a_drc, region_a_scitech, region_b_drc, reviewer
):
    draft = fp.make_book(cycle, region_b_drc, n=1)
    submitted = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    client = token_client(reviewer)
    assert [b["id"] for b in client.get("/api/v1/books/").json()] == [submitted.pk]
    assert client.get(f"/api/v1/books/{draft.pk}/").status_code == 404
    proposal = submitted.proposals.first()
    refused = client.patch(
        f"/api/v1/proposals/{proposal.pk}/", {"revision": proposal.revision}, format="json"
    )
    assert refused.status_code == 403


def test_a_proposal_is_deleted_through_the_service(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=2)
    first = book.proposals.order_by("position").first()
    assert token_client(region_a_drc).delete(f"/api/v1/proposals/{first.pk}/").status_code == 204
    assert [p.position for p in book.proposals.all()] == [1]
    assert book.history.first().history_change_reason.startswith("删除举措")

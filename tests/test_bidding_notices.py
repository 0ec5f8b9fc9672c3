"""揭榜任务通知书: one per region, numbered from a per-year sequence (unique and sequential even when issued
concurrently on PostgreSQL), rendered once in official-letter style and never regenerated."""
import hashlib
import io
import threading

import pdfplumber
import pytest
from django.db import connection, connections
from django.urls import reverse

from bidding import services
from bidding.enums import TaskState
from bidding.models import NoticeSequence, Task, TaskNotice
from reform_portal.enums import OrgKind
from reform_portal.services import local_today

from . import factories as f
from . import factories_bidding as fb


def read(field):
    with field.open("rb") as fh:
        return fh.read()


def pdf_text(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


@pytest.fixture
def bcycle(db):
    return fb.bidding_cycle()


@pytest.fixture
def entries(bcycle):
    return fb.publish_list(bcycle, n=4)


@pytest.mark.django_db
def test_the_letter_lists_the_region_and_all_its_tasks(bcycle, entries, region_a_drc, region_a_std, reviewer):
    tasks = fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_std, entries[:3])
    notice = services.notice_issue(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    year = local_today().year
    assert (notice.year, notice.sequence, notice.doc_number) == (year, 1, f"发改高技〔{year}〕1号")
    data = read(notice.pdf)
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == notice.sha256
    text = pdf_text(data)
    assert "浙江省" in text
    for task in tasks:
        assert task.entry.title in text.replace("\n", "")
    assert f"发改高技〔{year}〕1号" in text
    assert "国家发展改革委" in text and "科技部" in text
    assert {t.state for t in Task.objects.filter(region=region_a_drc.region)} == {TaskState.PLANNING}


@pytest.mark.django_db
def test_numbers_are_sequential_per_year_and_the_prefix_is_a_setting(settings, bcycle, entries, region_a_drc,
                                                                      region_a_std, region_b_drc, reviewer):
    settings.PORTAL_NOTICE_NUMBER_PREFIX = "发改高技函"
    js_std = f.regional_user("320000", OrgKind.REGIONAL_STD)
    fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_std, entries[:3])
    fb.awarded_tasks(bcycle, reviewer, region_b_drc, js_std, entries[1:4])
    NoticeSequence.objects.create(year=local_today().year, last=11)  # letters already sent this year
    zj = services.notice_allocate(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    js = services.notice_allocate(cycle=bcycle, region=region_b_drc.region, by=reviewer)
    year = local_today().year
    assert [zj.doc_number, js.doc_number] == [f"发改高技函〔{year}〕12号", f"发改高技函〔{year}〕13号"]


@pytest.mark.django_db
def test_reissuing_returns_the_stored_letter_unchanged(bcycle, entries, region_a_drc, region_a_std, reviewer):
    fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_std, entries[:3])
    first = services.notice_issue(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    stored = read(first.pdf)
    # Someone renames a task's entry afterwards: the issued letter must not change.
    entry = entries[0]
    entry.title = "改过的标题"
    entry.save()
    again = services.notice_issue(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    assert (again.pk, again.doc_number, again.sha256, again.pdf.name) == (first.pk, first.doc_number, first.sha256,
                                                                           first.pdf.name)
    assert read(again.pdf) == stored
    assert TaskNotice.objects.count() == 1
    assert NoticeSequence.objects.get().last == 1


@pytest.mark.django_db
def test_no_tasks_can_be_added_after_the_letter(bcycle, entries, region_a_drc, region_a_std, reviewer):
    fb.allocated(bcycle, reviewer, region_a_drc, region_a_std, entries[:3])
    from bidding.models import Bid

    bid = Bid.objects.filter(bid_set__region=region_a_drc.region).first()
    Task.objects.filter(bid=bid).delete()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        services.tasks_award(cycle=bcycle, bids=[bid], by=reviewer)
    assert err.value.messages == ["浙江省的揭榜任务通知书已下达，不能再追加任务。"]


@pytest.mark.django_db
def test_download_is_an_attachment_for_the_region_and_reviewers(client, bcycle, entries, region_a_drc, region_a_std,
                                                                reviewer, region_b_drc, implementer):
    fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_std, entries[:3])
    notice = services.notice_issue(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    url = reverse("bidding:notice_download", args=[notice.pk])
    for user in (region_a_drc, region_a_std, reviewer):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith(
            f'attachment; filename="notice-{notice.year}-{notice.sequence}.pdf"; filename*=UTF-8\'\'')
        assert hashlib.sha256(response.content).hexdigest() == notice.sha256
    for user in (region_b_drc, implementer):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_a_tampered_file_is_not_served(client, bcycle, entries, region_a_drc, region_a_std, reviewer):
    fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_std, entries[:3])
    notice = services.notice_issue(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    with open(notice.pdf.path, "ab") as fh:
        fh.write(b"tampered")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.notice_pdf_bytes(notice)


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_takes_unique_sequential_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    reviewer = f.national_user(username="ndrc")
    codes = ["330000", "320000", "440000", "310000"]
    for code in codes:
        drc, std = fb.region_pair(code)
        fb.awarded_tasks(cycle, reviewer, drc, std, entries)
    regions = [f.region(code) for code in codes]
    barrier = threading.Barrier(len(regions) * 2)
    results, errors = [], []

    def issue(region):
        try:
            barrier.wait()
            results.append(services.notice_allocate(cycle=cycle, region=region, by=reviewer).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    # Two workers per region, all at once: every region gets exactly one letter, numbers 1..n without gaps.
    threads = [threading.Thread(target=issue, args=(r,)) for r in regions for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    notices = list(TaskNotice.objects.order_by("sequence"))
    assert sorted({n.region.code for n in notices}) == sorted(codes)
    assert [n.sequence for n in notices] == [1, 2, 3, 4]
    assert len(set(results)) == 4
    assert NoticeSequence.objects.get(year=local_today().year).last == 4

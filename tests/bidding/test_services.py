"""bidding/services.py: claims and their submission, withdrawal, the letters, the plan and progress, row
locks, the first visit."""

import datetime
import hashlib
import io
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from bidding import services
from bidding import services as bs
from bidding.enums import BidSetState, MilestoneStatus, TaskState
from bidding.models import ProgressReport, Task, TaskNotice
from catalog.enums import ListState
from reform_portal import docnumbers
from reform_portal.enums import OrgKind, Stage
from reform_portal.models import DocNumberRegister, ReformCycle
from reform_portal.services import extension_grant, local_today

from .. import factories as f
from ..reform_portal import office_files as of
from ..reform_portal.scenarios import _other_region_is_not_blocked, _race
from . import scenarios as fb

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------------------
# Notice 三(三): each region claims ≥3 entries of the published list; both departments confirm; submission
# inside the bidding window (Asia/Shanghai, extensions per region) — all enforced in the services.

SH = ZoneInfo("Asia/Shanghai")


def test_two_claims_are_refused_with_a_chinese_message(bcycle, entries, region_a_drc, region_a_scitech):
    bid_set = fb.signed_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:2])
    with pytest.raises(ValidationError) as err:
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc)
    assert err.value.messages == ["每个地方年度揭榜改革任务不少于3项，当前为2项。"]
    bid_set.refresh_from_db()
    assert bid_set.state == BidSetState.DRAFT


def test_three_claims_confirmed_by_both_departments_are_submitted(
    bcycle, entries, region_a_drc, region_a_scitech
):
    bid_set = fb.signed_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3])
    bid_set = services.bid_set_submit(bid_set=bid_set, by=region_a_scitech)
    assert (bid_set.state, bid_set.submitted_by, bid_set.bids.count()) == (
        BidSetState.SUBMITTED,
        region_a_scitech,
        3,
    )


def test_the_minimum_comes_from_the_cycle(entries, bcycle, region_a_drc, region_a_scitech):
    bcycle.min_bids = 4
    bcycle.save()
    bid_set = fb.signed_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3])
    with pytest.raises(ValidationError) as err:
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc)
    assert err.value.messages == ["每个地方年度揭榜改革任务不少于4项，当前为3项。"]


def test_one_department_is_not_a_joint_sign_off(bcycle, entries, region_a_drc):
    colleague = f.regional_user("330000", OrgKind.REGIONAL_DRC)
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:3])
    services.bid_set_sign(bid_set=bid_set, by=region_a_drc)
    services.bid_set_sign(bid_set=bid_set, by=colleague)
    with pytest.raises(ValidationError) as err:
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc)
    assert err.value.messages == ["须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。"]


@pytest.mark.parametrize("edit", ["add", "change", "delete"])
def test_any_edit_after_sign_off_clears_both(bcycle, entries, region_a_drc, region_a_scitech, edit):
    bid_set = fb.signed_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:4])
    version = bid_set.version
    if edit == "add":
        services.bid_save(bid_set=bid_set, entry=entries[4], fields=fb.bid_fields(), by=region_a_scitech)
    elif edit == "change":
        services.bid_save(
            bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(approach="新思路"), by=region_a_scitech
        )
    else:
        services.bid_delete(bid=bid_set.bids.first(), by=region_a_scitech)
    bid_set.refresh_from_db()
    assert (bid_set.drc_signed_by, bid_set.scitech_signed_by, bid_set.version) == (None, None, version + 1)
    with pytest.raises(ValidationError):
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc)


def test_a_submitted_bid_set_cannot_be_edited(bcycle, entries, region_a_drc, region_a_scitech):
    bid_set = fb.submitted_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3])
    with pytest.raises(PermissionDenied) as err:
        services.bid_save(bid_set=bid_set, entry=entries[3], fields=fb.bid_fields(), by=region_a_drc)
    assert str(err.value) == "揭榜申报已报送，不能再修改。"


def test_only_entries_of_the_latest_published_version_can_be_claimed(bcycle, entries, region_a_drc):
    newer = fb.publish_list(bcycle, n=3, version=2)
    bid_set = services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(), by=region_a_drc)
    assert err.value.messages == ["只能认领本年度最新公布的举措清单中的条目。"]
    assert services.bid_save(bid_set=bid_set, entry=newer[0], fields=fb.bid_fields(), by=region_a_drc).pk


def test_a_draft_list_is_not_biddable(bcycle, region_a_drc):
    entries = fb.publish_list(bcycle, n=3)
    entries[0].measure_list.state = ListState.CONSULTING
    entries[0].measure_list.save()
    assert services.published_list(bcycle) is None
    bid_set = services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(ValidationError):
        services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(), by=region_a_drc)


def test_entity_kinds_must_be_implementing_kinds(bcycle, entries, region_a_drc):
    bid_set = services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.bid_save(
            bid_set=bid_set,
            entry=entries[0],
            by=region_a_drc,
            fields=fb.bid_fields(entity_kinds=[OrgKind.EVALUATOR]),
        )
    assert err.value.message_dict == {
        "entity_kinds": [
            "实施主体类型须为同级职能部门、地方政府、企业、创新型企业、双创示范基地、高等院校或科研院所。"
        ]
    }
    with pytest.raises(ValidationError) as err:
        services.bid_save(
            bid_set=bid_set, entry=entries[0], by=region_a_drc, fields=fb.bid_fields(entity_kinds=[])
        )
    assert err.value.message_dict == {"entity_kinds": ["请至少选择一类拟定实施主体。"]}


def test_another_regions_staff_cannot_bid_for_this_region(bcycle, entries, region_a_drc, region_b_drc):
    bid_set = services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(PermissionDenied):
        services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(), by=region_b_drc)


def _cycle_2027():
    cycle = ReformCycle.objects.create(year=2027, **ReformCycle.defaults_for(2027))  # bidding 7月1日—7月31日
    return cycle, fb.publish_list(cycle, n=4)


def test_submission_at_23_59_59_on_july_31_beijing_time_is_on_time(region_a_drc, region_a_scitech):
    cycle, entries = _cycle_2027()
    with_time = datetime.datetime(2027, 7, 10, 9, tzinfo=SH)
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=region_a_drc.region, by=region_a_drc)
    for e in entries[:3]:
        services.bid_save(bid_set=bid_set, entry=e, fields=fb.bid_fields(), by=region_a_drc, now=with_time)
    services.bid_set_sign(bid_set=bid_set, by=region_a_drc, now=with_time)
    services.bid_set_sign(bid_set=bid_set, by=region_a_scitech, now=with_time)
    bid_set = services.bid_set_submit(
        bid_set=bid_set, by=region_a_drc, now=datetime.datetime(2027, 7, 31, 23, 59, 59, tzinfo=SH)
    )
    assert bid_set.state == BidSetState.SUBMITTED


def _ready(cycle, entries, drc, scitech, at):
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=drc.region, by=drc)
    for e in entries[:3]:
        services.bid_save(bid_set=bid_set, entry=e, fields=fb.bid_fields(), by=drc, now=at)
    services.bid_set_sign(bid_set=bid_set, by=drc, now=at)
    services.bid_set_sign(bid_set=bid_set, by=scitech, now=at)
    return bid_set


def test_submission_one_second_after_midnight_beijing_time_is_refused(region_a_drc, region_a_scitech):
    cycle, entries = _cycle_2027()
    bid_set = _ready(
        cycle, entries, region_a_drc, region_a_scitech, datetime.datetime(2027, 7, 10, 9, tzinfo=SH)
    )
    # 2027-07-31 16:00:01 UTC is 2027-08-01 00:00:01 in Beijing.
    late = datetime.datetime(2027, 7, 31, 16, 0, 1, tzinfo=datetime.UTC)
    with pytest.raises(PermissionDenied) as err:
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc, now=late)
    assert (
        str(err.value) == "已过揭榜截止时间（2027-08-01 00:00），如需修改或报送请联系国家审核人员申请延期。"
    )


def test_bidding_does_not_open_before_july_1_beijing_time(region_a_drc):
    cycle, entries = _cycle_2027()
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(PermissionDenied) as err:
        services.bid_save(
            bid_set=bid_set,
            entry=entries[0],
            fields=fb.bid_fields(),
            by=region_a_drc,
            now=datetime.datetime(2027, 6, 30, 23, 59, 59, tzinfo=SH),
        )
    assert str(err.value) == "揭榜尚未开始（2027-07-01 00:00 开始）。"
    bid = services.bid_save(
        bid_set=bid_set,
        entry=entries[0],
        fields=fb.bid_fields(),
        by=region_a_drc,
        now=datetime.datetime(2027, 7, 1, 0, 0, 0, tzinfo=SH),
    )
    assert bid.pk


def test_an_extension_lets_that_region_submit_late_and_no_other(
    region_a_drc, region_a_scitech, region_b_drc, reviewer
):
    cycle, entries = _cycle_2027()
    region_b_scitech = f.regional_user("320000", OrgKind.REGIONAL_SCITECH)
    at = datetime.datetime(2027, 7, 10, 9, tzinfo=SH)
    zj = _ready(cycle, entries, region_a_drc, region_a_scitech, at)
    js = _ready(cycle, entries, region_b_drc, region_b_scitech, at)
    extension_grant(
        cycle=cycle,
        region=region_a_drc.region,
        stage=Stage.BIDDING,
        until=datetime.date(2027, 8, 5),
        reason="省政府常务会议审议",
        by=reviewer,
    )
    late = datetime.datetime(2027, 8, 5, 23, 59, 59, tzinfo=SH)
    with pytest.raises(PermissionDenied):
        services.bid_set_submit(
            bid_set=zj, by=region_a_drc, now=datetime.datetime(2027, 8, 6, 0, 0, 1, tzinfo=SH)
        )
    with pytest.raises(PermissionDenied):
        services.bid_set_submit(bid_set=js, by=region_b_drc, now=late)
    assert services.bid_set_submit(bid_set=zj, by=region_a_drc, now=late).state == BidSetState.SUBMITTED


# ------------------------------------------------------------------------------------------------------------
# 撤回报送 of a 揭榜申报: inside the window and before any award the region takes its submitted claims back to
# 草稿, corrects them, confirms jointly again and resubmits; afterwards, or once awarded, it cannot.


def test_withdraw_then_correct_sign_again_and_resubmit(bcycle, entries, region_a_drc, region_a_scitech):
    bid_set = fb.submitted_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3])
    bid_set = services.bid_set_withdraw(bid_set=bid_set, by=region_a_scitech)
    assert (bid_set.state, bid_set.submitted_at, bid_set.submitted_by) == (BidSetState.DRAFT, None, None)
    services.bid_save(bid_set=bid_set, entry=entries[3], fields=fb.bid_fields(), by=region_a_drc)
    bid_set.refresh_from_db()
    assert (bid_set.drc_signed_by, bid_set.scitech_signed_by) == (None, None)
    services.bid_set_sign(bid_set=bid_set, by=region_a_drc)
    services.bid_set_sign(bid_set=bid_set, by=region_a_scitech)
    bid_set = services.bid_set_submit(bid_set=bid_set, by=region_a_drc)
    assert (bid_set.state, bid_set.bids.count()) == (BidSetState.SUBMITTED, 4)
    reasons = list(bid_set.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert "撤回揭榜申报" in reasons


def test_a_draft_cannot_be_withdrawn(bcycle, entries, region_a_drc):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:3])
    with pytest.raises(PermissionDenied) as err:
        services.bid_set_withdraw(bid_set=bid_set, by=region_a_drc)
    assert str(err.value) == "揭榜申报尚未报送，无需撤回。"


def test_no_withdraw_once_the_reviewers_awarded_a_claim(
    bcycle, entries, region_a_drc, region_a_scitech, reviewer
):
    bid_set = fb.submitted_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3])
    services.tasks_award(cycle=bcycle, bids=[bid_set.bids.first()], by=reviewer)
    with pytest.raises(PermissionDenied) as err:
        services.bid_set_withdraw(bid_set=bid_set, by=region_a_drc)
    assert str(err.value) == "国家审核人员已确认揭榜，不能撤回报送。"
    bid_set.refresh_from_db()
    assert bid_set.state == BidSetState.SUBMITTED


def test_no_withdraw_after_the_window_closes(region_a_drc, region_a_scitech):
    cycle = ReformCycle.objects.create(year=2027, **ReformCycle.defaults_for(2027))  # bidding 7月1日—7月31日
    entries = fb.publish_list(cycle, n=3)
    inside = datetime.datetime(2027, 7, 10, 9, tzinfo=SH)
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=region_a_drc.region, by=region_a_drc)
    for e in entries:
        services.bid_save(bid_set=bid_set, entry=e, fields=fb.bid_fields(), by=region_a_drc, now=inside)
    services.bid_set_sign(bid_set=bid_set, by=region_a_drc, now=inside)
    services.bid_set_sign(bid_set=bid_set, by=region_a_scitech, now=inside)
    services.bid_set_submit(bid_set=bid_set, by=region_a_drc, now=inside)
    last_second = datetime.datetime(2027, 7, 31, 23, 59, 59, tzinfo=SH)
    with pytest.raises(PermissionDenied) as err:
        services.bid_set_withdraw(
            bid_set=bid_set, by=region_a_drc, now=datetime.datetime(2027, 8, 1, 0, 0, 1, tzinfo=SH)
        )
    assert str(err.value).startswith("已过揭榜截止时间")
    assert (
        services.bid_set_withdraw(bid_set=bid_set, by=region_a_drc, now=last_second).state
        == BidSetState.DRAFT
    )


def test_another_regions_staff_cannot_withdraw(bcycle, entries, region_a_drc, region_a_scitech, region_b_drc):
    bid_set = fb.submitted_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3])
    with pytest.raises(PermissionDenied):
        services.bid_set_withdraw(bid_set=bid_set, by=region_b_drc)


def test_the_page_offers_withdraw_only_while_it_is_possible(
    client, bcycle, entries, region_a_drc, region_a_scitech
):
    fb.submitted_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3])
    client.force_login(region_a_drc)
    url = reverse("bidding:bid_set_withdraw")
    page = client.get(reverse("bidding:bids"))
    assert f'action="{url}"' in page.content.decode()
    page = client.post(url, follow=True)
    html = page.content.decode()
    assert "已撤回揭榜申报，可修改后重新确认并报送。" in html
    assert f'action="{url}"' not in html
    assert page.context["bid_set"].state == BidSetState.DRAFT


# ------------------------------------------------------------------------------------------------------------
# 揭榜任务通知书: one per region, numbered from a per-year sequence (unique and sequential even when issued
# concurrently on PostgreSQL), rendered once in official-letter style and never regenerated.


def read(field):
    with field.open("rb") as fh:
        return fh.read()


def pdf_text(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


@pytest.mark.django_db
def test_the_letter_lists_the_region_and_all_its_tasks(
    bcycle, four_entries, region_a_drc, region_a_scitech, reviewer
):
    tasks = fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
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
def test_numbers_are_sequential_per_year_and_the_prefix_is_a_setting(
    settings, bcycle, four_entries, region_a_drc, region_a_scitech, region_b_drc, reviewer
):
    settings.PORTAL_NOTICE_NUMBER_PREFIX = "发改高技函"
    js_scitech = f.regional_user("320000", OrgKind.REGIONAL_SCITECH)
    fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
    fb.awarded_tasks(bcycle, reviewer, region_b_drc, js_scitech, four_entries[1:4])
    # letters already sent this year: the office sets the register's next number
    docnumbers.set_next(year=local_today().year, prefix="发改高技函", next_number=12, by=None)
    zj = services.notice_allocate(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    js = services.notice_allocate(cycle=bcycle, region=region_b_drc.region, by=reviewer)
    year = local_today().year
    assert [zj.doc_number, js.doc_number] == [f"发改高技函〔{year}〕12号", f"发改高技函〔{year}〕13号"]


@pytest.mark.django_db
def test_reissuing_returns_the_stored_letter_unchanged(
    bcycle, four_entries, region_a_drc, region_a_scitech, reviewer
):
    fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
    first = services.notice_issue(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    stored = read(first.pdf)
    # Someone renames a task's entry afterwards: the issued letter must not change.
    entry = four_entries[0]
    entry.title = "改过的标题"
    entry.save()
    again = services.notice_issue(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    assert (again.pk, again.doc_number, again.sha256, again.pdf.name) == (
        first.pk,
        first.doc_number,
        first.sha256,
        first.pdf.name,
    )
    assert read(again.pdf) == stored
    assert TaskNotice.objects.count() == 1
    assert DocNumberRegister.objects.get().next_number == 2


@pytest.mark.django_db
def test_no_tasks_can_be_added_after_the_letter(
    bcycle, four_entries, region_a_drc, region_a_scitech, reviewer
):
    fb.allocated(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
    from bidding.models import Bid

    bid = Bid.objects.filter(bid_set__region=region_a_drc.region).first()
    Task.objects.filter(bid=bid).delete()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        services.tasks_award(cycle=bcycle, bids=[bid], by=reviewer)
    assert err.value.messages == ["浙江省的揭榜任务通知书已下达，不能再追加任务。"]


@pytest.mark.django_db
def test_download_is_an_attachment_for_the_region_and_reviewers(
    client, bcycle, four_entries, region_a_drc, region_a_scitech, reviewer, region_b_drc, implementer
):
    fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
    notice = services.notice_issue(cycle=bcycle, region=region_a_drc.region, by=reviewer)
    url = reverse("bidding:notice_download", args=[notice.pk])
    for user in (region_a_drc, region_a_scitech, reviewer):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith(
            f"attachment; filename=\"notice-{notice.year}-{notice.sequence}.pdf\"; filename*=UTF-8''"
        )
        assert hashlib.sha256(response.content).hexdigest() == notice.sha256
    for user in (region_b_drc, implementer):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_a_tampered_file_is_not_served(
    client, bcycle, four_entries, region_a_drc, region_a_scitech, reviewer
):
    fb.awarded_tasks(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
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
        drc, scitech = fb.region_pair(code)
        fb.awarded_tasks(cycle, reviewer, drc, scitech, entries)
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
    assert DocNumberRegister.objects.get(year=local_today().year).next_number == 5


# ------------------------------------------------------------------------------------------------------------
# Notice 四: after the letter the region details the plan (时间表·路线图·责任人, quantified targets), reports
# progress append-only, raises coordination requests, and files a completion summary (→ 待评估).

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def task(region_a_drc, region_a_scitech, reviewer):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    return fb.allocated(cycle, reviewer, region_a_drc, region_a_scitech, entries)[0]


@pytest.fixture
def running(task, region_a_drc):
    services.milestone_add(task=task, fields=fb.milestone_fields(days=30, title="出台办法"), by=region_a_drc)
    services.milestone_add(task=task, fields=fb.milestone_fields(days=90, title="首批试点"), by=region_a_drc)
    services.target_add(task=task, fields=fb.target_fields(), by=region_a_drc)
    return services.plan_confirm(task=task, by=region_a_drc)


def ids(task):
    return [m.pk for m in task.milestones.all()], [t.pk for t in task.targets.all()]


def report(task, by, *, days_ago=1, values=(Decimal("40"),), statuses=("on_track", "on_track"), **kwargs):
    milestones, targets = ids(task)
    return services.report_file(
        task=task,
        by=by,
        period_end=timezone.localdate() - datetime.timedelta(days=days_ago),
        narrative=kwargs.pop("narrative", "已出台办法征求意见稿。"),
        actuals=dict(zip(targets, values, strict=True)),
        statuses={pk: (s, "") for pk, s in zip(milestones, statuses, strict=True)},
        **kwargs,
    )


def test_the_plan_waits_for_the_letter(region_a_drc, region_a_scitech, reviewer):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    task = fb.awarded_tasks(cycle, reviewer, region_a_drc, region_a_scitech, entries)[0]
    with pytest.raises(PermissionDenied) as err:
        services.milestone_add(task=task, fields=fb.milestone_fields(), by=region_a_drc)
    assert str(err.value) == "揭榜任务通知书下达后方可细化实施方案。"


def test_confirmation_needs_a_milestone_and_a_target(task, region_a_drc):
    with pytest.raises(ValidationError) as err:
        services.plan_confirm(task=task, by=region_a_drc)
    assert err.value.messages == [
        "请至少填写一个里程碑（时间表·路线图·责任人）。",
        "请至少填写一个可量化、可考核的目标。",
    ]
    services.milestone_add(task=task, fields=fb.milestone_fields(), by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.plan_confirm(task=task, by=region_a_drc)
    assert err.value.messages == ["请至少填写一个可量化、可考核的目标。"]
    services.target_add(task=task, fields=fb.target_fields(), by=region_a_drc)
    task = services.plan_confirm(task=task, by=region_a_drc)
    assert task.state == TaskState.IN_PROGRESS and task.plan_confirmed_at is not None


def test_a_confirmed_plan_is_frozen(running, region_a_drc):
    with pytest.raises(PermissionDenied) as err:
        services.target_add(task=running, fields=fb.target_fields(), by=region_a_drc)
    assert str(err.value) == "实施方案已确认，不能再修改。"


def test_the_plan_page_keeps_bad_input_with_chinese_errors(client, task, region_a_drc):
    client.force_login(region_a_drc)
    page = client.post(
        reverse("bidding:milestone_add", args=[task.pk]),
        {
            "m-title": "出台实施办法",
            "m-due_date": "明年",
            "m-deliverable": "办法",
            "m-responsible_name": "李明",
            "m-responsible_post": "处长",
            "m-responsible_phone": "abc",
        },
    )
    assert page.status_code == 200
    form = page.context["milestone_form"]
    assert form.errors["due_date"] == ["输入一个有效的日期。"]
    assert form.errors["responsible_phone"] == ["请填写有效的电话号码（数字、空格、+、-、括号，7—30位）。"]
    assert 'value="出台实施办法"' in page.content.decode()
    page = client.post(
        reverse("bidding:target_add", args=[task.pk]),
        {"t-indicator": "赋权成果数", "t-unit": "项", "t-baseline": "10", "t-target": "10"},
    )
    assert page.context["target_form"].errors["target"] == ["目标值须与基期值不同，才能考核。"]


def test_entities_must_be_implementing_organizations_of_the_region(task, region_a_drc):
    js_company = f.OrganizationFactory(name="南京某企业", kind=OrgKind.ENTERPRISE, region=f.region("320000"))
    with pytest.raises(ValidationError):
        services.plan_set_entities(task=task, organizations=[js_company], by=region_a_drc)
    with pytest.raises(ValidationError):
        services.plan_set_entities(task=task, organizations=[region_a_drc.organization], by=region_a_drc)


def test_a_report_sets_latest_values_and_statuses(running, region_a_drc):
    report(running, region_a_drc, values=(Decimal("40"),), statuses=("done", "at_risk"))
    target = running.targets.get()
    assert target.latest_actual == Decimal("40") and target.attainment == 0.4
    assert [m.status for m in running.milestones.all()] == [MilestoneStatus.DONE, MilestoneStatus.AT_RISK]


def test_reports_are_append_only(running, region_a_drc):
    first = report(running, region_a_drc, days_ago=10, statuses=("done", "on_track"))
    with pytest.raises(ValidationError) as err:
        report(running, region_a_drc, days_ago=10)
    assert err.value.message_dict["period_end"] == [
        f"报告期须晚于上一期报告（截至{first.period_end}），已报送的进展不能修改。"
    ]
    with pytest.raises(ValidationError) as err:
        report(running, region_a_drc, days_ago=2, statuses=("late", "on_track"))
    assert err.value.message_dict["statuses"] == ["里程碑“出台办法”已报告完成，不能改变已报送的进展。"]
    report(running, region_a_drc, days_ago=2, values=(Decimal("55"),), statuses=("done", "late"))
    assert ProgressReport.objects.filter(task=running).count() == 2
    first.refresh_from_db()
    assert [a.value for a in first.actuals.all()] == [Decimal("40.00")]  # the earlier report is untouched


def test_report_dates_must_be_sane(running, region_a_drc):
    with pytest.raises(ValidationError) as err:
        report(running, region_a_drc, days_ago=-1)
    assert err.value.message_dict["period_end"] == ["报告期截至日期不能晚于今天。"]


def test_actual_values_must_be_numeric_on_the_form(client, running, region_a_drc):
    milestones, targets = ids(running)
    client.force_login(region_a_drc)
    data = {
        "period_end": timezone.localdate().isoformat(),
        "narrative": "进展顺利",
        f"actual_{targets[0]}": "四十",
        **{f"status_{pk}": "on_track" for pk in milestones},
    }
    page = client.post(reverse("bidding:report_new", args=[running.pk]), data)
    assert page.status_code == 200
    assert page.context["form"].errors[f"actual_{targets[0]}"] == ["实际值须为数字。"]
    assert "进展顺利" in page.content.decode()
    assert ProgressReport.objects.count() == 0


def test_the_report_form_offers_today_in_the_format_a_date_input_reads(client, running, region_a_drc):
    client.force_login(region_a_drc)
    page = client.get(reverse("bidding:report_new", args=[running.pk]))
    assert f'name="period_end" value="{timezone.localdate().isoformat()}"' in page.content.decode()


def test_attachments_are_checked_by_content(running, region_a_drc):
    fake = SimpleUploadedFile("进展.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as err:
        report(running, region_a_drc, uploads=[fake])
    assert err.value.messages == [
        "不支持的文件类型：仅接受 PDF、OFD、DOC、DOCX、WPS、XLS、XLSX、ET、PPT、PPTX、DPS、ZIP、PNG、JPG 文件"
        "（按文件内容识别，而不是文件名）。"
    ]
    good = SimpleUploadedFile("进展.pdf", PDF, content_type="application/pdf")
    r = report(running, region_a_drc, uploads=[good])
    assert [(a.original_name, a.kind) for a in r.attachments.all()] == [("进展.pdf", "pdf")]


def test_the_report_page_takes_office_formats_and_refuses_macros_at_the_field(client, running, region_a_drc):
    """A WPS 表格 (.et) is accepted through the report page; a workbook with macros is refused at the field."""
    milestones, targets = ids(running)
    client.force_login(region_a_drc)

    def post(name, content):
        data = {
            "period_end": timezone.localdate().isoformat(),
            "narrative": "进展顺利",
            f"actual_{targets[0]}": "40",
            **{f"status_{pk}": "on_track" for pk in milestones},
            "attachment": SimpleUploadedFile(name, content),
        }
        return client.post(reverse("bidding:report_new", args=[running.pk]), data)

    page = post("进展.xlsm.xlsx", of.ooxml("sheet", macros=True))
    assert page.status_code == 200
    assert page.context["form"].errors["attachment"] == [
        "文件含有宏（VBA 代码），出于安全原因不能上传；请另存为不含宏的格式（如 DOCX、XLSX、PPTX）后再上传。"
    ]
    assert "附件（PDF、OFD、DOC/DOCX/WPS、XLS/XLSX/ET、PPT/PPTX/DPS、ZIP、PNG/JPG）" in page.content.decode()
    assert 'value="进展顺利"' in page.content.decode() or "进展顺利</textarea>" in page.content.decode()
    assert ProgressReport.objects.count() == 0
    post("进展.et", of.excel97())
    r = ProgressReport.objects.get()
    assert [(a.original_name, a.kind) for a in r.attachments.all()] == [("进展.et", "et")]


def test_an_implementer_named_in_the_plan_reports_progress(task, region_a_drc, implementer):
    services.plan_set_entities(task=task, organizations=[implementer.organization], by=region_a_drc)
    fb.confirmed_plan(task, region_a_drc)
    r = services.report_file(
        task=task,
        by=implementer,
        period_end=timezone.localdate(),
        narrative="学校完成赋权。",
        actuals={task.targets.get().pk: Decimal("12")},
        statuses={task.milestones.get().pk: ("on_track", "")},
    )
    assert r.submitted_by == implementer


def test_coordination_requests_are_answered_by_reviewers(running, region_a_drc, reviewer):
    req = services.coordination_raise(
        task=running, subject="国有资产管理", detail="需财政部明确赋权成果管理口径。", by=region_a_drc
    )
    with pytest.raises(PermissionDenied):
        services.coordination_answer(request=req, answer="好", by=region_a_drc)
    req = services.coordination_answer(request=req, answer="已商财政部，按试点政策执行。", by=reviewer)
    assert (req.answer, req.answered_by) == ("已商财政部，按试点政策执行。", reviewer)


def test_completion_summary_needs_every_milestone_done(running, region_a_drc):
    with pytest.raises(PermissionDenied) as err:
        services.summary_file(task=running, achieved="完成", replicable="经验", by=region_a_drc)
    assert str(err.value) == "全部里程碑完成后方可报送完成总结。"
    report(running, region_a_drc, values=(Decimal("120"),), statuses=("done", "done"))
    task = services.summary_file(
        task=running, achieved="赋权成果120项，超额完成。", replicable="单列管理赋权成果。", by=region_a_drc
    )
    assert task.state == TaskState.PENDING_EVALUATION
    with pytest.raises(PermissionDenied):
        report(running, region_a_drc, days_ago=0, statuses=("done", "done"))


# ------------------------------------------------------------------------------------------------------------
# Row locks lock the row being changed, not the cycle or region joined to it: one region's edit, or one
# letter being rendered, must not make every other region wait (bench/letters.py found two Celery workers no
# faster than one, because rendering a letter held a lock on the shared cycle row for the whole render).


@pytest.mark.django_db(transaction=True)
def test_a_letter_being_rendered_does_not_hold_up_another_regions_letter():
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    reviewer = f.national_user(username="ndrc")
    notices = []
    for code in ("330000", "320000"):
        drc, scitech = fb.region_pair(code)
        fb.allocated(cycle, reviewer, drc, scitech, entries)
        notices.append(bs.notice_allocate(cycle=cycle, region=drc.region, by=reviewer))
    from bidding.models import TaskNotice

    # 浙江's task locked (as any plan edit does) while 江苏's letter is rendered and stored
    _other_region_is_not_blocked(
        lambda: bs._locked_task(notices[0].region.tasks.first()),
        lambda: bs.notice_render(notice=notices[1], by=reviewer),
    )
    assert TaskNotice.objects.get(pk=notices[1].pk).pdf


# ------------------------------------------------------------------------------------------------------------
# Both departments of a region opening 本年度建议书 / 揭榜 for the first time at the same moment get the
# same row; the second insert meets the unique (cycle, region) constraint and must not answer 500.


@pytest.mark.django_db(transaction=True)
def test_two_first_visits_to_the_bid_set_get_one_bid_set():
    cycle = fb.bidding_cycle()
    drc, scitech = fb.region_pair("330000")
    users = {"a": drc, "b": scitech}
    _race(lambda who: bs.bid_set_get_or_create(cycle=cycle, region=drc.region, by=users[who]))
    from bidding.models import BidSet

    assert BidSet.objects.filter(cycle=cycle, region=drc.region).count() == 1


# ---- 发文字号 register (issue 15 §3) --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_numbers_its_letters_in_region_code_order_before_rendering(
    bcycle, four_entries, reviewer, monkeypatch
):
    from bidding import documents
    from reform_portal.models import DocNumber

    rendered = []
    real = documents.render_notice_pdf

    def spy(notice, tasks):
        # every letter of the batch is numbered before the first one is rendered
        rendered.append(DocNumber.objects.filter(kind="揭榜任务通知书").count())
        return real(notice, tasks)

    monkeypatch.setattr(documents, "render_notice_pdf", spy)
    for code in ("440000", "110000", "330000"):  # awarded out of code order
        drc, scitech = fb.region_pair(code)
        fb.awarded_tasks(bcycle, reviewer, drc, scitech, four_entries[:3])
    from reform_portal import outbox

    services.notice_batch_start(cycle=bcycle, by=reviewer)
    outbox.relay_once()  # the relay's pass, in this process (the suite's Celery is eager): the letters are rendered
    notices = list(TaskNotice.objects.select_related("region").order_by("sequence"))
    assert [n.region.code for n in notices] == ["110000", "330000", "440000"]
    assert [n.sequence for n in notices] == [1, 2, 3]
    assert rendered == [3, 3, 3]


@pytest.mark.django_db
def test_the_lists_notice_and_the_letters_share_one_register(bcycle, reviewer):
    from catalog import services as catalog_services
    from catalog.documents import render_list_pdf

    from ..catalog import scenarios as fc

    year = local_today().year
    cycle = f.CycleFactory(
        year=bcycle.year + 1
    )  # a cycle collecting 建议书 makes the list; the letters are another's
    books = fc.two_region_books(cycle)
    proposals = [books[code][0].proposals.order_by("position").first() for code in ("330000", "320000")]
    fc.measure_from(cycle, reviewer, proposals)
    published = fc.published_list(cycle, reviewer)
    assert published.number.text == f"发改高技〔{year}〕1号"
    entries = list(published.entries.order_by("position"))
    text = pdf_text(render_list_pdf(published, entries)).replace("\n", "")
    assert f"发改高技〔{year}〕1号" in text
    drc, scitech = fb.region_pair("330000")
    fb.awarded_tasks(bcycle, reviewer, drc, scitech, fb.publish_list(bcycle, n=3))
    notice = services.notice_allocate(cycle=bcycle, region=drc.region, by=reviewer)
    assert notice.doc_number == f"发改高技〔{year}〕2号"
    assert catalog_services.list_pdf_bytes(measure_list=published)  # the stored 通知 carries the same number


def test_a_file_attached_twice_is_stored_once(running, region_a_drc, settings):
    """Issue 17 §10: the same file twice in one report is one attachment; in the next report it points at the copy
    already stored (one file on disk)."""
    import os

    first = report(
        running,
        region_a_drc,
        days_ago=2,
        uploads=[SimpleUploadedFile("进展.pdf", PDF), SimpleUploadedFile("进展（副本）.pdf", PDF)],
    )
    [a1] = first.attachments.all()
    second = report(running, region_a_drc, days_ago=1, uploads=[SimpleUploadedFile("进展.pdf", PDF)])
    [a2] = second.attachments.all()
    assert a2.file.name == a1.file.name and a2.pk != a1.pk
    root = os.path.join(settings.MEDIA_ROOT, "reports")
    assert sum(len(names) for _d, _s, names in os.walk(root)) == 1
    with a2.file.open("rb") as handle:
        assert handle.read() == PDF


def test_published_entries_are_the_latest_published_versions_in_one_query(bcycle, django_assert_num_queries):
    """The 揭榜 pages' entries: the cycle's latest published list version, in order, one query (issue 19: the
    version was read, then its entries); a later draft version and an earlier published one are not read."""
    from catalog.models import MeasureList

    first = fb.publish_list(bcycle, n=2, version=1)
    latest = fb.publish_list(bcycle, n=3, version=2)
    MeasureList.objects.create(cycle=bcycle, version=3, title="草稿", state=ListState.DRAFT)
    with django_assert_num_queries(1):
        entries = bs.published_entries(bcycle)
    assert [e.pk for e in entries] == [e.pk for e in latest] and not set(entries) & set(first)
    assert [e.position for e in entries] == sorted(e.position for e in entries)
    assert bs.published_entries(None) == []

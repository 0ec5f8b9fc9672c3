"""Notice 三(一), 四: 3–5 proposals, both departments confirm, submitted by April 30 (Asia/Shanghai)."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from proposals import services
from proposals.enums import BookState
from proposals.models import MeasureProposal
from reform_portal.enums import Stage
from reform_portal.models import ReformCycle
from reform_portal.services import extension_grant

from . import factories as f

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def messages_of(err):
    return " ".join(err.value.messages)


def test_two_proposals_are_refused_with_a_chinese_message(cycle, region_a_drc, region_a_std):
    book = f.signed_book(cycle, region_a_drc, region_a_std, n=2)
    with pytest.raises(ValidationError) as err:
        services.book_submit(book=book, by=region_a_drc)
    assert "改革举措数量须为3—5项，当前为2项。" in err.value.messages
    book.refresh_from_db()
    assert book.state == BookState.DRAFT


def test_a_sixth_proposal_cannot_be_added(cycle, region_a_drc):
    book = f.make_book(cycle, region_a_drc, n=5)
    with pytest.raises(ValidationError) as err:
        services.proposal_create(book=book, fields=f.proposal_fields(6), by=region_a_drc)
    assert "每个地方每年提出3—5项改革举措建议，已有5项，不能再新增。" in err.value.messages
    assert book.proposals.count() == 5


def test_six_proposals_are_refused_at_submission(cycle, region_a_drc, region_a_std):
    book = f.make_book(cycle, region_a_drc, n=5)
    extra = MeasureProposal.objects.create(book=book, position=6, **f.proposal_fields(6))  # e.g. by an import
    extra.results.create(indicator="x", unit="项", target=1)
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_std)
    with pytest.raises(ValidationError) as err:
        services.book_submit(book=book, by=region_a_drc)
    assert "改革举措数量须为3—5项，当前为6项。" in err.value.messages


def test_the_numbers_come_from_the_cycle(region_a_drc, region_a_std):
    cycle = f.CycleFactory(min_proposals=2, max_proposals=4)
    book = f.signed_book(cycle, region_a_drc, region_a_std, n=2)
    assert services.book_submit(book=book, by=region_a_drc).state == BookState.SUBMITTED


def test_missing_sign_off_is_refused(cycle, region_a_drc):
    book = f.make_book(cycle, region_a_drc, n=3)
    services.book_sign(book=book, by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.book_submit(book=book, by=region_a_drc)
    assert err.value.messages[0] == "须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。"


def test_both_departments_sign_then_submit(cycle, region_a_drc, region_a_std):
    book = f.signed_book(cycle, region_a_drc, region_a_std)
    assert book.drc_signed_by == region_a_drc and book.std_signed_by == region_a_std
    book = services.book_submit(book=book, by=region_a_std)
    assert (book.state, book.submitted_by) == (BookState.SUBMITTED, region_a_std)


def test_two_users_of_the_same_department_do_not_make_a_joint_sign_off(cycle, region_a_drc):
    from reform_portal.enums import OrgKind

    colleague = f.regional_user("330000", OrgKind.REGIONAL_DRC)
    book = f.make_book(cycle, region_a_drc)
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=colleague)
    book.refresh_from_db()
    assert book.std_signed_by is None
    with pytest.raises(ValidationError):
        services.book_submit(book=book, by=region_a_drc)


def test_an_edit_after_sign_off_clears_both(cycle, region_a_drc, region_a_std):
    book = f.signed_book(cycle, region_a_drc, region_a_std)
    p = book.proposals.first()
    services.proposal_update(proposal=p, revision=p.revision, fields={"title": "新标题"}, entities=[],
                             results=f.RESULTS, by=region_a_drc)
    book.refresh_from_db()
    assert (book.drc_signed_by, book.std_signed_by) == (None, None)
    with pytest.raises(ValidationError):
        services.book_submit(book=book, by=region_a_drc)


def test_incomplete_proposals_are_listed_by_field(cycle, region_a_drc, region_a_std):
    book = f.make_book(cycle, region_a_drc, n=3)
    p = book.proposals.first()
    services.proposal_update(proposal=p, revision=p.revision,
                             fields=f.proposal_fields(1, content="", authority_level="national"),
                             entities=[], results=[], by=region_a_drc)
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_std)
    with pytest.raises(ValidationError) as err:
        services.book_submit(book=book, by=region_a_drc)
    assert err.value.messages == [
        "举措1“科技成果赋权改革试点1”：缺少“改革内容”。",
        "举措1“科技成果赋权改革试点1”：缺少“需协调的国家部门”。",
        "举措1“科技成果赋权改革试点1”：缺少“预期成效（指标、单位、目标值）”。",
    ]


def _cycle_2027():
    return ReformCycle.objects.create(year=2027, **ReformCycle.defaults_for(2027))


def test_submission_at_23_59_59_on_april_30_beijing_time_is_on_time(region_a_drc, region_a_std):
    cycle = _cycle_2027()
    book = f.signed_book(cycle, region_a_drc, region_a_std)
    book = services.book_submit(book=book, by=region_a_drc, now=datetime.datetime(2027, 4, 30, 23, 59, 59, tzinfo=SH))
    assert book.state == BookState.SUBMITTED and not book.is_late


def test_submission_at_00_00_01_on_may_1_is_late_and_refused(region_a_drc, region_a_std):
    cycle = _cycle_2027()
    book = f.signed_book(cycle, region_a_drc, region_a_std)
    with pytest.raises(PermissionDenied) as err:
        services.book_submit(book=book, by=region_a_drc, now=datetime.datetime(2027, 5, 1, 0, 0, 1, tzinfo=SH))
    assert "已过建议书报送截止时间" in str(err.value)


def test_no_edit_after_the_deadline(region_a_drc):
    cycle = _cycle_2027()
    book = f.make_book(cycle, region_a_drc)
    late = datetime.datetime(2027, 5, 2, 9, tzinfo=SH)
    with pytest.raises(PermissionDenied):
        services.book_update_cover(book=book, contact_name="x", contact_phone="010-1234567", summary="y",
                                   by=region_a_drc, now=late)
    with pytest.raises(PermissionDenied):
        services.proposal_create(book=book, fields=f.proposal_fields(9), by=region_a_drc, now=late)


def test_extension_allows_late_submission_for_that_region_only(region_a_drc, region_a_std, region_b_drc, reviewer):
    from reform_portal.enums import OrgKind

    region_b_std = f.regional_user("320000", OrgKind.REGIONAL_STD)
    cycle = _cycle_2027()
    zj = f.signed_book(cycle, region_a_drc, region_a_std)
    js = f.signed_book(cycle, region_b_drc, region_b_std)
    extension_grant(cycle=cycle, region=zj.region, stage=Stage.PROPOSAL, until=datetime.date(2027, 5, 7),
                    reason="材料补充", by=reviewer)
    late = datetime.datetime(2027, 5, 6, 10, tzinfo=SH)
    zj = services.book_submit(book=zj, by=region_a_drc, now=late)
    assert zj.state == BookState.SUBMITTED and zj.is_late
    with pytest.raises(PermissionDenied):
        services.book_submit(book=js, by=region_b_drc, now=late)


def test_returned_book_is_edited_signed_again_and_resubmitted(cycle, region_a_drc, region_a_std, reviewer):
    book = f.submitted_book(cycle, region_a_drc, region_a_std)
    book = services.book_return(book=book, reason="举措2与举措3内容重复，请合并。", by=reviewer)
    assert (book.state, book.fully_signed) == (BookState.RETURNED, False)
    with pytest.raises(ValidationError):
        services.book_submit(book=book, by=region_a_drc)
    services.proposal_delete(proposal=book.proposals.last(), by=region_a_drc)
    services.proposal_create(book=book, fields=f.proposal_fields(7), results=f.RESULTS, by=region_a_drc)
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_std)
    assert services.book_submit(book=book, by=region_a_drc).state == BookState.SUBMITTED


def test_return_needs_a_reason_and_a_reviewer(cycle, region_a_drc, region_a_std, reviewer):
    book = f.submitted_book(cycle, region_a_drc, region_a_std)
    with pytest.raises(ValidationError):
        services.book_return(book=book, reason="  ", by=reviewer)
    with pytest.raises(PermissionDenied):
        services.book_return(book=book, reason="x", by=region_a_drc)


def test_withdraw_before_the_deadline_then_edit(cycle, region_a_drc, region_a_std):
    book = f.submitted_book(cycle, region_a_drc, region_a_std)
    with pytest.raises(PermissionDenied):
        services.book_update_cover(book=book, contact_name="x", contact_phone="010-1234567", summary="y",
                                   by=region_a_drc)
    book = services.book_withdraw(book=book, by=region_a_drc)
    assert book.state == BookState.DRAFT
    services.book_update_cover(book=book, contact_name="李四", contact_phone="010-1234567", summary="y",
                               by=region_a_drc)


def test_no_withdraw_after_the_deadline(region_a_drc, region_a_std):
    cycle = _cycle_2027()
    book = f.signed_book(cycle, region_a_drc, region_a_std)
    book = services.book_submit(book=book, by=region_a_drc, now=datetime.datetime(2027, 4, 20, tzinfo=SH))
    with pytest.raises(PermissionDenied):
        services.book_withdraw(book=book, by=region_a_drc, now=datetime.datetime(2027, 5, 1, 8, tzinfo=SH))


def test_reorder_swaps_positions(cycle, region_a_drc):
    book = f.make_book(cycle, region_a_drc, n=3)
    first, second, third = book.proposals.order_by("position")
    services.proposal_move(proposal=third, direction="up", by=region_a_drc)
    assert list(book.proposals.order_by("position").values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]


def test_concurrent_edit_is_refused_and_does_not_overwrite(cycle, region_a_drc, region_a_std):
    book = f.make_book(cycle, region_a_drc)
    p = book.proposals.first()
    loaded = p.revision
    services.proposal_update(proposal=p, revision=loaded, fields={"title": "甲的修改"}, results=f.RESULTS,
                             by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.proposal_update(proposal=p, revision=loaded, fields={"title": "乙的修改"}, results=f.RESULTS,
                                 by=region_a_std)
    assert "您的修改尚未保存" in messages_of(err)
    p.refresh_from_db()
    assert p.title == "甲的修改"


def test_confirming_a_version_edited_since_it_was_read_is_refused(cycle, region_a_drc, region_a_std):
    """Found by bench/load.py: 科技厅 read version n, 发展改革委 saved an edit, 科技厅's 确认联合报送 then
    confirmed version n+1, which it had never seen, without being told."""
    book = f.make_book(cycle, region_a_drc)
    read = book.version
    p = book.proposals.first()
    services.proposal_update(proposal=p, revision=p.revision, fields={"content": "发展改革委最后修改的内容"},
                             results=f.RESULTS, by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.book_sign(book=book, by=region_a_std, version=read)
    assert messages_of(err) == (f"建议书在您查看后已被修改（您看到的是第{read}版，现为第{read + 1}版），本次确认未生效。"
                                "请查看最新内容后再确认联合报送。")
    book.refresh_from_db()
    assert book.std_signed_by is None
    signed = services.book_sign(book=book, by=region_a_std, version=read + 1)
    assert signed.std_signed_by == region_a_std

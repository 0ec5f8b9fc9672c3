"""proposals/services.py: submission rules, attachments, history, row locks, the first visit."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals import services
from proposals import services as ps
from proposals.enums import BookState
from proposals.models import MeasureProposal
from reform_portal.enums import Stage
from reform_portal.models import ReformCycle
from reform_portal.services import extension_grant

from .. import factories as f
from ..bidding import scenarios as fb
from ..factories import close_file
from ..reform_portal.scenarios import _other_region_is_not_blocked, _race
from . import scenarios as fp

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------------------
# Notice 三(一), 四: 3–5 proposals, both departments confirm, submitted by April 30 (Asia/Shanghai).

SH = ZoneInfo("Asia/Shanghai")


def messages_of(err):
    return " ".join(err.value.messages)


def test_two_proposals_are_refused_with_a_chinese_message(cycle, region_a_drc, region_a_scitech):
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech, n=2)
    with pytest.raises(ValidationError) as err:
        services.book_submit(book=book, by=region_a_drc)
    assert "改革举措数量须为3—5项，当前为2项。" in err.value.messages
    book.refresh_from_db()
    assert book.state == BookState.DRAFT


def test_a_sixth_proposal_cannot_be_added(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=5)
    with pytest.raises(ValidationError) as err:
        services.proposal_create(book=book, fields=fp.proposal_fields(6), by=region_a_drc)
    assert "每个地方每年提出3—5项改革举措建议，已有5项，不能再新增。" in err.value.messages
    assert book.proposals.count() == 5


def test_six_proposals_are_refused_at_submission(cycle, region_a_drc, region_a_scitech):
    book = fp.make_book(cycle, region_a_drc, n=5)
    extra = MeasureProposal.objects.create(
        book=book, position=6, **fp.proposal_fields(6)
    )  # e.g. by an import
    extra.results.create(indicator="x", unit="项", target=1)
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_scitech)
    with pytest.raises(ValidationError) as err:
        services.book_submit(book=book, by=region_a_drc)
    assert "改革举措数量须为3—5项，当前为6项。" in err.value.messages


def test_the_numbers_come_from_the_cycle(region_a_drc, region_a_scitech):
    cycle = f.CycleFactory(min_proposals=2, max_proposals=4)
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech, n=2)
    assert services.book_submit(book=book, by=region_a_drc).state == BookState.SUBMITTED


def test_missing_sign_off_is_refused(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=3)
    services.book_sign(book=book, by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.book_submit(book=book, by=region_a_drc)
    assert err.value.messages[0] == "须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。"


def test_both_departments_sign_then_submit(cycle, region_a_drc, region_a_scitech):
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    assert book.drc_signed_by == region_a_drc and book.scitech_signed_by == region_a_scitech
    book = services.book_submit(book=book, by=region_a_scitech)
    assert (book.state, book.submitted_by) == (BookState.SUBMITTED, region_a_scitech)


def test_two_users_of_the_same_department_do_not_make_a_joint_sign_off(cycle, region_a_drc):
    from reform_portal.enums import OrgKind

    colleague = f.regional_user("330000", OrgKind.REGIONAL_DRC)
    book = fp.make_book(cycle, region_a_drc)
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=colleague)
    book.refresh_from_db()
    assert book.scitech_signed_by is None
    with pytest.raises(ValidationError):
        services.book_submit(book=book, by=region_a_drc)


def test_an_edit_after_sign_off_clears_both(cycle, region_a_drc, region_a_scitech):
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    p = book.proposals.first()
    services.proposal_update(
        proposal=p,
        revision=p.revision,
        fields={"title": "新标题"},
        entities=[],
        results=fp.RESULTS,
        by=region_a_drc,
    )
    book.refresh_from_db()
    assert (book.drc_signed_by, book.scitech_signed_by) == (None, None)
    with pytest.raises(ValidationError):
        services.book_submit(book=book, by=region_a_drc)


def test_incomplete_proposals_are_listed_by_field(cycle, region_a_drc, region_a_scitech):
    book = fp.make_book(cycle, region_a_drc, n=3)
    p = book.proposals.first()
    services.proposal_update(
        proposal=p,
        revision=p.revision,
        fields=fp.proposal_fields(1, content="", authority_level="national"),
        entities=[],
        results=[],
        by=region_a_drc,
    )
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_scitech)
    with pytest.raises(ValidationError) as err:
        services.book_submit(book=book, by=region_a_drc)
    assert err.value.messages == [
        "举措1“科技成果赋权改革试点1”：缺少“改革内容”。",
        "举措1“科技成果赋权改革试点1”：缺少“需协调的国家部门”。",
        "举措1“科技成果赋权改革试点1”：缺少“预期成效（指标、单位、目标值）”。",
    ]


def _cycle_2027():
    return ReformCycle.objects.create(year=2027, **ReformCycle.defaults_for(2027))


def test_submission_at_23_59_59_on_april_30_beijing_time_is_on_time(region_a_drc, region_a_scitech):
    cycle = _cycle_2027()
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    book = services.book_submit(
        book=book, by=region_a_drc, now=datetime.datetime(2027, 4, 30, 23, 59, 59, tzinfo=SH)
    )
    assert book.state == BookState.SUBMITTED and not book.is_late


def test_submission_at_00_00_01_on_may_1_is_late_and_refused(region_a_drc, region_a_scitech):
    cycle = _cycle_2027()
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    with pytest.raises(PermissionDenied) as err:
        services.book_submit(
            book=book, by=region_a_drc, now=datetime.datetime(2027, 5, 1, 0, 0, 1, tzinfo=SH)
        )
    assert "已过建议书报送截止时间" in str(err.value)


def test_no_edit_after_the_deadline(region_a_drc):
    cycle = _cycle_2027()
    book = fp.make_book(cycle, region_a_drc)
    late = datetime.datetime(2027, 5, 2, 9, tzinfo=SH)
    with pytest.raises(PermissionDenied):
        services.book_update_cover(
            book=book, contact_name="x", contact_phone="010-1234567", summary="y", by=region_a_drc, now=late
        )
    with pytest.raises(PermissionDenied):
        services.proposal_create(book=book, fields=fp.proposal_fields(9), by=region_a_drc, now=late)


def test_extension_allows_late_submission_for_that_region_only(
    region_a_drc, region_a_scitech, region_b_drc, reviewer
):
    from reform_portal.enums import OrgKind

    region_b_scitech = f.regional_user("320000", OrgKind.REGIONAL_SCITECH)
    cycle = _cycle_2027()
    zj = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    js = fp.signed_book(cycle, region_b_drc, region_b_scitech)
    extension_grant(
        cycle=cycle,
        region=zj.region,
        stage=Stage.PROPOSAL,
        until=datetime.date(2027, 5, 7),
        reason="材料补充",
        by=reviewer,
    )
    late = datetime.datetime(2027, 5, 6, 10, tzinfo=SH)
    zj = services.book_submit(book=zj, by=region_a_drc, now=late)
    assert zj.state == BookState.SUBMITTED and zj.is_late
    with pytest.raises(PermissionDenied):
        services.book_submit(book=js, by=region_b_drc, now=late)


def test_returned_book_is_edited_signed_again_and_resubmitted(
    cycle, region_a_drc, region_a_scitech, reviewer
):
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    book = services.book_return(book=book, reason="举措2与举措3内容重复，请合并。", by=reviewer)
    assert (book.state, book.fully_signed) == (BookState.RETURNED, False)
    with pytest.raises(ValidationError):
        services.book_submit(book=book, by=region_a_drc)
    services.proposal_delete(proposal=book.proposals.last(), by=region_a_drc)
    services.proposal_create(book=book, fields=fp.proposal_fields(7), results=fp.RESULTS, by=region_a_drc)
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_scitech)
    assert services.book_submit(book=book, by=region_a_drc).state == BookState.SUBMITTED


def test_return_needs_a_reason_and_a_reviewer(cycle, region_a_drc, region_a_scitech, reviewer):
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    with pytest.raises(ValidationError):
        services.book_return(book=book, reason="  ", by=reviewer)
    with pytest.raises(PermissionDenied):
        services.book_return(book=book, reason="x", by=region_a_drc)


def test_withdraw_before_the_deadline_then_edit(cycle, region_a_drc, region_a_scitech):
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    with pytest.raises(PermissionDenied):
        services.book_update_cover(
            book=book, contact_name="x", contact_phone="010-1234567", summary="y", by=region_a_drc
        )
    book = services.book_withdraw(book=book, by=region_a_drc)
    assert book.state == BookState.DRAFT
    services.book_update_cover(
        book=book, contact_name="李四", contact_phone="010-1234567", summary="y", by=region_a_drc
    )


def test_no_withdraw_after_the_deadline(region_a_drc, region_a_scitech):
    cycle = _cycle_2027()
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    book = services.book_submit(book=book, by=region_a_drc, now=datetime.datetime(2027, 4, 20, tzinfo=SH))
    with pytest.raises(PermissionDenied):
        services.book_withdraw(book=book, by=region_a_drc, now=datetime.datetime(2027, 5, 1, 8, tzinfo=SH))


def test_reorder_swaps_positions(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=3)
    first, second, third = book.proposals.order_by("position")
    services.proposal_move(proposal=third, direction="up", by=region_a_drc)
    assert list(book.proposals.order_by("position").values_list("pk", flat=True)) == [
        first.pk,
        third.pk,
        second.pk,
    ]


def test_concurrent_edit_is_refused_and_does_not_overwrite(cycle, region_a_drc, region_a_scitech):
    book = fp.make_book(cycle, region_a_drc)
    p = book.proposals.first()
    loaded = p.revision
    services.proposal_update(
        proposal=p, revision=loaded, fields={"title": "甲的修改"}, results=fp.RESULTS, by=region_a_drc
    )
    with pytest.raises(ValidationError) as err:
        services.proposal_update(
            proposal=p, revision=loaded, fields={"title": "乙的修改"}, results=fp.RESULTS, by=region_a_scitech
        )
    assert "您的修改尚未保存" in messages_of(err)
    p.refresh_from_db()
    assert p.title == "甲的修改"


def test_confirming_a_version_edited_since_it_was_read_is_refused(cycle, region_a_drc, region_a_scitech):
    """Found by bench/load.py: 科技厅 read version n, 发展改革委 saved an edit, 科技厅's 确认联合报送 then
    confirmed version n+1, which it had never seen, without being told."""
    book = fp.make_book(cycle, region_a_drc)
    read = book.version
    p = book.proposals.first()
    services.proposal_update(
        proposal=p,
        revision=p.revision,
        fields={"content": "发展改革委最后修改的内容"},
        results=fp.RESULTS,
        by=region_a_drc,
    )
    with pytest.raises(ValidationError) as err:
        services.book_sign(book=book, by=region_a_scitech, version=read)
    assert messages_of(err) == (
        f"建议书在您查看后已被修改（您看到的是第{read}版，现为第{read + 1}版），本次确认未生效。"
        "请查看最新内容后再确认联合报送。"
    )
    book.refresh_from_db()
    assert book.scitech_signed_by is None
    signed = services.book_sign(book=book, by=region_a_scitech, version=read + 1)
    assert signed.scitech_signed_by == region_a_scitech


# ------------------------------------------------------------------------------------------------------------
# Attachments: checked by content, size and extension.

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100


@pytest.fixture
def proposal(cycle, region_a_drc):
    return fp.make_book(cycle, region_a_drc).proposals.first()


def upload(client, proposal, name, content):
    return client.post(
        reverse("proposals:attachment_upload", args=[proposal.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_a_renamed_executable_is_refused(client, proposal, region_a_drc):
    client.force_login(region_a_drc)
    page = upload(client, proposal, "实施方案.pdf", ELF)
    assert (
        "不支持的文件类型：仅接受 PDF、OFD、DOC、DOCX、WPS、XLS、XLSX、ET、PPT、PPTX、DPS、ZIP、PNG、JPG 文件"
        "（按文件内容识别，而不是文件名）。" in page.content.decode()
    )
    assert proposal.attachments.count() == 0


def test_a_pdf_with_a_wrong_extension_is_refused(proposal, region_a_drc):
    with pytest.raises(ValidationError) as err:
        services.attachment_add(proposal=proposal, upload=SimpleUploadedFile("a.exe", PDF), by=region_a_drc)
    assert err.value.messages == ["文件扩展名与内容不符：内容为 PDF，请使用 .pdf 扩展名。"]


def test_an_oversized_file_is_refused(client, proposal, region_a_drc, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    client.force_login(region_a_drc)
    page = upload(client, proposal, "big.pdf", PDF + b"0" * 2000)
    assert "文件过大" in page.content.decode()
    assert proposal.attachments.count() == 0


def test_valid_files_are_stored_outside_static_and_downloadable(client, proposal, region_a_drc, settings):
    client.force_login(region_a_drc)
    upload(client, proposal, "测算表.png", PNG)
    att = proposal.attachments.get()
    assert (att.kind, att.original_name, att.size) == ("png", "测算表.png", len(PNG))
    assert str(settings.MEDIA_ROOT) in att.file.path and "/static" not in att.file.path
    download = client.get(reverse("proposals:attachment_download", args=[att.pk]))
    close_file(download)
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''%E6%B5%8B%E7%AE%97%E8%A1%A8.png"


def test_the_same_file_uploaded_twice_is_stored_once(client, proposal, region_a_drc):
    """Issue 17 §10: a double click or a resend stores one copy and says so; another file of the same name is
    a second attachment."""
    client.force_login(region_a_drc)
    upload(client, proposal, "测算表.png", PNG)
    page = upload(client, proposal, "测算表.png", PNG)
    assert proposal.attachments.count() == 1
    assert "附件“测算表.png”已上传，未重复保存。" in [str(m) for m in page.context["messages"]]
    upload(client, proposal, "测算表.png", PNG + b"\0")
    assert proposal.attachments.count() == 2


def test_upload_clears_sign_offs_like_any_edit(cycle, region_a_drc, region_a_scitech):
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    services.attachment_add(
        proposal=book.proposals.first(), upload=SimpleUploadedFile("a.pdf", PDF), by=region_a_drc
    )
    book.refresh_from_db()
    assert not book.fully_signed


# ------------------------------------------------------------------------------------------------------------
# History: every edit and transition names its user.


def test_each_edit_and_transition_leaves_a_history_record_naming_the_user(
    cycle, region_a_drc, region_a_scitech, reviewer
):
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech, n=3)
    services.book_return(book=book, reason="请补充测算依据", by=reviewer)
    rows = list(
        book.history.order_by("history_id").values_list("history_change_reason", "history_user__username")
    )
    assert rows[0] == ("创建建议书", "zj_drc")
    assert rows[1] == ("修改封面信息", "zj_drc")
    assert rows[2:5] == [(f"新增举措：科技成果赋权改革试点{i}", "zj_drc") for i in (1, 2, 3)]
    assert rows[-4:] == [
        ("确认联合报送（发展改革委，第5版）", "zj_drc"),
        ("确认联合报送（科技厅，第5版）", "zj_scitech"),
        ("报送", "zj_drc"),
        ("退回修改：请补充测算依据", "ndrc"),
    ]
    p = book.proposals.first()
    assert p.history.first().history_user == region_a_drc


def test_the_book_page_shows_the_history(client, cycle, region_a_drc, region_a_scitech):
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    client.force_login(region_a_scitech)
    html = client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert "确认联合报送（科技厅，第5版）" in html
    assert str(region_a_scitech) in html


# ------------------------------------------------------------------------------------------------------------
# Row locks lock the row being changed, not the cycle or region joined to it: one region's edit, or one
# letter being rendered, must not make every other region wait (bench/letters.py found two Celery workers no
# faster than one, because rendering a letter held a lock on the shared cycle row for the whole render).


@pytest.mark.django_db(transaction=True)
def test_editing_one_book_does_not_lock_the_cycle_for_other_regions():
    cycle = f.CycleFactory()
    a = f.regional_user("330000")
    b = f.regional_user("320000")
    book_a = ps.book_get_or_create(cycle=cycle, region=a.region, by=a)
    book_b = ps.book_get_or_create(cycle=cycle, region=b.region, by=b)
    _other_region_is_not_blocked(
        lambda: ps._locked(book_a),
        lambda: ps.book_update_cover(
            book=book_b, contact_name="李四", contact_phone="025-83391234", summary="", by=b
        ),
    )


# ------------------------------------------------------------------------------------------------------------
# Both departments of a region opening 本年度建议书 / 揭榜 for the first time at the same moment get the
# same row; the second insert meets the unique (cycle, region) constraint and must not answer 500.


@pytest.mark.django_db(transaction=True)
def test_two_first_visits_to_the_book_get_one_book():
    cycle = f.CycleFactory()
    drc, scitech = fb.region_pair("330000")
    users = {"a": drc, "b": scitech}
    _race(lambda who: ps.book_get_or_create(cycle=cycle, region=drc.region, by=users[who]))
    from proposals.models import ProposalBook

    assert ProposalBook.objects.filter(cycle=cycle, region=drc.region).count() == 1

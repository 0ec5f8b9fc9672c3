"""Issue 7: before the 建议书 deadline, regions whose book is not submitted are reminded of what is missing."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from proposals.reminders import proposal_deadline_source
from reform_portal.enums import Stage
from reform_portal.models import ReformCycle
from reform_portal.reminders import reminders_due
from reform_portal.services import extension_grant
from reform_portal.tasks import scan

from . import scenarios as fp

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
SH = ZoneInfo("Asia/Shanghai")


def dues(cycle, now):
    return sorted(
        (d.recipient.username, d.offset_days) for d in proposal_deadline_source(cycle=cycle, now=now)
    )


def test_seven_days_before_is_the_beijing_day_not_the_utc_day(cycle2027, region_a_drc, region_a_scitech):
    # April 23 is 7 days before April 30. 15:59 UTC on April 22 is still April 22 in Beijing; 16:01 is April 23.
    assert dues(cycle2027, datetime.datetime(2027, 4, 22, 15, 59, tzinfo=UTC)) == []
    assert dues(cycle2027, datetime.datetime(2027, 4, 22, 16, 1, tzinfo=UTC)) == [
        ("zj_drc", 7),
        ("zj_scitech", 7),
    ]


def test_default_offsets_30_7_1_and_the_day_after(cycle2027, region_a_drc):
    days = {
        d: dues(cycle2027, datetime.datetime(2027, *d, 10, tzinfo=SH))
        for d in [(3, 31), (4, 1), (4, 23), (4, 29), (4, 30), (5, 1), (5, 2)]
    }
    assert days == {
        (3, 31): [("zj_drc", 30)],
        (4, 1): [],
        (4, 23): [("zj_drc", 7)],
        (4, 29): [("zj_drc", 1)],
        (4, 30): [],
        (5, 1): [("zj_drc", -1)],
        (5, 2): [],
    }


def test_submitted_books_get_no_reminders(region_a_drc, region_a_scitech, region_b_drc):
    cycle = ReformCycle.objects.create(year=2027, **ReformCycle.defaults_for(2027))
    from proposals import services

    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    services.book_submit(book=book, by=region_a_drc, now=datetime.datetime(2027, 4, 1, tzinfo=SH))
    assert dues(cycle, datetime.datetime(2027, 4, 23, 9, tzinfo=SH)) == [("js_drc", 7)]


def test_an_extension_moves_the_region_s_reminders(cycle2027, region_a_drc, region_b_drc, reviewer):
    extension_grant(
        cycle=cycle2027,
        region=region_a_drc.region,
        stage=Stage.PROPOSAL,
        until=datetime.date(2027, 5, 10),
        reason="补充材料",
        by=reviewer,
    )
    assert dues(cycle2027, datetime.datetime(2027, 4, 23, 9, tzinfo=SH)) == [("js_drc", 7)]
    assert dues(cycle2027, datetime.datetime(2027, 5, 3, 9, tzinfo=SH)) == [("zj_drc", 7)]


def test_the_reminder_says_what_is_missing(cycle2027, region_a_drc, region_a_scitech):
    fp.make_book(cycle2027, region_a_drc, n=2)
    from proposals import services

    services.book_sign(
        book=region_a_drc.region.proposal_books.get(),
        by=region_a_drc,
        now=datetime.datetime(2027, 4, 1, tzinfo=SH),
    )
    (due, _other) = list(
        proposal_deadline_source(cycle=cycle2027, now=datetime.datetime(2027, 4, 29, 9, tzinfo=SH))
    )
    assert due.title == "距建议书报送截止还有1天"
    assert due.body == (
        "浙江省2027年度《全面创新改革举措建议书》报送截止时间为2027年04月30日 23:59。"
        "现有举措2项（要求3—5项）；发展改革委已确认；科技厅（委、局）未确认。"
    )


def test_a_scan_mails_each_staff_member_once(
    cycle2027, region_a_drc, region_a_scitech, mailoutbox, django_capture_on_commit_callbacks
):
    region_a_scitech.email = ""
    region_a_scitech.save()
    now = datetime.datetime(2027, 4, 23, 9, tzinfo=SH).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        scan.apply(kwargs={"now": now}).get()
    with django_capture_on_commit_callbacks(execute=True):
        scan.apply(kwargs={"now": now}).get()
    assert [m.to for m in mailoutbox] == [[region_a_drc.email]]
    assert mailoutbox[0].subject.endswith("距建议书报送截止还有7天")
    assert region_a_scitech.notifications.count() == 1  # no e-mail address: in-app only
    assert reminders_due(now=datetime.datetime(2027, 4, 23, 9, tzinfo=SH)) == []


def test_reminders_stop_once_the_reviewers_end_proposals(cycle2027, region_a_drc, reviewer):
    """A region still out is chased only while 征集 is open: after 结束征集 its book can no longer be filed."""
    from reform_portal.cycles import cycle_act

    day = datetime.datetime(2027, 4, 23, 9, tzinfo=SH)
    assert dues(cycle2027, day) == [("zj_drc", 7)]
    cycle_act(cycle=cycle2027, action="close_proposals", by=reviewer, reason="提前汇总", confirmed=True)
    cycle2027.refresh_from_db()
    assert dues(cycle2027, day) == []

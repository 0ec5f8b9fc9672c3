"""Which reminder offsets are due on which Beijing day, and what the scan queues for them."""

import datetime

import pytest

from reform_portal.enums import Stage
from reform_portal.models import DeadlineExtension, ReminderLog
from reform_portal.reminders import (
    due_offsets,
    reminder_cycles,
    reminder_title,
    reminders_due,
    stage_due_offsets,
)
from reform_portal.services import deadline_for
from reform_portal.tasks import scan

from .. import factories as f
from .reminder_scenarios import (
    KIND,
    SEVEN_DAYS_BEFORE,
    UTC,
    fixed_cycle,
    key_for,
    proposal_source,
    registered,
)

OFFSETS = [30, 7, 1, -1]
# The exclusive end instant of 2027-04-30 in Beijing = 2027-04-30 16:00 UTC.
DEADLINE = datetime.datetime(2027, 4, 30, 16, 0, tzinfo=UTC)


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def test_an_offset_falls_due_at_beijing_midnight_not_utc_midnight():
    # 2027-04-22 15:59 UTC is 23:59 on the 22nd in Beijing: 8 days before the last day.
    assert due_offsets(DEADLINE, OFFSETS, now=utc(2027, 4, 22, 15, 59)) == []
    # 2027-04-22 16:01 UTC is 00:01 on the 23rd in Beijing: 7 days before.
    assert due_offsets(DEADLINE, OFFSETS, now=utc(2027, 4, 22, 16, 1)) == [7]
    # Still the 23rd in Beijing until 2027-04-23 15:59 UTC.
    assert due_offsets(DEADLINE, OFFSETS, now=utc(2027, 4, 23, 15, 59)) == [7]
    assert due_offsets(DEADLINE, OFFSETS, now=utc(2027, 4, 23, 16, 1)) == []


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2027, 3, 30, 16, 0), [30]),  # 03-31 00:00 Beijing
        (utc(2027, 4, 29, 3, 0), [1]),  # 04-29 11:00 Beijing
        (utc(2027, 4, 30, 3, 0), []),  # the last day itself: 0 is not among the offsets
        (utc(2027, 4, 30, 15, 59), []),  # 04-30 23:59 Beijing: still on time
        (utc(2027, 4, 30, 16, 0), [-1]),  # 05-01 00:00 Beijing: the day after, missed
        (utc(2027, 5, 1, 16, 0), []),  # 05-02 Beijing: no second "missed" reminder
    ],
)
def test_each_offset_is_due_on_exactly_one_beijing_day(now, expected):
    assert due_offsets(DEADLINE, OFFSETS, now=now) == expected


def test_a_repeated_offset_is_due_once():
    assert due_offsets(DEADLINE, [7, 7, 1], now=SEVEN_DAYS_BEFORE) == [7]


def test_reminder_titles():
    assert reminder_title("建议书报送", 7) == "距建议书报送截止还有7天"
    assert reminder_title("建议书报送", 0) == "今天是建议书报送截止日"
    assert reminder_title("建议书报送", -1) == "建议书报送已逾期1天"


@pytest.mark.django_db
def test_an_extension_moves_the_reminder_days(reviewer):
    cycle = fixed_cycle()
    zj = f.region("330000")
    DeadlineExtension.objects.create(
        cycle=cycle,
        region=zj,
        stage=Stage.PROPOSAL,
        until=datetime.date(2027, 5, 10),
        reason="汛期",
        granted_by=reviewer,
    )
    assert stage_due_offsets(cycle, None, Stage.PROPOSAL, now=SEVEN_DAYS_BEFORE) == [7]
    assert stage_due_offsets(cycle, zj, Stage.PROPOSAL, now=SEVEN_DAYS_BEFORE) == []
    # 2027-05-03 in Beijing is 7 days before the extended last day, 2027-05-10.
    assert stage_due_offsets(cycle, zj, Stage.PROPOSAL, now=utc(2027, 5, 3, 1, 0)) == [7]
    assert deadline_for(cycle, zj, Stage.PROPOSAL) == utc(2027, 5, 10, 16, 0)


@pytest.mark.django_db
def test_the_cycle_uses_its_own_offsets():
    cycle = fixed_cycle(reminder_offsets=[3])
    assert stage_due_offsets(cycle, None, Stage.PROPOSAL, now=SEVEN_DAYS_BEFORE) == []
    assert stage_due_offsets(cycle, None, Stage.PROPOSAL, now=utc(2027, 4, 27, 1, 0)) == [3]


@pytest.mark.django_db
def test_a_closed_cycle_reminds_nobody():
    cycle = fixed_cycle()  # evaluation due 2028-09-30
    assert reminder_cycles(utc(2028, 9, 30, 15, 59)) == [cycle]
    # 2028-10-01 Beijing: the day after the last stage, when its "missed" (-1) reminder goes out.
    assert reminder_cycles(utc(2028, 9, 30, 16, 0)) == [cycle]
    assert reminder_cycles(utc(2028, 10, 1, 16, 0)) == []
    cycle.reminder_offsets = [30, 7]
    cycle.save()
    assert reminder_cycles(utc(2028, 9, 30, 16, 0)) == []


@pytest.mark.django_db
def test_scan_queues_nothing_one_minute_before_beijing_midnight(mailoutbox):
    fixed_cycle()
    user = f.regional_user(username="zj_drc")
    with registered(proposal_source([user])):
        assert scan(now=utc(2027, 4, 22, 15, 59).isoformat()) == 0
        assert reminders_due(now=utc(2027, 4, 22, 15, 59)) == []
    assert ReminderLog.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_scan_sends_the_seven_day_reminder_one_minute_after_beijing_midnight(mailoutbox):
    cycle = fixed_cycle()
    user = f.regional_user(username="zj_drc")
    with registered(proposal_source([user])):
        assert scan(now=SEVEN_DAYS_BEFORE.isoformat()) == 1
    log = ReminderLog.objects.get()
    assert log.key == key_for(cycle, user) == f"{KIND}:{cycle.pk}:{user.pk}:7:2027-04-30"
    assert (log.kind, log.cycle, log.recipient, log.offset_days) == (KIND, cycle, user, 7)
    assert log.object_label == "2027年度建议书"
    assert log.due_at == DEADLINE
    assert log.last_day == datetime.date(2027, 4, 30)
    assert (log.status, log.attempts, log.error) == ("sent", 1, "")
    assert log.notification.title == "距建议书报送截止还有7天"
    assert log.notification.recipient == user
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["zj_drc@example.cn"]
    assert mail.subject == "【全面创新改革平台】距建议书报送截止还有7天"
    assert "截止时间：2027年4月30日 23:59（北京时间）" in mail.body
    assert "距截止还有 7 天。" in mail.body
    assert "http://127.0.0.1:8000/dashboard/" in mail.body


@pytest.mark.django_db
def test_the_missed_reminder_says_how_late(mailoutbox):
    fixed_cycle()
    user = f.regional_user(username="zj_drc")
    with registered(proposal_source([user])):
        assert scan(now=utc(2027, 4, 30, 16, 30).isoformat()) == 1
    assert ReminderLog.objects.get().offset_days == -1
    assert mailoutbox[0].subject == "【全面创新改革平台】建议书报送已逾期1天"
    assert "已逾期 1 天，请尽快办理或联系国家审核人员。" in mailoutbox[0].body


@pytest.mark.django_db
def test_a_broken_source_does_not_stop_the_others(mailoutbox):
    fixed_cycle()
    user = f.regional_user(username="zj_drc")

    def broken(*, cycle, now):
        raise RuntimeError("stage bug")

    with registered(broken), registered(proposal_source([user])):
        assert scan(now=SEVEN_DAYS_BEFORE.isoformat()) == 1
    assert len(mailoutbox) == 1

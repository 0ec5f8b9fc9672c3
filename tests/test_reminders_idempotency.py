"""One mail per reminder key: repeated scans, concurrent scans, duplicate and retried sends."""
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from reform_portal.models import Notification, ReminderLog
from reform_portal.reminders import Outcome, reminders_due
from reform_portal.tasks import scan, send

from . import factories as f
from .reminder_helpers import SEVEN_DAYS_BEFORE, fixed_cycle, key_for, proposal_source, registered

NOW = SEVEN_DAYS_BEFORE.isoformat()


@pytest.fixture
def three_users(db):
    return [f.regional_user(code, username=name)
            for code, name in [("330000", "zj_drc"), ("320000", "js_drc"), ("440000", "gd_drc")]]


@pytest.mark.django_db
def test_scan_twice_mails_once_per_key(mailoutbox, three_users):
    cycle = fixed_cycle()
    with registered(proposal_source(three_users)):
        assert scan(now=NOW) == 3
        assert scan(now=NOW) == 0  # every key is logged: nothing queued
    assert sorted(m.to[0] for m in mailoutbox) == ["gd_drc@example.cn", "js_drc@example.cn", "zj_drc@example.cn"]
    assert set(ReminderLog.objects.values_list("key", flat=True)) == {key_for(cycle, u) for u in three_users}
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.count() == 3


@pytest.mark.django_db
def test_the_same_key_sent_twice_is_claimed_once(mailoutbox, three_users):
    """What two overlapping scans do when both passed the pre-check: the unique INSERT decides."""
    fixed_cycle()
    with registered(proposal_source(three_users[:1])):
        [payload] = reminders_due(now=SEVEN_DAYS_BEFORE)
    assert send.delay(**payload).get() == Outcome.SENT
    assert send.delay(**payload).get() == Outcome.DUPLICATE
    assert len(mailoutbox) == 1
    assert ReminderLog.objects.count() == 1
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_of_a_sent_reminder_does_not_mail_again(mailoutbox, three_users):
    fixed_cycle()
    with registered(proposal_source(three_users[:1])):
        [payload] = reminders_due(now=SEVEN_DAYS_BEFORE)
    send.delay(**payload).get()
    log = ReminderLog.objects.get()
    # A late duplicate of the retry message (it carries the claimed log's id).
    assert send.delay(**payload, log_id=log.pk).get() == Outcome.SKIPPED
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("sent", 1)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_new_offset_is_a_new_key(mailoutbox, three_users):
    import datetime

    fixed_cycle()
    with registered(proposal_source(three_users[:1])):
        scan(now=NOW)
        scan(now=(SEVEN_DAYS_BEFORE + datetime.timedelta(days=6)).isoformat())  # 04-29: offset 1
    assert sorted(ReminderLog.objects.values_list("offset_days", flat=True)) == [1, 7]
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_send_reminders_command_runs_the_scan_synchronously(mailoutbox, three_users):
    fixed_cycle()
    with registered(proposal_source(three_users)):
        out = StringIO()
        call_command("send_reminders", now=NOW, stdout=out)
        assert out.getvalue() == "到期提醒 3 条：已发送 3，失败 0，待发送 0\n"
        out = StringIO()
        call_command("send_reminders", now=NOW, stdout=out)
        assert out.getvalue() == "到期提醒 0 条：已发送 0，失败 0，待发送 0\n"
    assert len(mailoutbox) == 3


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_mail_once_per_key(mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL (SQLite serialises the whole database)")
    cycle = fixed_cycle()
    users = [f.regional_user(code, username=name)
             for code, name in [("330000", "zj_drc"), ("320000", "js_drc"), ("440000", "gd_drc")]]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            results.append(scan(now=NOW))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with registered(proposal_source(users, barrier=barrier)):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    # Both scans found the three keys unlogged and queued them; the INSERT let one send each.
    assert results == [3, 3]
    assert len(mailoutbox) == 3
    assert sorted(m.to[0] for m in mailoutbox) == ["gd_drc@example.cn", "js_drc@example.cn", "zj_drc@example.cn"]
    assert set(ReminderLog.objects.values_list("key", "status")) == {(key_for(cycle, u), "sent") for u in users}
    assert Notification.objects.count() == 3

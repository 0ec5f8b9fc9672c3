"""A failing mail server: retries with back-off, then the failure is recorded; users without e-mail."""
import pytest

from reform_portal.models import Notification, ReminderLog
from reform_portal.reminders import retry_countdown
from reform_portal.tasks import scan

from . import factories as f
from .reminder_helpers import (
    SEVEN_DAYS_BEFORE,
    FailingEmailBackend,
    FlakyEmailBackend,
    fixed_cycle,
    proposal_source,
    registered,
)

NOW = SEVEN_DAYS_BEFORE.isoformat()


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.PORTAL_REMINDER_MAX_RETRIES = 3
    settings.PORTAL_REMINDER_RETRY_BACKOFF = 0


@pytest.mark.django_db
def test_every_try_fails_then_the_failure_is_recorded(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reminder_helpers.FailingEmailBackend"
    FailingEmailBackend.calls = 0
    fixed_cycle()
    user = f.regional_user(username="zj_drc")
    with registered(proposal_source([user])):
        assert scan(now=NOW) == 1
        assert scan(now=NOW) == 0  # a failed key is final: the next hourly scan does not retry it
    log = ReminderLog.objects.get()
    assert log.status == "failed"
    assert log.attempts == 4  # the first try and 3 retries
    assert FailingEmailBackend.calls == 4
    assert log.error == "SMTPException: 421 服务暂不可用"
    assert log.sent_at is None
    # The in-app notification was made once, with the claim, whatever the mail server does.
    assert list(Notification.objects.values_list("recipient__username", "title")) == [
        ("zj_drc", "距建议书报送截止还有7天")]
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_retry_after_one_failure_mails_exactly_once(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reminder_helpers.FlakyEmailBackend"
    FlakyEmailBackend.calls = 0
    fixed_cycle()
    user = f.regional_user(username="zj_drc")
    with registered(proposal_source([user])):
        scan(now=NOW)
    log = ReminderLog.objects.get()
    assert (log.status, log.attempts) == ("sent", 2)
    assert log.error == "SMTPServerDisconnected: Connection unexpectedly closed"  # kept: the first try failed
    assert FlakyEmailBackend.calls == 2
    assert [m.to for m in mailoutbox] == [["zj_drc@example.cn"]]
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_a_user_without_email_still_gets_the_in_app_notification(mailoutbox):
    fixed_cycle()
    user = f.regional_user(username="zj_drc", email="")
    with registered(proposal_source([user])):
        assert scan(now=NOW) == 1
    log = ReminderLog.objects.get()
    assert (log.status, log.attempts) == ("sent", 0)
    assert Notification.objects.get().recipient == user
    assert mailoutbox == []


def test_back_off_doubles(settings):
    settings.PORTAL_REMINDER_RETRY_BACKOFF = 60
    assert [retry_countdown(n) for n in range(3)] == [60, 120, 240]

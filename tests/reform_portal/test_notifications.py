"""notify(): in-app rows in the caller's transaction, e-mail copies sent by the worker (through the outbox) once
it commits, with retries, a status per notification, and never twice."""

import smtplib

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.utils import timezone

from reform_portal import outbox
from reform_portal.enums import MailStatus, OutboxState
from reform_portal.models import Notification, OutboxMessage
from reform_portal.notifications import notify

from .. import factories as f


@pytest.mark.django_db
def test_notify_creates_in_app_rows_and_mails_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    zj = f.regional_user("330000", username="zj_drc")
    js = f.regional_user("320000", username="js_drc")
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(
            recipients=[zj, js, zj],
            title="年度举措清单已公布，揭榜开始",
            body="请在揭榜截止前认领改革任务。",
            url="/catalog/list/",
            kind="list_published",
        )
        assert mailoutbox == []  # nothing leaves before the commit
    assert [r.recipient for r in rows] == [zj, js]
    assert set(
        Notification.objects.values_list("recipient__username", "kind", "title", "url", "read_at")
    ) == {
        ("zj_drc", "list_published", "年度举措清单已公布，揭榜开始", "/catalog/list/", None),
        ("js_drc", "list_published", "年度举措清单已公布，揭榜开始", "/catalog/list/", None),
    }
    assert sorted(m.to[0] for m in mailoutbox) == ["js_drc@example.cn", "zj_drc@example.cn"]
    mail = next(m for m in mailoutbox if m.to == ["zj_drc@example.cn"])
    assert mail.subject == "【全面创新改革平台】年度举措清单已公布，揭榜开始"
    assert mail.body.startswith(f"{zj}，您好：\n")
    assert "请在揭榜截止前认领改革任务。" in mail.body
    assert "http://127.0.0.1:8000/catalog/list/" in mail.body
    assert rows[0].history.count() == 1


@pytest.mark.django_db
def test_a_user_without_email_gets_only_the_in_app_notification(
    django_capture_on_commit_callbacks, mailoutbox
):
    user = f.regional_user(username="zj_drc", email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], title="清单已公布", url="/")
    assert Notification.objects.get().recipient == user
    assert mailoutbox == []


@pytest.mark.django_db
def test_email_false_sends_no_mail(django_capture_on_commit_callbacks, mailoutbox):
    user = f.regional_user(username="zj_drc")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], title="清单已公布", email=False)
    assert Notification.objects.count() == 1
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_action_neither_notifies_nor_mails(mailoutbox):
    user = f.regional_user(username="zj_drc")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[user], title="清单已公布")
        raise RuntimeError("the publishing service failed after notifying")
    assert Notification.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_mail_server_failure_does_not_break_the_caller(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.reform_portal.reminder_scenarios.FailingEmailBackend"
    user = f.regional_user(username="zj_drc")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], title="清单已公布")
    assert Notification.objects.count() == 1


# ---- mail through the worker: statuses, retries, idempotence ------------------------------------------------


@pytest.mark.django_db
def test_notify_queues_one_outbox_message_for_the_mails_in_the_callers_transaction(
    django_capture_on_commit_callbacks, mailoutbox
):
    zj = f.regional_user("330000", username="zj_drc")
    nomail = f.regional_user("320000", username="js_drc", email="")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify(recipients=[zj, nomail], title="清单已公布", url="/")
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.kwargs, message.state) == (
        "notifications.send_email",
        {"notification_ids": [rows[0].pk]},
        OutboxState.PENDING,
    )
    assert [(n.recipient.username, n.email_status) for n in Notification.objects.order_by("pk")] == [
        ("zj_drc", MailStatus.PENDING),
        ("js_drc", ""),
    ]
    assert mailoutbox == []
    for callback in callbacks:  # the commit: embedded mode runs the message inline
        callback()
    row = Notification.objects.get(recipient=zj)
    assert (row.email_status, row.email_attempts, row.email_error) == (MailStatus.SENT, 1, "")
    assert row.emailed_at is not None
    assert [m.to for m in mailoutbox] == [["zj_drc@example.cn"]]
    assert OutboxMessage.objects.get().state == OutboxState.DONE


@pytest.mark.django_db
def test_a_failed_mail_is_retried_with_back_off_then_marked_failed(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.reform_portal.reminder_scenarios.FailingEmailBackend"
    settings.PORTAL_MAIL_MAX_RETRIES = 2
    settings.PORTAL_MAIL_RETRY_BACKOFF = 30
    user = f.regional_user(username="zj_drc")
    with django_capture_on_commit_callbacks(execute=True):
        [row] = notify(recipients=[user], title="清单已公布")
    message = OutboxMessage.objects.get()
    waits = []
    for attempt in (1, 2):
        row.refresh_from_db()
        message.refresh_from_db()
        assert (row.email_status, row.email_attempts, row.email_error) == (
            MailStatus.PENDING,
            attempt,
            "SMTPException: 421 服务暂不可用",
        )
        assert message.state == OutboxState.PENDING
        waits.append(round((message.available_at - timezone.now()).total_seconds()))
        outbox.relay_once(now=message.available_at)  # the relay hands it over again when it is due
    assert waits == [30, 60]  # 30 s, then 2 × 30 s
    row.refresh_from_db()
    assert (row.email_status, row.email_attempts) == (MailStatus.FAILED, 3)
    assert OutboxMessage.objects.get().state == OutboxState.DONE  # the task gave up cleanly
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_retried_or_redelivered_task_never_mails_twice(django_capture_on_commit_callbacks, mailoutbox):
    from reform_portal.tasks import send_email

    user = f.regional_user(username="zj_drc")
    with django_capture_on_commit_callbacks(execute=True):
        [row] = notify(recipients=[user], title="清单已公布")
    assert send_email.apply(kwargs={"notification_ids": [row.pk]}).get() == {"skipped": 1}
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_refused_recipient_fails_alone_and_a_dead_server_fails_the_rest_of_the_run(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    """One refused address is that message's error; a server that went away is every later message's too,
    without waiting for it again."""
    settings.EMAIL_BACKEND = "tests.reform_portal.test_notifications.PickyEmailBackend"
    PickyEmailBackend.calls = 0
    users = [f.regional_user("330000", username=name) for name in ("refused", "ok", "dies", "after")]
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(recipients=users, title="清单已公布", url="/")
    statuses = {
        n.recipient.username: (n.email_status, n.email_error)
        for n in Notification.objects.filter(pk__in=[r.pk for r in rows])
    }
    assert statuses == {
        "refused": (
            MailStatus.PENDING,
            "SMTPRecipientsRefused: {'refused@example.cn': (550, b'no such user')}",
        ),
        "ok": (MailStatus.SENT, ""),
        "dies": (MailStatus.PENDING, "SMTPServerDisconnected: 连接中断"),
        "after": (MailStatus.PENDING, "SMTPServerDisconnected: 连接中断"),
    }
    assert PickyEmailBackend.calls == 3  # "after" was not tried against the dead server
    assert [m.to for m in mailoutbox] == [["ok@example.cn"]]


class PickyEmailBackend(LocmemBackend):
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        to = messages[0].to[0]
        if to.startswith("refused"):
            raise smtplib.SMTPRecipientsRefused({to: (550, b"no such user")})
        if to.startswith("dies"):
            raise smtplib.SMTPServerDisconnected("连接中断")
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_key_tells_each_recipient_once_whatever_repeats(django_capture_on_commit_callbacks, mailoutbox):
    """A hand-off's idempotent key (kind:object:occurrence): a repeated call (a retried transaction, a double
    click) tells nobody twice; a recipient not told yet still is; the database refuses a duplicate outright."""
    from django.db import IntegrityError

    from reform_portal.notifications import idempotency_key

    zj = f.regional_user("330000", username="zj_drc")
    js = f.regional_user("320000", username="js_drc")
    key = idempotency_key("book_returned", zj.organization, "7")
    assert key == f"book_returned:reform_portal.organization-{zj.organization.pk}:7"
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(recipients=[zj], title="建议书已被退回修改", url="/", kind="book_returned", key=key)
        again = notify(
            recipients=[zj, js], title="建议书已被退回修改", url="/", kind="book_returned", key=key
        )
        last = notify(recipients=[zj, js], title="建议书已被退回修改", url="/", kind="book_returned", key=key)
    assert [n.recipient for n in first] == [zj]
    assert [n.recipient for n in again] == [js]
    assert last == []
    assert sorted(m.to[0] for m in mailoutbox) == ["js_drc@example.cn", "zj_drc@example.cn"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=zj, title="重复", key=key)
    # without a key nothing is deduplicated (the inbox's ordinary messages)
    notify(recipients=[zj], title="建议书已被退回修改", url="/")
    notify(recipients=[zj], title="建议书已被退回修改", url="/")
    assert Notification.objects.filter(recipient=zj).count() == 3


@pytest.mark.django_db
def test_the_default_occurrence_is_the_objects_latest_history_row():
    from reform_portal.notifications import idempotency_key

    org = f.OrganizationFactory(name="浙江大学")
    first = idempotency_key("entities_named", org)
    org.short_name = "浙大"
    org.save()
    second = idempotency_key("entities_named", org)
    assert first != second
    assert second == f"entities_named:reform_portal.organization-{org.pk}:{org.history.first().history_id}"

"""The 短信 / 政务IM channel (reform_portal/channels.py), against a small fake gateway this test starts on the loopback:
a notification reaches an opted-in user's phone once, through the outbox, with the same idempotency key on every
try; failures are retried with back-off, refusals are not; nothing goes out without a gateway or an opt-in."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reform_portal import outbox
from reform_portal.enums import MailStatus, OutboxState
from reform_portal.models import NotificationDelivery, OutboxMessage
from reform_portal.notifications import deliveries_deliver, notify
from reform_portal.reminders import reminder_claim

from .. import factories as f

pytestmark = pytest.mark.django_db

TOKEN = "gateway-token-for-tests"  # noqa: S105 - the fake gateway's


class FakeGateway:
    """An HTTP server on 127.0.0.1 that records each POST (headers and JSON) and answers with the next status
    of ``statuses`` (200 once they run out)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.requests.append({"headers": dict(self.headers), "json": json.loads(body)})
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b'{"error": "busy"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    server = FakeGateway()
    settings.PORTAL_SMS_GATEWAY_URL = server.url
    settings.PORTAL_SMS_GATEWAY_TOKEN = TOKEN
    settings.PORTAL_SMS_GATEWAY_TIMEOUT = 5
    settings.PORTAL_MAIL_MAX_RETRIES = 2
    yield server
    server.close()


def opted_in(username="zj_drc", phone="138 0013 8000", **kwargs):
    return f.regional_user("330000", username=username, phone=phone, notify_sms=True, **kwargs)


def tell(users, capture, **kwargs):
    with capture(execute=True):
        return notify(
            recipients=users,
            title="浙江省建议书已被退回修改",
            body="理由：预期成效不够具体。请于2027年4月30日前重新报送。",
            url="/proposals/books/1/",
            kind="book_returned",
            **kwargs,
        )


def test_an_opted_in_user_gets_the_text_through_the_gateway_once(gateway, django_capture_on_commit_callbacks):
    user = opted_in()
    not_opted = f.regional_user("330000", username="zj_kjt", phone="13900139000")
    landline = f.regional_user("320000", username="js_drc", phone="025-83391234", notify_sms=True)
    rows = tell([user, not_opted, landline], django_capture_on_commit_callbacks)
    (request,) = gateway.requests
    note = next(r for r in rows if r.recipient == user)
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Idempotency-Key"] == f"notification-{note.pk}-sms"
    assert request["json"] == {
        "to": "+8613800138000",
        "text": "【全面创新改革平台】浙江省建议书已被退回修改。理由：预期成效不够具体。请于2027年4月30日前重新报送。"
        " 详见：http://127.0.0.1:8000/proposals/books/1/",
        "key": f"notification-{note.pk}-sms",
        "title": "浙江省建议书已被退回修改",
        "link": "http://127.0.0.1:8000/proposals/books/1/",
    }
    (delivery,) = NotificationDelivery.objects.all()
    assert (delivery.notification, delivery.status, delivery.attempts, delivery.address) == (
        note,
        MailStatus.SENT,
        1,
        "+8613800138000",
    )
    # the task run again (a redelivered message, a second relay): nothing more leaves
    assert deliveries_deliver(delivery_ids=[delivery.pk], max_attempts=3)["skipped"] == 1
    assert len(gateway.requests) == 1


def test_a_failure_is_retried_later_with_the_same_key(gateway, django_capture_on_commit_callbacks):
    gateway.statuses = [503]
    user = opted_in()
    tell([user], django_capture_on_commit_callbacks)
    delivery = NotificationDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (MailStatus.PENDING, 1)
    assert delivery.error.startswith("HTTP 503")
    message = OutboxMessage.objects.get(task_name="notifications.send_channel")
    assert message.state == OutboxState.PENDING and message.available_at > message.created_at
    outbox.run_inline(message.pk)  # the relay hands it over again when it is due
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == (MailStatus.SENT, 2, "")
    keys = [r["headers"]["Idempotency-Key"] for r in gateway.requests]
    assert keys == [delivery.idempotency_key] * 2


def test_a_refusal_is_not_tried_again_and_the_last_try_gives_up(gateway, django_capture_on_commit_callbacks):
    gateway.statuses = [400, 502, 502, 502]
    refused, busy = opted_in(), opted_in("js_drc", "13900139000")
    tell([refused], django_capture_on_commit_callbacks)
    row = NotificationDelivery.objects.get(notification__recipient=refused)
    assert (row.status, row.attempts) == (MailStatus.FAILED, 1)
    assert row.error == 'HTTP 400: {"error": "busy"}'
    tell([busy], django_capture_on_commit_callbacks)
    row = NotificationDelivery.objects.get(notification__recipient=busy)
    for _ in range(2):
        deliveries_deliver(delivery_ids=[row.pk], max_attempts=3)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MailStatus.FAILED, 3)
    assert len(gateway.requests) == 4


def test_an_unreachable_gateway_is_an_error_to_retry(settings, django_capture_on_commit_callbacks):
    server = FakeGateway()
    settings.PORTAL_SMS_GATEWAY_URL = server.url
    server.close()  # nobody listens on that port any more
    tell([opted_in()], django_capture_on_commit_callbacks)
    row = NotificationDelivery.objects.get()
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert row.error.startswith("ConnectionError")


def test_without_a_gateway_or_an_opt_in_nothing_is_queued(
    settings, gateway, django_capture_on_commit_callbacks
):
    tell(
        [f.regional_user("330000", username="zj_kjt", phone="13900139000")],
        django_capture_on_commit_callbacks,
    )
    settings.PORTAL_SMS_GATEWAY_URL = ""
    tell([opted_in()], django_capture_on_commit_callbacks, key="book_returned:x:1")
    assert NotificationDelivery.objects.count() == 0
    assert not OutboxMessage.objects.filter(task_name="notifications.send_channel").exists()
    assert gateway.requests == []


def test_a_deadline_reminder_also_goes_to_the_phone(gateway, django_capture_on_commit_callbacks):
    user = opted_in()
    with django_capture_on_commit_callbacks(execute=True):
        log = reminder_claim(
            key="proposal_deadline:1:2:7:2027-04-30",
            kind="proposal_deadline",
            cycle_id=None,
            obj_label="浙江省建议书",
            recipient_id=user.pk,
            offset_days=7,
            due_at="2027-04-30T16:00:00+00:00",
            title="距建议书报送截止还有7天",
            url="/proposals/",
        )
    (request,) = gateway.requests
    assert request["json"]["to"] == "+8613800138000"
    assert request["json"]["key"] == f"notification-{log.notification_id}-sms"
    assert request["json"]["text"].startswith("【全面创新改革平台】距建议书报送截止还有7天。")


def test_a_long_text_is_shortened_but_keeps_the_link(gateway, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_SMS_MAX_CHARS = 80
    user = opted_in()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], title="协调事项已答复", body="答复内容" * 50, url="/bidding/tasks/7/")
    text = gateway.requests[0]["json"]["text"]
    assert len(text) == 80
    assert text.endswith("… 详见：http://127.0.0.1:8000/bidding/tasks/7/")


def test_reviewers_see_the_channels_failures_on_the_mail_log(
    client, gateway, reviewer, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    gateway.statuses = [400]
    tell([opted_in(), opted_in("js_drc", "13900139000")], django_capture_on_commit_callbacks)
    client.force_login(reviewer)
    page = client.get(reverse("mail_log"))
    assert page.context["channel_counts"] == {"sent": 1, "failed": 1, "pending": 0}
    (failure,) = page.context["channel_failures"]
    assert failure.error == 'HTTP 400: {"error": "busy"}'
    assert "HTTP 400" in page.content.decode()

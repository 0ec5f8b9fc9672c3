"""notify(): in-app rows in the caller's transaction, e-mail copies once it commits."""
import pytest
from django.db import transaction

from reform_portal.models import Notification
from reform_portal.notifications import notify

from . import factories as f


@pytest.mark.django_db
def test_notify_creates_in_app_rows_and_mails_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    zj = f.regional_user("330000", username="zj_drc")
    js = f.regional_user("320000", username="js_drc")
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(recipients=[zj, js, zj], title="年度举措清单已公布，揭榜开始",
                      body="请在揭榜截止前认领改革任务。", url="/catalog/list/", kind="list_published")
        assert mailoutbox == []  # nothing leaves before the commit
    assert [r.recipient for r in rows] == [zj, js]
    assert set(Notification.objects.values_list("recipient__username", "kind", "title", "url", "read_at")) == {
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
def test_a_user_without_email_gets_only_the_in_app_notification(django_capture_on_commit_callbacks, mailoutbox):
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
def test_a_mail_server_failure_does_not_break_the_caller(settings, django_capture_on_commit_callbacks, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reminder_helpers.FailingEmailBackend"
    user = f.regional_user(username="zj_drc")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], title="清单已公布")
    assert Notification.objects.count() == 1

"""The notification pages: the inbox, the reminder log and the mail log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reform_portal.enums import Role
from reform_portal.models import Notification, ReformCycle, ReminderLog

from .. import factories as f
from .reminder_scenarios import fixed_cycle

# ------------------------------------------------------------------------------------------------------------
# The inbox: own notifications only, unread first, mark read, the unread badge in the header.


def note(user, title, *, minutes_ago=0, read=False, url="/dashboard/"):
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        recipient=user, title=title, url=url, created_at=at, read_at=at if read else None
    )


@pytest.fixture
def other(db):
    return f.regional_user("320000", username="js_drc")


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    for url in [reverse("notifications"), reverse("reminder_log")]:
        page = client.get(url)
        assert page.status_code == 302
        assert page["Location"].startswith(reverse("login"))
    assert client.post(reverse("notifications_read_all")).status_code == 302


@pytest.mark.django_db
def test_inbox_lists_own_notifications_unread_first(client, region_a_drc, other):
    note(region_a_drc, "旧的已读", minutes_ago=1, read=True)
    note(region_a_drc, "较早未读", minutes_ago=10)
    note(region_a_drc, "最新未读", minutes_ago=2)
    note(other, "别人的通知")
    client.force_login(region_a_drc)
    page = client.get(reverse("notifications"))
    assert page.status_code == 200
    assert [n.title for n in page.context["page"]] == ["最新未读", "较早未读", "旧的已读"]
    assert "别人的通知" not in page.content.decode()


@pytest.mark.django_db
def test_header_shows_the_unread_count(client, cycle, region_a_drc, other):
    note(region_a_drc, "一")
    note(region_a_drc, "二")
    note(region_a_drc, "三", read=True)
    note(other, "别人的")
    client.force_login(region_a_drc)
    html = client.get(reverse("dashboard")).content.decode()
    assert '<span class="badge-count" data-testid="unread-count" title="未读消息">2</span>' in html
    client.force_login(other)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="unread-count" title="未读消息">1</span>' in html


@pytest.mark.django_db
def test_no_badge_without_unread(client, cycle, region_a_drc):
    client.force_login(region_a_drc)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="header-notifications"' in html
    assert 'data-testid="unread-count"' not in html


@pytest.mark.django_db
def test_the_badge_costs_one_query(client, cycle, region_a_drc, django_assert_num_queries):
    from django.test import RequestFactory

    from reform_portal.context_processors import portal

    note(region_a_drc, "一")
    request = RequestFactory().get("/")
    request.user = region_a_drc
    with django_assert_num_queries(2):  # the current cycle, and the unread COUNT
        context = portal(request)
    assert context["portal_unread"] == 1


@pytest.mark.django_db
def test_mark_one_read(client, region_a_drc):
    n = note(region_a_drc, "清单已公布")
    client.force_login(region_a_drc)
    page = client.post(reverse("notification_read", args=[n.pk]))
    assert page.status_code == 302 and page["Location"] == reverse("notifications")
    n.refresh_from_db()
    assert n.read_at is not None
    assert n.history.count() == 2


@pytest.mark.django_db
def test_open_marks_read_and_goes_to_the_object(client, region_a_drc):
    n = note(region_a_drc, "清单已公布", url="/catalog/list/")
    client.force_login(region_a_drc)
    page = client.post(reverse("notification_open", args=[n.pk]))
    assert page.status_code == 302 and page["Location"] == "/catalog/list/"
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.django_db
def test_open_never_redirects_off_site(client, region_a_drc):
    n = note(region_a_drc, "可疑链接", url="https://evil.example.com/")
    client.force_login(region_a_drc)
    page = client.post(reverse("notification_open", args=[n.pk]))
    assert page["Location"] == reverse("notifications")


@pytest.mark.django_db
def test_mark_read_only_by_post(client, region_a_drc):
    n = note(region_a_drc, "清单已公布")
    client.force_login(region_a_drc)
    assert client.get(reverse("notification_read", args=[n.pk])).status_code == 405
    assert client.get(reverse("notifications_read_all")).status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


@pytest.mark.django_db
def test_someone_elses_notification_is_404(client, region_a_drc, other):
    n = note(other, "别人的通知")
    client.force_login(region_a_drc)
    assert client.post(reverse("notification_read", args=[n.pk])).status_code == 404
    assert client.post(reverse("notification_open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


@pytest.mark.django_db
def test_mark_all_read_touches_only_own(client, region_a_drc, other):
    note(region_a_drc, "一")
    note(region_a_drc, "二")
    theirs = note(other, "别人的")
    client.force_login(region_a_drc)
    page = client.post(reverse("notifications_read_all"))
    assert page.status_code == 302
    assert Notification.objects.filter(recipient=region_a_drc, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert Notification.history.filter(recipient=region_a_drc, read_at__isnull=False).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_inbox_query_count_does_not_grow(client, region_a_drc, django_assert_num_queries, count):
    for i in range(count):
        note(region_a_drc, f"通知{i}")
    client.force_login(region_a_drc)
    # session, user, roles, page count, page rows; header: cycle, organization, unread count
    with django_assert_num_queries(7):  # the page of the inbox and its length in one query
        page = client.get(reverse("notifications"))
    assert len(page.context["page"]) == count


@pytest.mark.django_db
def test_inbox_in_english(client, region_a_drc):
    note(region_a_drc, "清单已公布")
    client.force_login(region_a_drc)
    client.post(reverse("set_language"), {"language": "en", "next": "/notifications/"})
    html = client.get(reverse("notifications")).content.decode()
    assert "<h1>My messages</h1>" in html
    assert "Mark all as read" in html


# ------------------------------------------------------------------------------------------------------------
# The reminder log page: national reviewers only, per cycle, counts and paginated rows.


def log(cycle, user, status, n, error=""):
    return ReminderLog.objects.create(
        key=f"test:{cycle.pk}:{user.pk}:{n}",
        kind="test",
        cycle=cycle,
        object_label=f"事项{n}",
        recipient=user,
        offset_days=n,
        due_at=datetime.datetime(2027, 4, 30, 16, tzinfo=datetime.UTC),
        status=status,
        attempts=1,
        error=error,
        sent_at=timezone.now() if status == "sent" else None,
    )


@pytest.mark.django_db
def test_reviewer_sees_counts_and_rows_of_the_chosen_cycle(client, reviewer, region_a_drc):
    cycle = fixed_cycle()
    other = f.CycleFactory(year=2026, **ReformCycle.defaults_for(2026))
    log(cycle, region_a_drc, "sent", 30)
    log(cycle, region_a_drc, "sent", 7)
    log(cycle, region_a_drc, "failed", 1, error="SMTPException: 421 服务暂不可用")
    log(cycle, region_a_drc, "pending", -1)
    log(other, region_a_drc, "sent", 7)
    client.force_login(reviewer)
    page = client.get(reverse("reminder_log"), {"year": "2027"})
    assert page.status_code == 200
    assert page.context["counts"] == {"sent": 2, "failed": 1, "pending": 1}
    assert [r.object_label for r in page.context["page"]] == ["事项-1", "事项1", "事项7", "事项30"]
    html = page.content.decode()
    assert '<dd data-testid="count-failed">1</dd>' in html
    assert "SMTPException: 421 服务暂不可用" in html
    assert "截止前 7 天" in html and "逾期后 1 天" in html
    page = client.get(reverse("reminder_log"), {"year": "2027", "status": "failed"})
    assert [r.object_label for r in page.context["page"]] == ["事项1"]
    page = client.get(reverse("reminder_log"), {"year": "2026"})
    assert page.context["counts"] == {"sent": 1, "failed": 0, "pending": 0}


@pytest.mark.django_db
def test_default_is_the_current_cycle_and_an_unknown_year_is_404(client, reviewer):
    cycle = fixed_cycle()
    client.force_login(reviewer)
    assert client.get(reverse("reminder_log")).context["cycle"] == cycle
    assert client.get(reverse("reminder_log"), {"year": "1999"}).status_code == 404
    # not a year: the default year (DECISIONS §14)
    assert client.get(reverse("reminder_log"), {"year": "abc"}).context["cycle"] == cycle


@pytest.mark.django_db
def test_links_with_the_old_cycle_parameter_lead_to_the_year(client, reviewer):
    fixed_cycle()
    client.force_login(reviewer)
    page = client.get(reverse("reminder_log"), {"cycle": "2027", "status": "failed"})
    assert (page.status_code, page["Location"]) == (302, "/reminders/log/?status=failed&year=2027")


@pytest.mark.django_db
def test_other_roles_get_403(client, role_users):
    fixed_cycle()
    answers = {}
    for role, user in role_users.items():
        client.force_login(user)
        answers[role] = client.get(reverse("reminder_log")).status_code
    assert answers == {role: 200 if role == Role.NATIONAL_REVIEWER else 403 for role in Role}


@pytest.mark.django_db
def test_rows_are_paginated(client, reviewer, region_a_drc):
    cycle = fixed_cycle()
    for n in range(55):
        log(cycle, region_a_drc, "sent", n)
    client.force_login(reviewer)
    first = client.get(reverse("reminder_log"), {"year": "2027"})
    assert len(first.context["page"]) == 50
    assert 'href="?year=2027&amp;page=2"' in first.content.decode()
    second = client.get(reverse("reminder_log"), {"year": "2027", "page": "2"})
    assert len(second.context["page"]) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_reminder_log_query_count_does_not_grow(client, reviewer, django_assert_num_queries, count):
    cycle = fixed_cycle()
    for n in range(count):
        log(cycle, f.regional_user(username=f"u{n}"), "sent", n)
    client.force_login(reviewer)
    # session, user, roles, the years with their cycles (year switch; the page's cycle is among them, issue 19),
    # counts, page count, rows (+recipient, organization); header (the page's cycle, no second lookup):
    # organization, unread count
    with django_assert_num_queries(9):
        page = client.get(reverse("reminder_log"), {"year": "2027"})
    assert len(page.context["page"]) == count


# ------------------------------------------------------------------------------------------------------------
# The mail log: every notification's e-mail copy, failed ones with their error.


def mailed(user, title, status, *, attempts=1, error=""):
    return Notification.objects.create(
        recipient=user, title=title, email_status=status, email_attempts=attempts, email_error=error
    )


@pytest.mark.django_db
def test_mail_log_shows_failed_mail_with_its_error(client, reviewer, region_a_drc):
    mailed(region_a_drc, "清单已公布", "failed", attempts=4, error="SMTPConnectError: (421, '服务暂不可用')")
    mailed(region_a_drc, "建议书已退回", "sent")
    mailed(region_a_drc, "通知书已下达", "pending", error="ConnectionRefusedError: [Errno 111]")
    Notification.objects.create(recipient=region_a_drc, title="无邮件副本")  # no e-mail copy: not listed
    client.force_login(reviewer)
    page = client.get(reverse("mail_log"))
    assert page.status_code == 200
    assert page.context["counts"] == {"sent": 1, "failed": 1, "pending": 1}
    assert [n.title for n in page.context["page"]] == ["通知书已下达", "建议书已退回", "清单已公布"]
    html = page.content.decode()
    assert '<span class="late">发送失败</span>' in html
    assert "SMTPConnectError: (421, &#x27;服务暂不可用&#x27;)" in html
    failed = client.get(reverse("mail_log"), {"status": "failed"})
    assert [n.title for n in failed.context["page"]] == ["清单已公布"]
    assert [n.title for n in client.get(reverse("mail_log"), {"status": "bogus"}).context["page"]] == [
        "通知书已下达",
        "建议书已退回",
        "清单已公布",
    ]


@pytest.mark.django_db
def test_mail_log_is_for_national_reviewers_only(client, role_users):
    for role, user in role_users.items():
        client.force_login(user)
        expected = 200 if role == Role.NATIONAL_REVIEWER else 403
        assert client.get(reverse("mail_log")).status_code == expected, role


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_mail_log_query_count_does_not_grow(client, reviewer, django_assert_num_queries, count):
    for n in range(count):
        mailed(f.regional_user(username=f"u{n}"), f"通知{n}", "sent")
    client.force_login(reviewer)
    # session, user, roles, counts, page count, rows (+recipient, organization); the phone channel's counts
    # and latest failures; header: cycle, organization, unread count
    with django_assert_num_queries(11):
        page = client.get(reverse("mail_log"))
    assert len(page.context["page"]) == count

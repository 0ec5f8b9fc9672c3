"""The inbox: own notifications only, unread first, mark read, the unread badge in the header."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reform_portal.models import Notification

from . import factories as f


def note(user, title, *, minutes_ago=0, read=False, url="/dashboard/"):
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return Notification.objects.create(recipient=user, title=title, url=url, created_at=at,
                                       read_at=at if read else None)


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
    with django_assert_num_queries(8):
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

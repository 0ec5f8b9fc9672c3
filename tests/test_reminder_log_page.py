"""The reminder log page: national reviewers only, per cycle, counts and paginated rows."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reform_portal.enums import Role
from reform_portal.models import ReformCycle, ReminderLog

from . import factories as f
from .reminder_helpers import fixed_cycle


def log(cycle, user, status, n, error=""):
    return ReminderLog.objects.create(
        key=f"test:{cycle.pk}:{user.pk}:{n}", kind="test", cycle=cycle, object_label=f"事项{n}",
        recipient=user, offset_days=n, due_at=datetime.datetime(2027, 4, 30, 16, tzinfo=datetime.UTC),
        status=status, attempts=1, error=error, sent_at=timezone.now() if status == "sent" else None)


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
    page = client.get(reverse("reminder_log"), {"cycle": "2027"})
    assert page.status_code == 200
    assert page.context["counts"] == {"sent": 2, "failed": 1, "pending": 1}
    assert [r.object_label for r in page.context["page"]] == ["事项-1", "事项1", "事项7", "事项30"]
    html = page.content.decode()
    assert '<dd data-testid="count-failed">1</dd>' in html
    assert "SMTPException: 421 服务暂不可用" in html
    assert "截止前 7 天" in html and "逾期后 1 天" in html
    page = client.get(reverse("reminder_log"), {"cycle": "2027", "status": "failed"})
    assert [r.object_label for r in page.context["page"]] == ["事项1"]
    page = client.get(reverse("reminder_log"), {"cycle": "2026"})
    assert page.context["counts"] == {"sent": 1, "failed": 0, "pending": 0}


@pytest.mark.django_db
def test_default_is_the_current_cycle_and_an_unknown_year_is_404(client, reviewer):
    cycle = fixed_cycle()
    client.force_login(reviewer)
    assert client.get(reverse("reminder_log")).context["cycle"] == cycle
    assert client.get(reverse("reminder_log"), {"cycle": "1999"}).status_code == 404
    assert client.get(reverse("reminder_log"), {"cycle": "abc"}).status_code == 404


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
    first = client.get(reverse("reminder_log"), {"cycle": "2027"})
    assert len(first.context["page"]) == 50
    assert 'href="?cycle=2027&amp;page=2"' in first.content.decode()
    second = client.get(reverse("reminder_log"), {"cycle": "2027", "page": "2"})
    assert len(second.context["page"]) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_reminder_log_query_count_does_not_grow(client, reviewer, django_assert_num_queries, count):
    cycle = fixed_cycle()
    for n in range(count):
        log(cycle, f.regional_user(username=f"u{n}"), "sent", n)
    client.force_login(reviewer)
    # session, user, roles, cycle, counts, page count, rows (+recipient, organization), cycle years;
    # header: cycle, organization, unread count
    with django_assert_num_queries(11):
        page = client.get(reverse("reminder_log"), {"cycle": "2027"})
    assert len(page.context["page"]) == count

"""The kernel's pages: home, dashboard, login, errors, language, health check, admin."""

import pytest
from django.urls import reverse

from reform_portal.dashboard import NEXT_ACTIONS
from reform_portal.enums import Role, Stage

from .. import factories as f


@pytest.mark.django_db
def test_home_page_is_public_and_shows_the_cycle(client):
    cycle = f.CycleFactory()
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(cycle) in html
    assert "征集选题" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/dashboard/", "/admin/"])
def test_anonymous_user_is_sent_to_login(client, url):
    page = client.get(url)
    assert page.status_code == 302
    assert "login" in page["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_dashboard_with_the_next_action(client, cycle, role_users, role):
    user = role_users[role]
    client.force_login(user)
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    expected = NEXT_ACTIONS.get((str(role), str(Stage.PROPOSAL)))
    if expected:
        assert str(expected[0]) in html
    else:
        assert "当前阶段暂无需要您办理的事项" in html
    assert str(role.label) in html
    assert str(cycle) in html


@pytest.mark.django_db
def test_a_missing_page_answers_404_in_chinese_with_the_way_back(client, cycle, liaison):
    page = client.get("/catalog/consultations/999999/")
    assert page.status_code == 302  # anonymous: to the login page first
    client.force_login(liaison)
    page = client.get("/catalog/consultations/999999/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "<h1>页面不存在</h1>" in html
    assert f'<a href="{reverse("dashboard")}">返回工作台</a>' in html
    client.logout()
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert f'<a href="{reverse("home")}">返回首页</a>' in page.content.decode()


@pytest.mark.django_db
def test_regional_dashboard_shows_the_proposal_deadline_with_days_left(client, cycle, region_a_drc):
    client.force_login(region_a_drc)
    page = client.get(reverse("dashboard"))
    deadline = page.context["deadline"]
    assert deadline.stage == Stage.PROPOSAL
    assert deadline.last_day == cycle.proposal_deadline
    assert deadline.days_left == 30
    assert "剩余 30 天" in page.content.decode()


@pytest.mark.django_db
def test_dashboard_action_links_do_not_fail(client, cycle, role_users):
    for user in role_users.values():
        client.force_login(user)
        context = client.get(reverse("dashboard")).context
        urls = [i.url for i in context["items"]] + ([context["action"].url] if context["action"] else [])
        for url in urls:
            assert client.get(url).status_code < 500


@pytest.mark.django_db
def test_login_page_is_chinese_and_logs_in(client, region_a_drc):
    page = client.get(reverse("login"))
    assert "用户名" in page.content.decode()
    page = client.post(reverse("login"), {"username": "zj_drc", "password": f.PASSWORD})
    assert page.status_code == 302 and page["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_login_failure_message_is_chinese(client, region_a_drc):
    page = client.post(reverse("login"), {"username": "zj_drc", "password": "wrong"})
    assert page.status_code == 200
    assert "请输入一个正确的" in page.content.decode()


@pytest.mark.django_db
def test_language_switch_serves_english(client, cycle, region_a_drc):
    client.force_login(region_a_drc)
    client.post(reverse("set_language"), {"language": "en", "next": "/dashboard/"})
    html = client.get(reverse("dashboard")).content.decode()
    assert "Dashboard" in html
    assert "Current stage" in html


@pytest.mark.django_db
def test_healthz_answers_200_with_the_database_up(client, settings):
    page = client.get("/healthz")
    assert page.status_code == 200
    assert page.json()["checks"]["database"] == "ok"
    assert page.json()["checks"]["redis"] == ("ok" if settings.REDIS_URL else "not configured")


@pytest.mark.django_db
def test_healthz_answers_503_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    page = client.get("/healthz")
    assert page.status_code == 503
    assert page.json()["checks"] == {
        "database": "ok",
        "redis": "error: ConnectionError",
        "outbox": {"pending": 0, "failed": 0, "oldest_pending_seconds": 0},
    }


@pytest.mark.django_db
def test_admin_lists_kernel_models_with_history(client, cycle):
    from reform_portal.models import User

    admin = User.objects.create_superuser("root", "root@example.cn", "Root-pass-2027")
    client.force_login(admin)
    for name in ["region", "organization", "user", "reformcycle", "deadlineextension"]:
        assert client.get(f"/admin/reform_portal/{name}/").status_code == 200
    assert client.get(f"/admin/reform_portal/reformcycle/{cycle.pk}/history/").status_code == 200

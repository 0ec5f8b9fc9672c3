"""Error pages and private responses (reform_portal/errors.py, templates/500.html, issue 17 §6-§7)."""

import pytest
from django.test import Client, override_settings
from django.urls import path, reverse

from config.urls import urlpatterns as portal_urlpatterns

from .. import factories as f


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *portal_urlpatterns]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
@pytest.mark.parametrize("logged_in", [False, True])
def test_the_500_page_is_chinese_in_the_portal_layout(logged_in, region_a_drc):
    client = Client(raise_request_exception=False)
    if logged_in:
        client.force_login(region_a_drc)
    page = client.get("/boom/")
    text = page.content.decode()
    assert page.status_code == 500
    assert "系统出错" in text and "请联系系统管理员" in text
    assert 'class="site-footer"' in text and "/static/css/portal" in text  # the portal's layout
    assert "Server Error" not in text
    if logged_in:
        assert "no-store" in page["Cache-Control"]


@pytest.mark.django_db
def test_the_csrf_failure_page_is_chinese_and_says_nothing_of_debug():
    client = Client(enforce_csrf_checks=True)
    page = client.post(reverse("login"), {"username": "x", "password": "y"})
    text = page.content.decode()
    assert page.status_code == 403
    assert "页面已过期" in text and "请返回上一页，刷新后重新填写并提交" in text
    assert 'class="site-footer"' in text
    assert "DEBUG" not in text and "CSRF verification failed" not in text


@pytest.mark.django_db
def test_logged_in_pages_are_not_stored_and_public_pages_may_be(client, region_a_drc):
    f.CycleFactory()
    assert "no-store" not in client.get(reverse("home")).get("Cache-Control", "")
    client.force_login(region_a_drc)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]

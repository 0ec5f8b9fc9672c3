import pytest
from django.urls import reverse

from . import factories as f

pytestmark = pytest.mark.django_db


def test_repeated_failed_logins_lock_the_account(client, region_a_drc):
    for _ in range(5):
        client.post(reverse("login"), {"username": "zj_drc", "password": "wrong"})
    page = client.post(reverse("login"), {"username": "zj_drc", "password": f.PASSWORD})
    assert page.status_code == 429
    assert "登录已暂时锁定" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_failure_count(client, region_a_drc):
    for _ in range(4):
        client.post(reverse("login"), {"username": "zj_drc", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "zj_drc", "password": f.PASSWORD}).status_code == 302


def test_pages_carry_a_strict_content_security_policy(client):
    f.CycleFactory()
    csp = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_templates_contain_no_inline_script(settings):
    from pathlib import Path

    root = Path(settings.BASE_DIR) / "templates"
    offenders = [str(p) for p in root.rglob("*.html") if "<script>" in p.read_text(encoding="utf-8")
                 or " onclick=" in p.read_text(encoding="utf-8")]
    assert offenders == []

"""Two-factor login (reform_portal.twofactor, django-otp TOTP): enrolment with a server-drawn QR code, the code
after the password, the office setting that requires it of reviewers and superusers, recovery by a reviewer,
and django-axes counting wrong codes."""

import pytest
from django.core import checks
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from reform_portal.models import Notification

from .. import factories as f
from .account_scenarios import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    """django-otp waits 1, 2, 4 … seconds after each wrong code; the tests type the right one at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def required(settings):
    settings.PORTAL_REQUIRE_TOTP_ROLES = ["national_reviewer", "superuser"]


def device_of(user):
    return TOTPDevice.objects.create(user=user, name="验证器", confirmed=True)


def password_login(client, username):
    return client.post(reverse("login"), {"username": username, "password": f.PASSWORD})


def logged_in(client):
    return "_auth_user_id" in client.session


def test_enrolment_shows_a_qr_code_drawn_on_the_server_and_the_key(client, region_a_drc):
    client.force_login(region_a_drc)
    page = client.get(reverse("totp_setup"))
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=region_a_drc)
    assert device.confirmed is False
    assert '<svg role="img" aria-label="二维码" class="qr-code"' in html
    assert "<script" not in html and "style=" not in html
    assert (
        page.context["manual_key"].replace(" ", "") == __import__("base64").b32encode(device.bin_key).decode()
    )
    assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert (
        client.get(reverse("totp_setup")).context["manual_key"] == page.context["manual_key"]
    )  # same device

    wrong = client.post(
        reverse("totp_setup"), {"token": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert wrong.context["form"].errors == {
        "token": ["验证码不正确或已过期，请输入验证器当前显示的6位数字。"]
    }
    page = client.post(reverse("totp_setup"), {"token": totp_code(device)})
    assert (page.status_code, page["Location"]) == (302, reverse("totp_setup"))
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(reverse("totp_setup")).context["state"] == "on"
    assert region_a_drc.history.first().history_change_reason == "启用双因素认证"


def test_a_user_with_a_device_is_asked_for_the_code_after_the_password(client, region_a_drc, cycle):
    device = device_of(region_a_drc)
    page = password_login(client, "zj_drc")
    assert (page.status_code, page["Location"]) == (302, reverse("login_otp"))
    assert not logged_in(client)
    assert client.get(reverse("dashboard")).status_code == 302  # still not logged in
    page = client.get(reverse("login_otp"))
    assert "请输入手机验证器当前显示的6位验证码" in page.content.decode()
    assert "qr" not in page.context  # no new key to a password alone
    page = client.post(reverse("login_otp"), {"token": "12345"})
    assert page.context["form"].errors == {"token": ["请输入验证器显示的6位数字。"]}
    page = client.post(reverse("login_otp"), {"token": totp_code(device)})
    assert (page.status_code, page["Location"]) == (302, reverse("dashboard"))
    assert logged_in(client)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_used_code_cannot_log_in_again(client, region_a_drc):
    device = device_of(region_a_drc)
    code = totp_code(device)
    password_login(client, "zj_drc")
    client.post(reverse("login_otp"), {"token": code})
    other = Client()
    password_login(other, "zj_drc")
    page = other.post(reverse("login_otp"), {"token": code})
    assert page.status_code == 200 and not logged_in(other)


def test_without_a_device_and_without_the_setting_the_password_is_enough(client, reviewer):
    page = password_login(client, "ndrc")
    assert (page["Location"], logged_in(client)) == (reverse("dashboard"), True)


def test_reviewers_must_give_a_code_when_the_office_requires_it(client, reviewer, required, cycle):
    device = device_of(reviewer)
    page = password_login(client, "ndrc")
    assert page["Location"] == reverse("login_otp")
    assert not logged_in(client)
    assert client.get(reverse("proposals:inbox")).status_code == 302  # the login without the code is refused
    client.post(reverse("login_otp"), {"token": totp_code(device)})
    assert client.get(reverse("proposals:inbox")).status_code == 200


def test_a_required_reviewer_without_a_device_enrols_before_getting_in(client, reviewer, required, cycle):
    page = password_login(client, "ndrc")
    assert page["Location"] == reverse("login_otp")
    page = client.get(reverse("login_otp"))
    assert page.context["enrolling"] is True
    assert "本单位要求您的账号使用双因素认证" in page.content.decode()
    assert not logged_in(client)
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    page = client.post(reverse("login_otp"), {"token": totp_code(device)})
    assert page["Location"] == reverse("dashboard")
    device.refresh_from_db()
    assert device.confirmed is True and logged_in(client)


def test_a_session_without_the_code_sees_only_the_two_factor_page(
    client, reviewer, region_a_drc, required, cycle
):
    client.force_login(reviewer)  # e.g. a session from before the office turned the setting on
    page = client.get(reverse("dashboard"))
    assert (page.status_code, page["Location"]) == (302, reverse("totp_setup"))
    assert client.get(reverse("totp_setup")).context["state"] == "enrol"
    other = Client()
    other.force_login(region_a_drc)  # not a required role
    assert other.get(reverse("dashboard")).status_code == 200


def test_superusers_are_required_too_and_the_admin_login_is_the_portals(client, required):
    root = f.UserFactory(username="root", is_superuser=True, is_staff=True, organization=None)
    device_of(root)
    page = client.get("/admin/login/?next=/admin/")
    assert (page.status_code, page["Location"]) == (302, "/accounts/login/?next=%2Fadmin%2F")
    page = client.post("/accounts/login/?next=/admin/", {"username": "root", "password": f.PASSWORD})
    assert page["Location"] == reverse("login_otp")
    assert client.get("/admin/").status_code == 302


def test_required_users_cannot_turn_it_off_others_can(client, reviewer, region_a_drc, required):
    device_of(reviewer)
    password_login(client, "ndrc")
    client.post(reverse("login_otp"), {"token": totp_code(TOTPDevice.objects.get(user=reviewer))})
    page = client.post(reverse("totp_disable"), follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        "本单位要求您的角色使用双因素认证，不能停用。如更换手机，请联系国家审核人员重置。"
    ]
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1
    device_of(region_a_drc)
    other = Client()
    password_login(other, "zj_drc")
    other.post(reverse("login_otp"), {"token": totp_code(TOTPDevice.objects.get(user=region_a_drc))})
    other.post(reverse("totp_disable"))
    assert TOTPDevice.objects.filter(user=region_a_drc).count() == 0


def test_wrong_codes_count_as_failed_logins_for_axes(client, region_a_drc):
    device = device_of(region_a_drc)
    password_login(client, "zj_drc")
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    for left in (4, 3, 2, 1):
        page = client.post(reverse("login_otp"), {"token": wrong})
        assert page.context["form"].errors == {"token": [f"验证码不正确或已过期，还可尝试{left}次。"]}
    page = client.post(reverse("login_otp"), {"token": wrong})
    assert page.status_code == 429
    assert "登录已暂时锁定" in page.content.decode()
    # The lockout is axes's: the right password is refused now too.
    page = password_login(Client(), "zj_drc")
    assert page.status_code == 429


def test_a_reviewer_resets_a_lost_device(client, reviewer, region_a_drc, expert):
    device_of(expert)
    client.force_login(region_a_drc)
    assert client.post(reverse("account_totp_reset", args=[expert.pk])).status_code == 403
    client.force_login(reviewer)
    listing = client.get(reverse("account_users"))
    assert reverse("account_totp_reset", args=[expert.pk]) in listing.content.decode()
    page = client.post(reverse("account_totp_reset", args=[expert.pk]), follow=True)
    assert [str(m) for m in page.context["messages"]] == [f"已重置{expert}的双因素认证。"]
    assert TOTPDevice.objects.filter(user=expert).count() == 0
    assert Notification.objects.get(recipient=expert).title == "您的双因素认证已被重置"
    page = password_login(Client(), "expert")
    assert page["Location"] == reverse("dashboard")


def test_superusers_reset_devices_in_the_admin(client):
    root = f.UserFactory(username="root", is_superuser=True, is_staff=True, organization=None)
    client.force_login(root)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 200


def test_a_misspelt_required_role_fails_the_system_check(settings):
    settings.PORTAL_REQUIRE_TOTP_ROLES = ["national_reviwer"]
    errors = [e for e in checks.run_checks() if e.id == "reform_portal.E001"]
    assert [e.msg for e in errors] == ["PORTAL_REQUIRE_TOTP_ROLES names national_reviwer: not a role"]

"""Single sign-on (reform_portal.sso) against a local identity provider started by the tests (tests/sso_idp:
django-oidc-provider and django-cas-server in a subprocess), through the login page's buttons."""

from urllib.parse import parse_qs, quote, urlsplit

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from reform_portal.models import User

from .. import factories as f
from .sso_scenarios import at_the_provider, idp, logged_in_as, portal_path, sso_login  # noqa: F401 - idp is a fixture

pytestmark = pytest.mark.django_db(transaction=False)

REFUSED = "统一身份认证登录未成功：身份无法验证，或本平台没有与之对应的已启用账号。请联系本单位管理员。"


@pytest.fixture
def oidc(settings, idp):  # noqa: F811
    for name, value in idp.oidc_settings().items():
        setattr(settings, name, value)
    return idp


def refused(client, response):
    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = client.get(response["Location"]).content.decode()
    assert REFUSED in page
    assert logged_in_as(client) is None


# ---- OpenID Connect ------------------------------------------------------------------------------------------


def test_oidc_is_off_by_default(client):
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback") + "?code=x&state=y").status_code == 404
    assert 'data-testid="sso-oidc"' not in client.get(reverse("login")).content.decode()


def test_oidc_signs_in_the_existing_user_through_the_button_with_pkce_and_skips_totp(
    client, oidc, settings, cycle
):
    """The office requires TOTP of regional staff and the user has a device: a password login would ask for the
    code; the SSO login does not (the identity provider's own second factor)."""
    settings.PORTAL_REQUIRE_TOTP_ROLES = ["regional_staff"]
    user = f.regional_user(username="sso_region")
    TOTPDevice.objects.create(user=user, name="验证器", confirmed=True)
    users_before = User.objects.count()

    response, provider_url = sso_login(client, oidc, "oidc", "sso_region", next_url="/notifications/")

    query = parse_qs(urlsplit(provider_url).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["nonce"] and query["state"] and query["client_id"] == [oidc.client_id]
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert logged_in_as(client) == user
    assert client.session["_portal_sso"] == "oidc"  # reform_portal.sso.SESSION_KEY
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200  # not held back at the two-factor page
    assert User.objects.count() == users_before
    # A password login of the same user still asks for the code.
    client.logout()
    password = client.post(reverse("login"), {"username": "sso_region", "password": f.PASSWORD})
    assert password["Location"] == reverse("login_otp")


def test_oidc_maps_by_email_when_the_username_differs(client, oidc):
    user = f.regional_user(username="zj_li", email="by_email@example.gov.cn")
    response, _ = sso_login(client, oidc, "oidc", "idp_by_email")
    assert response["Location"] == reverse("dashboard")
    assert logged_in_as(client) == user


def test_oidc_never_creates_a_user(client, oidc):
    before = User.objects.count()
    response, _ = sso_login(client, oidc, "oidc", "sso_unknown")
    refused(client, response)
    assert User.objects.count() == before
    assert not User.objects.filter(username="sso_unknown").exists()


def test_oidc_refuses_an_inactive_account(client, oidc):
    f.regional_user(username="sso_inactive", is_active=False)
    response, _ = sso_login(client, oidc, "oidc", "sso_inactive")
    refused(client, response)


@pytest.mark.parametrize(
    "idp_user",
    ["sso_forged_key", "sso_wrong_audience", "sso_expired", "sso_wrong_issuer"],
    ids=["another-signing-key", "wrong-audience", "expired", "wrong-issuer"],
)
def test_oidc_refuses_a_bad_id_token(client, oidc, idp_user):
    """The portal has a user of that name: only the token's defect stops the login."""
    f.regional_user(username=idp_user)
    response, _ = sso_login(client, oidc, "oidc", idp_user)
    refused(client, response)


def test_oidc_refuses_a_callback_this_session_did_not_start(client, oidc):
    f.regional_user(username="sso_region")
    other = type(client)()
    response, _ = sso_login(other, oidc, "oidc", "sso_region")  # a first, genuine login elsewhere
    assert logged_in_as(other) is not None
    # A code and state for which this browser has no state: refused, not a server error.
    response = client.get(reverse("oidc_authentication_callback") + "?code=abc&state=forged")
    refused(client, response)
    client.get(reverse("oidc_authentication_init"))
    response = client.get(reverse("oidc_authentication_callback") + "?code=abc&state=forged")
    refused(client, response)


@pytest.mark.parametrize("next_url", ["https://evil.example/steal", "/\\evil.example"])
def test_oidc_ignores_an_unsafe_next(client, oidc, next_url):
    """A crafted link straight to the OIDC start (the login page already drops such a next)."""
    f.regional_user(username="sso_region")
    start = client.get(reverse("oidc_authentication_init") + "?next=" + quote(next_url, safe=""))
    back = at_the_provider(start["Location"], "sso_region", oidc.password)
    response = client.get(portal_path(back))
    assert response["Location"] == reverse("dashboard")
    assert logged_in_as(client) is not None


def test_axes_does_not_count_sso_callbacks(client, oidc, settings):
    settings.AXES_FAILURE_LIMIT = 2
    f.regional_user(username="sso_expired")
    for _ in range(3):
        response, _ = sso_login(client, oidc, "oidc", "sso_expired")
        refused(client, response)
    assert AccessAttempt.objects.count() == 0
    # …while wrong passwords still count.
    client.post(reverse("login"), {"username": "sso_expired", "password": "wrong"})
    assert AccessAttempt.objects.count() == 1


# ---- CAS -------------------------------------------------------------------------------------------------------


@pytest.fixture
def cas(settings, idp):  # noqa: F811
    for name, value in idp.cas_settings().items():
        setattr(settings, name, value)
    return idp


def test_cas_is_off_by_default(client):
    assert client.get(reverse("cas_ng_login") + "?ticket=ST-1").status_code == 404
    assert 'data-testid="sso-cas"' not in client.get(reverse("login")).content.decode()


def test_cas_signs_in_the_existing_user_honours_next_and_skips_totp(client, cas, settings, cycle):
    settings.PORTAL_REQUIRE_TOTP_ROLES = ["regional_staff"]
    user = f.regional_user(username="sso_region")
    TOTPDevice.objects.create(user=user, name="验证器", confirmed=True)
    before = User.objects.count()
    response, provider_url = sso_login(client, cas, "cas", "sso_region", next_url="/notifications/")
    service = parse_qs(urlsplit(provider_url).query)["service"][0]
    assert service == "http://testserver/accounts/cas/login/?next=%2Fnotifications%2F"
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert logged_in_as(client) == user
    assert client.session["_portal_sso"] == "cas"
    assert client.get(reverse("dashboard")).status_code == 200
    assert User.objects.count() == before


def test_cas_maps_by_email_and_never_creates_a_user(client, cas):
    user = f.regional_user(username="zj_li", email="by_email@example.gov.cn")
    response, _ = sso_login(client, cas, "cas", "idp_by_email")
    assert response["Location"] == reverse("dashboard") and logged_in_as(client) == user
    client.logout()
    before = User.objects.count()
    response, _ = sso_login(client, cas, "cas", "sso_unknown")
    refused(client, response)
    assert User.objects.count() == before


@pytest.mark.parametrize("next_url", ["https://evil.example/steal", "/\\evil.example", "//evil.example/x"])
def test_cas_ignores_an_unsafe_next(client, cas, next_url):
    """A crafted link straight to the CAS login (the login page already drops such a next)."""
    f.regional_user(username="sso_region")
    start = client.get(reverse("cas_ng_login") + "?next=" + quote(next_url, safe=""))
    back = at_the_provider(start["Location"], "sso_region", cas.password)
    response = client.get(portal_path(back))
    assert response["Location"] == reverse("dashboard")
    assert logged_in_as(client) is not None


def test_cas_refuses_a_forged_or_replayed_ticket_and_one_for_another_service(client, cas):
    user = f.regional_user(username="sso_region")
    login = reverse("cas_ng_login")
    refused(client, client.get(f"{login}?ticket=ST-forged-{'x' * 40}"))
    # A genuine ticket, issued for the service with next=/notifications/, presented for another next.
    start = client.get(f"{login}?next=/notifications/")
    back = at_the_provider(start["Location"], "sso_region", cas.password)
    ticket = parse_qs(urlsplit(back).query)["ticket"][0]
    refused(client, client.get(f"{login}?next=/archive/&ticket={ticket}"))
    # …and once the server has seen it, the same ticket cannot be replayed on its own service either.
    refused(client, client.get(f"{login}?next=/notifications/&ticket={ticket}"))
    # A fresh one works.
    start = client.get(f"{login}?next=/notifications/")
    back = at_the_provider(start["Location"], "sso_region", cas.password)
    response = client.get(portal_path(back))
    assert response["Location"] == "/notifications/" and logged_in_as(client) == user
    # CAS callbacks are not counted by axes either.
    assert AccessAttempt.objects.count() == 0


def test_both_buttons_show_when_both_are_on(client, oidc, cas):
    page = client.get(reverse("login") + "?next=/archive/").content.decode()
    assert 'href="/accounts/oidc/login/?next=/archive/" data-testid="sso-oidc"' in page
    assert 'href="/accounts/cas/login/?next=/archive/" data-testid="sso-cas"' in page


def test_a_half_configured_provider_fails_the_system_check_and_spares_password_logins(client, settings):
    from django.core import checks

    settings.PORTAL_OIDC_ENABLED = True
    settings.PORTAL_CAS_ENABLED = True
    errors = [e for e in checks.run_checks() if e.id == "reform_portal.E002"]
    assert len(errors) == 1
    assert "OIDC_RP_CLIENT_ID" in errors[0].msg and "PORTAL_OIDC_ISSUER" in errors[0].msg
    assert "CAS_SERVER_URL" in errors[0].msg and "OIDC_OP_JWKS_ENDPOINT" in errors[0].msg
    user = f.regional_user(username="zj_pw")
    response = client.post(reverse("login"), {"username": "zj_pw", "password": f.PASSWORD})
    assert response["Location"] == reverse("dashboard") and logged_in_as(client) == user

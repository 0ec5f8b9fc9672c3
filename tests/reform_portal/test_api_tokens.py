"""API tokens (DECISIONS §18): several per named user, expiring, revocable, stored hashed; the DRF authentication
class; the pages where a user creates and revokes theirs (secret shown once) and reviewers see and revoke all."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reform_portal import services
from reform_portal.models import ApiToken

from .api_scenarios import session_client, token_client, token_for

pytestmark = pytest.mark.django_db

ME = "/api/v1/lists/"  # a public endpoint: the token is checked before any view (a bad token is 401)


def test_a_user_holds_several_tokens_each_with_a_name_and_only_a_hash_of_the_secret(region_a_drc):
    t1, s1 = token_for(region_a_drc, "省科技管理信息系统")
    t2, s2 = token_for(region_a_drc, "省政务服务平台", days=30)
    assert s1 != s2 and s1.startswith(t1.prefix + ".")
    assert ApiToken.objects.filter(user=region_a_drc).count() == 2
    stored = ApiToken.objects.values_list("secret_hash", flat=True)
    assert not any(s1.split(".", 1)[1] in h or s2.split(".", 1)[1] in h for h in stored)
    assert t2.expires_at - t2.created_at == datetime.timedelta(days=30)


def test_token_names_and_lifetimes_are_checked(region_a_drc, reviewer):
    from django.core.exceptions import PermissionDenied, ValidationError

    token_for(region_a_drc, "甲系统")
    with pytest.raises(ValidationError, match="同名"):
        token_for(region_a_drc, "甲系统")
    with pytest.raises(ValidationError, match="有效期"):
        token_for(region_a_drc, "乙系统", days=400)
    with pytest.raises(PermissionDenied):
        services.api_token_create(user=region_a_drc, name="代建", days=30, by=reviewer)


def test_a_token_authenticates_as_its_user_and_records_its_last_use(region_a_drc):
    token, secret = token_for(region_a_drc)
    assert services.api_token_authenticate(secret).user == region_a_drc
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("spoil", ["wrong_secret", "unknown_prefix", "revoked", "expired", "user_disabled"])
def test_a_bad_token_is_refused_with_401(region_a_drc, spoil):
    token, secret = token_for(region_a_drc)
    if spoil == "wrong_secret":
        secret = secret[:-3] + "xyz"
    elif spoil == "unknown_prefix":
        secret = "ffffffff" + secret[8:]
    elif spoil == "revoked":
        services.api_token_revoke(token=token, by=region_a_drc)
    elif spoil == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif spoil == "user_disabled":
        type(region_a_drc).objects.filter(pk=region_a_drc.pk).update(is_active=False)
    response = token_client(secret=secret).get(ME)
    assert response.status_code == 401
    assert "接口令牌无效" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_good_token_passes_and_no_header_is_anonymous(region_a_drc):
    assert token_client(region_a_drc).get(ME).status_code == 200
    assert token_client().get(ME).status_code == 200


def test_a_malformed_header_is_401(region_a_drc):
    client = token_client()
    client.credentials(HTTP_AUTHORIZATION="Token a b")
    assert client.get(ME).status_code == 401


# ---- pages --------------------------------------------------------------------------------------------------


def test_the_page_creates_a_token_and_shows_its_secret_once(client, region_a_drc):
    client.force_login(region_a_drc)
    response = client.post(reverse("api_tokens"), {"name": "省科技管理信息系统", "days": "90"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=region_a_drc)
    [secret_box] = [response.content.decode()]
    assert 'data-testid="token-secret"' in secret_box and f"{token.prefix}." in secret_box
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    again = client.get(reverse("api_tokens")).content.decode()
    assert 'data-testid="token-secret"' not in again and token.prefix in again
    secret = secret_box.split(f"{token.prefix}.", 1)[1].split("<", 1)[0]
    assert services.api_token_authenticate(f"{token.prefix}.{secret}") is not None


def test_the_form_keeps_the_typed_name_with_the_kernel_validators_message(client, region_a_drc):
    client.force_login(region_a_drc)
    response = client.post(reverse("api_tokens"), {"name": "系统\ue000名", "days": "90"})
    page = response.content.decode()
    assert "私用区字符" in page and "系统" in page
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_token_and_another_users_token_does_not_exist_for_them(
    client, region_a_drc, region_b_drc
):
    mine, _ = token_for(region_a_drc)
    theirs, _ = token_for(region_b_drc)
    client.force_login(region_a_drc)
    assert client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("api_token_revoke", args=[mine.pk])).status_code == 302
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.revoked_at is not None and mine.revoked_by == region_a_drc
    assert theirs.revoked_at is None


def test_reviewers_see_every_token_and_revoke_any(client, region_a_drc, reviewer):
    token, secret = token_for(region_a_drc, "省科技管理信息系统")
    client.force_login(reviewer)
    page = client.get(reverse("api_tokens_all")).content.decode()
    assert "省科技管理信息系统" in page and region_a_drc.username in page
    assert client.post(reverse("api_token_revoke", args=[token.pk])).url == reverse("api_tokens_all")
    token.refresh_from_db()
    assert token.revoked_by == reviewer
    assert token_client(secret=secret).get(ME).status_code == 401


def test_regional_staff_do_not_see_every_token(client, region_a_drc):
    client.force_login(region_a_drc)
    assert client.get(reverse("api_tokens_all")).status_code == 403


def test_a_session_api_write_needs_the_csrf_token(region_a_drc):
    """The session authentication keeps CSRF (a token request needs none: it carries no cookie)."""
    response = session_client(region_a_drc).post("/api/v1/lists/", {})
    assert response.status_code == 403

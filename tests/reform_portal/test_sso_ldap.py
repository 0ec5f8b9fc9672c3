"""LDAP password login (reform_portal.sso_ldap, django-auth-ldap) against a slapd the tests start
(tests/sso_idp/ldap_server.py): existing users only, by username or the directory's e-mail; TOTP and the
lockout still apply, as to any password."""

import ldap
import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django_auth_ldap.config import LDAPSearch
from django_otp.plugins.otp_totp.models import TOTPDevice

from reform_portal.models import User

from .. import factories as f
from ..sso_idp import ldap_server

pytestmark = pytest.mark.django_db

BACKEND = "reform_portal.sso_ldap.LDAPBackend"


@pytest.fixture(scope="session")
def directory(tmp_path_factory):
    with ldap_server.running(tmp_path_factory.mktemp("slapd")) as running:
        yield running


@pytest.fixture
def ldap_on(settings, directory):
    settings.PORTAL_LDAP_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    settings.AUTH_LDAP_SERVER_URI = directory.uri
    settings.AUTH_LDAP_BIND_DN = directory.root_dn
    settings.AUTH_LDAP_BIND_PASSWORD = directory.root_password
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(
        f"ou=people,{directory.suffix}", ldap.SCOPE_SUBTREE, "(uid=%(user)s)"
    )
    return directory


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def session_user(client):
    uid = client.session.get("_auth_user_id")
    return User.objects.get(pk=uid) if uid else None


def directory_only_user(**kwargs):
    """An invited user whose portal password was never set: only the directory's password can log in."""
    user = f.regional_user(**kwargs)
    User.objects.filter(pk=user.pk).update(password=make_password(None))
    return user


def test_ldap_is_off_by_default(client, directory):
    directory_only_user(username="ldap_region")
    assert login(client, "ldap_region", directory.password).status_code == 200
    assert session_user(client) is None


def test_the_directory_password_logs_in_the_existing_user(client, ldap_on):
    user = directory_only_user(username="ldap_region", full_name="王五")
    before = User.objects.count()
    response = login(client, "ldap_region", ldap_on.password)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert session_user(client) == user
    assert client.session["_auth_user_backend"] == BACKEND
    assert "_portal_sso" not in client.session  # a password login, not single sign-on
    user.refresh_from_db()
    assert (user.email, user.full_name) == ("ldap_region@example.cn", "王五")  # the directory changes nothing
    assert User.objects.count() == before


def test_the_directory_e_mail_maps_a_differently_named_user(client, ldap_on):
    user = directory_only_user(username="zj_wang", email="ldap_by_mail@example.gov.cn")
    assert login(client, "ldap_mail_only", ldap_on.password)["Location"] == reverse("dashboard")
    assert session_user(client) == user


def test_no_user_is_created_and_wrong_passwords_count_for_the_lockout(client, ldap_on):
    before = User.objects.count()
    assert login(client, "ldap_unknown", ldap_on.password).status_code == 200
    assert session_user(client) is None
    assert User.objects.count() == before and not User.objects.filter(username="ldap_unknown").exists()
    directory_only_user(username="ldap_region")
    assert login(client, "ldap_region", "wrong").status_code == 200
    assert AccessAttempt.objects.filter(username="ldap_region").count() == 1


def test_the_second_factor_still_follows_a_directory_password(client, ldap_on):
    user = directory_only_user(username="ldap_region")
    TOTPDevice.objects.create(user=user, name="验证器", confirmed=True)
    response = login(client, "ldap_region", ldap_on.password)
    assert response["Location"] == reverse("login_otp")
    assert session_user(client) is None

"""Signing in through the test identity provider (tests/sso_idp) as a user's browser would: the portal through
Django's test client, the identity provider over HTTP with its own cookies."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.urls import reverse

from ..sso_idp import server

PORTAL = "http://testserver"


@pytest.fixture(scope="session")
def idp(tmp_path_factory):
    """The identity provider, started once per test session (≈ 10 s)."""
    with server.running(tmp_path_factory.mktemp("sso_idp"), portal_base=PORTAL) as running:
        yield running


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def login_form(html):
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if "password" in form["fields"]:
            return form
    return None


def portal_path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def at_the_provider(url, username, password):
    """Follows the identity provider from ``url`` (its login page when asked, with ``username``) until it
    sends the browser back to the portal; returns that URL."""
    browser = requests.Session()
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=30)
        while response.status_code == 200:
            form = login_form(response.text)
            assert form is not None, response.text[:2000]
            fields = {**form["fields"], "username": username, "password": password}
            response = browser.post(
                urljoin(response.url, form["action"]), data=fields, allow_redirects=False, timeout=30
            )
            if response.status_code == 200:  # the provider refused the password
                raise AssertionError(response.text[:2000])
        assert response.status_code in (301, 302, 303), (response.status_code, response.text[:2000])
        url = urljoin(response.url, response.headers["Location"])
        if url.startswith(PORTAL):
            return url
    raise AssertionError("the identity provider did not send the browser back")


def button(page_html, key):
    """The href of the login page's SSO button."""
    import html as html_lib
    import re

    found = re.search(rf'href="([^"]+)" data-testid="sso-{key}"', page_html)
    assert found, "no SSO button on the login page"
    return html_lib.unescape(found.group(1))


def sso_login(client, idp, key, idp_username, next_url=None):
    """Login page → the SSO button → the provider's login → back to the portal. Returns the last portal response
    (not followed) and the provider's URL the button led to."""
    login = reverse("login") + (f"?next={requests.utils.quote(next_url)}" if next_url else "")
    page = client.get(login).content.decode()
    start = client.get(button(page, key))
    assert start.status_code == 302
    provider_url = start["Location"]
    assert provider_url.startswith(idp.url)
    back = at_the_provider(provider_url, idp_username, idp.password)
    return client.get(portal_path(back)), provider_url


def logged_in_as(client):
    from django.contrib.auth import get_user_model

    uid = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=uid) if uid else None

"""Login lock-out (reform_portal/lockout.py, issue 17 §1): the (username, real client address) pair, the address
alone after many usernames, the real client behind a proxy, the minutes left on the page."""

import datetime
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from .. import factories as f

PROXY = "172.18.0.5"  # the compose proxy's address on the internal network: REMOTE_ADDR of every request
ATTACKER = "198.51.100.66"
VICTIM = "203.0.113.10"


def _login(client, username, password, ip, forwarded=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded is not None:
        extra = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _logged_in(response):
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def _settings_for_env(**env):
    """The axes settings config/settings.py derives from the environment (run in a fresh interpreter)."""
    full_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    full_env.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(repr(s.AXES_IPWARE_PROXY_COUNT))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        check=True,
    )
    return eval(run.stdout.strip().splitlines()[-1])  # noqa: S307 - our own repr of a literal


@pytest.fixture(scope="module")
def one_proxy():
    return _settings_for_env(AXES_PROXY_COUNT="1")


@pytest.fixture
def behind_proxy(settings, one_proxy):
    """The settings of AXES_PROXY_COUNT=1, as config/settings.py computes them."""
    settings.AXES_IPWARE_PROXY_COUNT = one_proxy
    return settings


def test_proxy_count_settings():
    assert _settings_for_env(AXES_PROXY_COUNT="0") is None
    assert _settings_for_env(AXES_PROXY_COUNT="2") == 1


def test_without_a_proxy_the_forwarded_header_is_ignored(rf):
    from axes.helpers import get_client_ip_address

    request = rf.post("/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=VICTIM)
    assert get_client_ip_address(request) == ATTACKER


@pytest.mark.parametrize(
    "forwarded, client",
    [
        (VICTIM, VICTIM),  # the proxy overwrote the header
        (f"{ATTACKER}, {VICTIM}", VICTIM),  # a proxy that appends: the forged leading address is ignored
        (f"10.1.2.3, 1.1.1.1, {VICTIM}", VICTIM),
        ("10.20.30.40", "10.20.30.40"),  # an office on 政务外网 with a private address
    ],
)
def test_behind_one_proxy_the_client_is_the_address_the_proxy_saw(rf, behind_proxy, forwarded, client):
    from axes.helpers import get_client_ip_address

    request = rf.post("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert get_client_ip_address(request) == client


@pytest.mark.django_db
def test_behind_a_proxy_the_lockout_follows_the_real_client(client, behind_proxy, region_a_drc):
    # The attacker forges X-Forwarded-For with the victim's address in front; the proxy appends the real one.
    for _ in range(6):
        _login(client, "zj_drc", "wrong", None, forwarded=f"{VICTIM}, {ATTACKER}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    page = _login(client, "zj_drc", f.PASSWORD, None, forwarded=ATTACKER)
    assert page.status_code == 429
    # The victim, through the same proxy (same REMOTE_ADDR), logs in.
    assert _logged_in(_login(client.__class__(), "zj_drc", f.PASSWORD, None, forwarded=VICTIM))
    # Forging the victim's address does not get the attacker in either.
    assert (
        _login(client.__class__(), "zj_drc", f.PASSWORD, None, forwarded=f"{VICTIM}, {ATTACKER}").status_code
        == 429
    )


@pytest.mark.django_db
def test_a_locked_user_logs_in_from_another_address(client, region_a_drc):
    for _ in range(5):
        _login(client, "zj_drc", "wrong", ATTACKER)
    assert _login(client, "zj_drc", f.PASSWORD, ATTACKER).status_code == 429
    assert _logged_in(_login(client.__class__(), "zj_drc", f.PASSWORD, VICTIM))
    # The attacker's address stays locked for that user: the victim's success reset only the victim's pair.
    assert _login(client.__class__(), "zj_drc", f.PASSWORD, ATTACKER).status_code == 429


@pytest.mark.django_db
def test_the_lockout_page_says_how_long_to_wait(client, region_a_drc):
    for _ in range(5):
        _login(client, "zj_drc", "wrong", ATTACKER)
    # The last failure was 5 minutes ago: 10 of the 15 minutes are left.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=5))
    page = _login(client, "zj_drc", f.PASSWORD, ATTACKER)
    text = page.content.decode()
    assert page.status_code == 429
    assert "登录已暂时锁定" in text and "请在 10 分钟后再试" in text
    assert "从其他网络地址登录不受影响" in text
    assert page["Retry-After"] == "600"


@pytest.mark.django_db
def test_failures_after_the_cool_off_no_longer_lock(client, region_a_drc):
    for _ in range(5):
        _login(client, "zj_drc", "wrong", ATTACKER)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert _logged_in(_login(client, "zj_drc", f.PASSWORD, ATTACKER))


@pytest.mark.django_db
def test_failures_for_twenty_usernames_lock_the_address_alone(client, region_a_drc):
    for n in range(19):
        _login(client, f"spray{n}", "wrong", ATTACKER)
    # 19 usernames (an office NAT with many people mistyping): the address is not locked.
    assert _logged_in(_login(client.__class__(), "zj_drc", f.PASSWORD, ATTACKER))
    _login(client, "spray19", "wrong", ATTACKER)
    page = _login(client.__class__(), "zj_drc", f.PASSWORD, ATTACKER)
    assert page.status_code == 429
    assert "来自该地址的登录已暂时锁定" in page.content.decode()
    assert "请在 15 分钟后再试" in page.content.decode()
    # Another address is not affected.
    assert _logged_in(_login(client.__class__(), "zj_drc", f.PASSWORD, VICTIM))


@pytest.mark.django_db
def test_the_address_lock_counts_only_the_last_fifteen_minutes(client, region_a_drc):
    for n in range(20):
        _login(client, f"spray{n}", "wrong", ATTACKER)
    AccessAttempt.objects.filter(username="spray0").update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=16)
    )
    assert _logged_in(_login(client.__class__(), "zj_drc", f.PASSWORD, ATTACKER))

"""The API's rate limits (issue 18 §1, DECISIONS §18): per API token, per signed-in user, per anonymous address,
counted in the cache; over the limit 429 with a Chinese message and Retry-After; with the production cache's Redis
down (reform_portal/cache.py fails open) nobody is limited."""

import os
import socket
import uuid

import pytest
from rest_framework.test import APIClient

from reform_portal.cache import FailOpenRedisCache

from .api_scenarios import token_client, token_for

pytestmark = pytest.mark.django_db

RATES = {"token": "3/hour", "user": "2/hour", "anon": "2/hour"}


@pytest.fixture
def limits(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}


def _calls(client, n, url="/api/v1/tasks/"):
    return [client.get(url).status_code for _ in range(n)]


def test_a_token_over_its_rate_gets_429_in_chinese_with_retry_after(limits, region_a_drc):
    client = token_client(region_a_drc)
    assert _calls(client, 3) == [200, 200, 200]
    refused = client.get("/api/v1/tasks/")
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 3600
    assert refused.json() == {"detail": f"接口调用过于频繁，请在{wait}秒后重试。"}
    # the limit is the token's: another system of the same user has its own budget
    assert _calls(token_client(secret=token_for(region_a_drc, name="省政务平台")[1]), 3) == [200, 200, 200]


def test_session_users_and_anonymous_callers_have_their_own_limits(limits, region_a_drc, region_b_drc):
    mine = APIClient()
    mine.force_login(region_a_drc)
    assert _calls(mine, 3) == [200, 200, 429]
    other = APIClient()
    other.force_login(region_b_drc)
    assert _calls(other, 1) == [200]
    anonymous = APIClient()
    assert _calls(anonymous, 3, "/api/v1/lists/") == [200, 200, 429]
    # a forged X-Forwarded-For is not a new address (no proxy configured: the connecting address counts)
    forged = anonymous.get("/api/v1/lists/", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert forged.status_code == 429
    assert _calls(APIClient(REMOTE_ADDR="192.0.2.9"), 1, "/api/v1/lists/") == [200]


def test_without_rates_configured_nobody_is_limited(settings, region_a_drc):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}
    assert set(_calls(token_client(region_a_drc), 5)) == {200}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_cache(location):
    return {
        "default": {
            "BACKEND": "reform_portal.cache.FailOpenRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}",  # this test's counts only, nothing cleared
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.5},
        }
    }


def test_with_the_cache_down_the_api_answers_unlimited(limits, settings, region_a_drc):
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{_free_port()}/0")  # nothing listens there
    from django.core.cache import caches

    assert isinstance(caches["default"], FailOpenRedisCache)
    client = token_client(region_a_drc)
    assert _calls(client, 5) == [200] * 5


def _redis_up(url):
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.3).ping()
    except redis.exceptions.RedisError:
        return False


def test_the_production_cache_counts_the_calls(limits, settings, region_a_drc):
    """The same limit with the production cache backend on a real Redis (REDIS_URL, else the local default)."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if not _redis_up(url):
        pytest.skip(f"no Redis at {url}")
    settings.CACHES = _redis_cache(url)
    from django.core.cache import caches

    assert isinstance(caches["default"], FailOpenRedisCache)
    client = token_client(region_a_drc)
    assert _calls(client, 4) == [200, 200, 200, 429]
    assert client.get("/api/v1/tasks/").status_code == 429

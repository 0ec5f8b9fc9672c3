"""The production cache fails open (reform_portal/cache.py): Redis down is a miss, quickly, never an error."""

import socket
import time

import pytest

from reform_portal.cache import FailOpenRedisCache

OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


def _cache(location):
    return FailOpenRedisCache(location, {"OPTIONS": OPTIONS, "KEY_PREFIX": "test-fail-open"})


def test_with_redis_down_reads_are_misses_and_writes_are_dropped_quickly():
    cache = _cache("redis://127.0.0.1:1/0")  # nothing listens on port 1
    started = time.monotonic()
    assert cache.get("ranking", "miss") == "miss"
    cache.set("ranking", [1, 2, 3])
    assert cache.add("ranking", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("ranking") is False
    assert cache.has_key("ranking") is False
    assert cache.set_many({"a": 1}) == ["a"]
    cache.delete_many(["a"])
    assert cache.clear() is False
    with pytest.raises(ValueError):
        cache.incr("counter")
    for _ in range(20):  # a page asking many times: the breaker skips Redis after the first error
        assert cache.get("ranking") is None
    assert time.monotonic() - started < 1.0


def test_a_redis_that_does_not_answer_costs_one_timeout_not_one_per_call():
    """A listening socket that never answers (a hung Redis): each call would wait out the socket timeout; the
    breaker pays it once and then skips Redis for a few seconds."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        port = hung.getsockname()[1]
        cache = FailOpenRedisCache(
            f"redis://127.0.0.1:{port}/0",
            {"OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}, "KEY_PREFIX": "t"},
        )
        started = time.monotonic()
        for _ in range(10):
            assert cache.get("ranking") is None
        elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 1.0


@pytest.mark.celery_worker  # needs the Redis of CI (127.0.0.1:6379)
def test_with_redis_up_it_is_an_ordinary_redis_cache():
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    cache = _cache("redis://127.0.0.1:6379/15")
    cache.set("probe", {"排名": [1, 2]}, 30)
    assert cache.get("probe") == {"排名": [1, 2]}
    cache.delete("probe")
    assert cache.get("probe") is None

"""A Redis cache that fails open: when Redis is down, reads are misses and writes are dropped, quickly.

Production's cache (config/settings_production.py) holds only what can be computed again (the merge page's
similarity ranking); sessions live in the database. So a Redis outage must cost a request nothing: this is
Django's own ``RedisCache`` with short socket timeouts (set in OPTIONS) and every Redis error treated as a miss,
plus a short circuit breaker: after one error the cache is skipped for ``FAIL_OPEN_SECONDS`` (per process), so
a page that asks the cache ten times waits for one connect timeout at most, not ten.

Chosen over django-redis' IGNORE_EXCEPTIONS: no new dependency beside the backend Django ships, and
django-redis has no breaker, so each call of a request would wait out its own connect timeout.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

FAIL_OPEN_SECONDS = 5.0


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.RedisError, OSError)


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0
        self._errors = _redis_errors()

    def _guard(self, default, method, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return default
        try:
            return method(*args, **kwargs)
        except self._errors as exc:
            self._down_until = time.monotonic() + FAIL_OPEN_SECONDS
            logger.warning("Cache unavailable, treated as a miss for %.0f s: %s", FAIL_OPEN_SECONDS, exc)
            return default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # A missing key raises ValueError in Django's contract; an unreachable cache behaves the same.
        result = self._guard(None, super().incr, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guard(None, super().delete_many, keys, version)

    def clear(self):
        return self._guard(False, super().clear)

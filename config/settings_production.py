"""Production settings: everything from the environment, HTTPS hardening on.

Used by docker-compose (DJANGO_SETTINGS_MODULE=config.settings_production).
``manage.py check --deploy`` is clean with these settings and a real SECRET_KEY.
"""

from django.core.exceptions import ImproperlyConfigured

from .secret_key import GENERATE_HINT, secret_key_problem
from .settings import *  # noqa: F403
from .settings import INSECURE_DEV_KEY, SECRET_KEY, env
from .settings_build import STATIC_ROOT, STORAGES, WHITENOISE_USE_FINDERS  # noqa: F401 - static as built

# Refuse the development key, the published placeholders and keys with little randomness (config/secret_key.py).
_problem = secret_key_problem(SECRET_KEY, known={INSECURE_DEV_KEY})
if _problem:
    raise ImproperlyConfigured(_problem + GENERATE_HINT)

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
# On by default (check --deploy clean). A portal on a shared government domain (portal.xx.gov.cn) whose other
# sub-domains are not all on HTTPS turns these off (README: Production, HSTS).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_REFERRER_POLICY = "same-origin"
# Kept connections, 10 minutes each: a connection keeps the statements it has prepared (config/settings.py,
# DB_PREPARED_STATEMENTS) only while it lives, and a page's queries are planned until it has run them about ten times.
CONN_MAX_AGE = 600
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)  # noqa: F405
# A kept connection is checked at the start of each request before reuse: after PostgreSQL restarts, the first
# request reconnects instead of failing (tests/config/test_db_restart.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)  # noqa: F405
LOGGING["root"]["level"] = env.str("LOG_LEVEL", default="INFO")  # noqa: F405

# With Redis (docker-compose), one cache shared by every gunicorn worker: the merge page's similarity ranking
# is computed once, not once per worker. It fails open (reform_portal/cache.py): with Redis down a read is a
# miss after at most a short connect timeout, and the cache is skipped for a few seconds. Sessions stay in the
# database (not cached_db), so Redis down logs nobody out and no page waits on it.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if REDIS_URL:  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "reform_portal.cache.FailOpenRedisCache",
            "LOCATION": env.str("CACHE_URL", default=REDIS_URL),  # noqa: F405
            "KEY_PREFIX": "portal",
            "TIMEOUT": 24 * 3600,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }

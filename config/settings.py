"""Settings for the 全面创新改革 portal, read from the environment (12-factor).

Defaults suit the embedded run: SQLite in the project, console mail, Celery eager.
Production imports this module from ``config.settings_production``, which
refuses to start without a real SECRET_KEY and turns on HTTPS hardening.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
# The embedded default key is only for local runs; production settings refuse it.
INSECURE_DEV_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_filters",  # the lists' filters (reform_portal/listing.py)
    "django_cas_ng",  # single sign-on by CAS (reform_portal.sso); its tables hold session tickets
    "reform_portal",
    "proposals",
    "catalog",
    "grassroots",
    "bidding",
    "evaluation",
    "tools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session's second factor (django-otp); then the roles that must have one.
    "django_otp.middleware.OTPMiddleware",
    # object permissions read once per page (GET/HEAD), not once per rule asked
    "reform_portal.permissions.ReadOnceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "reform_portal.twofactor.RequireTOTPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Cache-Control: no-store for logged-in users' responses and every file download (reform_portal/errors.py).
    "reform_portal.errors.PrivateResponseMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reform_portal.context_processors.portal",
            ],
        },
    },
]

# Django's form renderer with the widget, label and error-list templates every field renders written in Python
# (issue 19; byte for byte the same markup, see reform_portal/renderers.py).
FORM_RENDERER = "reform_portal.renderers.FormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Tests and CI point at one running server; each test run gets its own database.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME", default=None)
    # QuerySet.iterator() (Django's choice fields iterate their options with it) on a client-side cursor: a
    # server-side one costs three round trips (DECLARE … WITH HOLD, FETCH, CLOSE) and a materialised result for a
    # list of 31 regions or one year's tasks (issue 19: four on 激励登记); it also works behind a transaction-pooling
    # PgBouncer.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Prepared statements (issue 19): PostgreSQL plans every query it is sent, and planning the portal's joins
    # (5–7 tables, guardian's subqueries) costs more than running them — 0.5–1.5 ms each, a third of a page's
    # database time. With server-side binding psycopg prepares a statement its connection has run
    # ``prepare_threshold`` times, and PostgreSQL reuses its plan; kept connections (CONN_MAX_AGE) keep them.
    # Django turns them off by default for transaction-pooling proxies (PgBouncer < 1.21 in transaction mode):
    # set DB_PREPARED_STATEMENTS=false behind one.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env.int("DB_PREPARE_THRESHOLD", default=5)
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "reform_portal.User"
# The CSRF refusal in Chinese, in the portal's layout (Django's own page says "set DEBUG=True").
CSRF_FAILURE_VIEW = "reform_portal.errors.csrf_failure"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # guardian's, reading each user's object permissions once per page (reform_portal/permissions.py)
    "reform_portal.permissions.ObjectPermissionBackend",
    # Single sign-on (reform_portal.sso): each answers only when its settings switch it on.
    "reform_portal.sso.OIDCBackend",
    "reform_portal.sso.CASBackend",
]
# guardian.W001 looks for its own backend's dotted path; ours is its subclass (tests/reform_portal/test_permissions.py
# checks it is hooked).
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
# No guardian "AnonymousUser" row: anonymous visitors only ever read public pages.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "reform_portal.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (reform_portal/lockout.py): 5 failures for one username from one client address lock that pair
# for 15 minutes (the user still logs in from elsewhere); failures for 20 distinct usernames from one address in
# those 15 minutes lock the address alone.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "reform_portal.lockout.PortalAxesHandler"
AXES_LOCKOUT_CALLABLE = "reform_portal.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# A try while locked out does not restart the cool-off: the page tells the user a time that holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
PORTAL_LOCKOUT_ADDRESS_USERNAMES = env.int("PORTAL_LOCKOUT_ADDRESS_USERNAMES", default=20)
# The real client address (reform_portal.lockout.client_ip_address, with ipware). AXES_PROXY_COUNT (environment) =
# how many trusted reverse proxies stand in front of gunicorn (docker-compose: 1, the TLS proxy). With N proxies the
# client is the address the first proxy saw: the last entry of "X-Forwarded-For" moved left by the N-1 proxies after
# it; anything a client forges on the left is ignored. 0 (no proxy): the connecting address, the header is ignored.
# In ipware's terms the header holds the client and the N-1 proxies after it, hence N-1.
PORTAL_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = PORTAL_PROXY_COUNT - 1 if PORTAL_PROXY_COUNT > 0 else None
AXES_CLIENT_IP_CALLABLE = "reform_portal.lockout.client_ip_address"
# SSO callbacks carry no password: axes neither counts nor locks them (reform_portal.sso.axes_exempt).
AXES_WHITELIST_CALLABLE = "reform_portal.sso.axes_exempt"

# Single sign-on through an office's 统一身份认证 (reform_portal.sso; README "Single sign-on"). Off by default.
# Users are mapped to existing, active accounts by username (the claim PORTAL_OIDC_USERNAME_CLAIM, or the CAS
# user) or else by e-mail; none is ever created. SSO logins skip the portal's TOTP step (DECISIONS §17).
PORTAL_OIDC_ENABLED = env.bool("PORTAL_OIDC_ENABLED", default=False)
PORTAL_OIDC_LABEL = env.str("PORTAL_OIDC_LABEL", default="统一身份认证")
PORTAL_OIDC_ISSUER = env.str("PORTAL_OIDC_ISSUER", default="")
PORTAL_OIDC_USERNAME_CLAIM = env.str("PORTAL_OIDC_USERNAME_CLAIM", default="preferred_username")
PORTAL_OIDC_LEEWAY = env.int("PORTAL_OIDC_LEEWAY", default=60)  # seconds of clock skew allowed
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="") or None
OIDC_RP_IDP_SIGN_KEY = env.str("OIDC_RP_IDP_SIGN_KEY", default="") or None  # a pinned PEM key instead of JWKS
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_VERIFY_SSL = env.bool("OIDC_VERIFY_SSL", default=True)
PORTAL_CAS_ENABLED = env.bool("PORTAL_CAS_ENABLED", default=False)
PORTAL_CAS_LABEL = env.str("PORTAL_CAS_LABEL", default="统一身份认证（CAS）")
PORTAL_CAS_EMAIL_ATTRIBUTE = env.str("PORTAL_CAS_EMAIL_ATTRIBUTE", default="email")
CAS_SERVER_URL = env.str("CAS_SERVER_URL", default="") or None  # e.g. https://sso.example.gov.cn/cas/
CAS_VERSION = env.str("CAS_VERSION", default="3")
CAS_VERIFY_SSL_CERTIFICATE = env.bool("CAS_VERIFY_SSL_CERTIFICATE", default=True)
CAS_CREATE_USER = False
CAS_APPLY_ATTRIBUTES_TO_USER = False
CAS_IGNORE_REFERER = True
CAS_REDIRECT_URL = "dashboard"  # LOGIN_REDIRECT_URL
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_STORE_NEXT = False
CAS_CHECK_NEXT = True
# LDAP (optional, the `ldap` extra): the login page's password checked against the office's directory.
PORTAL_LDAP_ENABLED = env.bool("PORTAL_LDAP_ENABLED", default=False)
PORTAL_LDAP_EMAIL_ATTRIBUTE = env.str("PORTAL_LDAP_EMAIL_ATTRIBUTE", default="mail")
AUTH_LDAP_SERVER_URI = env.str("AUTH_LDAP_SERVER_URI", default="")
AUTH_LDAP_BIND_DN = env.str("AUTH_LDAP_BIND_DN", default="")
AUTH_LDAP_BIND_PASSWORD = env.str("AUTH_LDAP_BIND_PASSWORD", default="")
AUTH_LDAP_USER_DN_TEMPLATE = env.str("AUTH_LDAP_USER_DN_TEMPLATE", default="") or None
AUTH_LDAP_START_TLS = env.bool("AUTH_LDAP_START_TLS", default=False)
AUTH_LDAP_NO_NEW_USERS = True
AUTH_LDAP_ALWAYS_UPDATE_USER = False
AUTH_LDAP_USER_ATTR_MAP: dict[str, str] = {}
if PORTAL_LDAP_ENABLED:
    AUTHENTICATION_BACKENDS.insert(AUTHENTICATION_BACKENDS.index("django.contrib.auth.backends.ModelBackend") + 1,
                                   "reform_portal.sso_ldap.LDAPBackend")  # fmt: skip
    if env.str("PORTAL_LDAP_USER_SEARCH_BASE", default=""):
        import ldap
        from django_auth_ldap.config import LDAPSearch

        AUTH_LDAP_USER_SEARCH = LDAPSearch(
            env.str("PORTAL_LDAP_USER_SEARCH_BASE"),
            ldap.SCOPE_SUBTREE,
            env.str("PORTAL_LDAP_USER_FILTER", default="(uid=%(user)s)"),
        )

# Account tokens (reform_portal.accounts): one signed, single-use "set your password" link for a password reset
# and for an invitation, with two lifetimes (seconds): a reset link lives PASSWORD_RESET_TIMEOUT, an invitation
# (an account not yet activated) PORTAL_INVITATION_TIMEOUT.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=2 * 60 * 60)
PORTAL_INVITATION_TIMEOUT = env.int("PORTAL_INVITATION_TIMEOUT", default=7 * 24 * 60 * 60)
# Reset mails a client address, and an e-mail address, may ask for in an hour (counted in the database).
PORTAL_PASSWORD_RESET_LIMIT = env.int("PORTAL_PASSWORD_RESET_LIMIT", default=5)
PORTAL_PASSWORD_RESET_LIMIT_PER_IP = env.int("PORTAL_PASSWORD_RESET_LIMIT_PER_IP", default=20)
# Two-factor login (TOTP, django-otp): optional for everyone; required for these roles (Role values, and
# "superuser"), e.g. PORTAL_REQUIRE_TOTP_ROLES=national_reviewer,superuser. Applies to password logins.
PORTAL_REQUIRE_TOTP_ROLES = env.list("PORTAL_REQUIRE_TOTP_ROLES", default=[])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="全面创新改革平台")

# Content-Security-Policy: no inline scripts, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development and tests serve static files straight from static/ (finders); production collects them.
STATIC_ROOT = env.str("STATIC_ROOT", default="") or None
WHITENOISE_USE_FINDERS = True
# Uploaded files live outside static and are served only through permission-checked views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND", default="django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
# Largest attachment a user may upload (bytes); checked in forms with a Chinese message.
PORTAL_MAX_UPLOAD_BYTES = env.int("PORTAL_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Every zip-based upload (.zip, and OOXML, OFD, zip-based WPS files): at most this many entries, this many
# bytes unpacked in all, and no entry unpacking to more than RATIO times its packed size (past 1 MiB).
PORTAL_ZIP_MAX_ENTRIES = env.int("PORTAL_ZIP_MAX_ENTRIES", default=1000)
PORTAL_ZIP_MAX_BYTES = env.int("PORTAL_ZIP_MAX_BYTES", default=100 * 1024 * 1024)
PORTAL_ZIP_MAX_RATIO = env.int("PORTAL_ZIP_MAX_RATIO", default=200)

# Mail: console by default; SMTP when EMAIL_URL or EMAIL_HOST is given.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="全面创新改革平台 <noreply@reform.example.cn>")
# Absolute base for links in e-mails.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Celery: Redis when REDIS_URL is set, otherwise eager (embedded single-process mode).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Nothing in a web request talks to the broker (the outbox relay does), and no client may wait long on Redis:
# short connect/socket timeouts for the broker and the result backend. visibility_timeout: an unacknowledged
# message (its worker killed) is delivered again after this many seconds; set explicitly, in minutes, so a
# killed worker's letters are not held for the default hour. Tasks are idempotent, so a redelivery is harmless.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=30 * 60),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,  # a publisher (the relay) fails fast and keeps the row; the worker retries on its own
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_EXPIRES = datetime.timedelta(days=1)

# The outbox (reform_portal/outbox.py): work recorded with each commit and handed to Celery by the relay
# (manage.py outbox_relay). A row handed over and not done after PORTAL_OUTBOX_STALE_SECONDS is handed over
# again (keep it above the longest task, a letter takes seconds); a failing task is tried up to
# PORTAL_OUTBOX_MAX_ATTEMPTS times, waiting PORTAL_OUTBOX_RETRY_BACKOFF, 2×, 4× … at most _RETRY_MAX seconds.
PORTAL_OUTBOX_STALE_SECONDS = env.int("PORTAL_OUTBOX_STALE_SECONDS", default=10 * 60)
PORTAL_OUTBOX_MAX_ATTEMPTS = env.int("PORTAL_OUTBOX_MAX_ATTEMPTS", default=5)
PORTAL_OUTBOX_RETRY_BACKOFF = env.float("PORTAL_OUTBOX_RETRY_BACKOFF", default=5)
PORTAL_OUTBOX_RETRY_MAX = env.float("PORTAL_OUTBOX_RETRY_MAX", default=60)
CELERY_BEAT_SCHEDULE = {
    # Deadline reminders: every hour at :05; keys make repeated scans harmless (reform_portal.reminders).
    "reminders-scan": {"task": "reminders.scan", "schedule": crontab(minute=5)},
}

# Reminder mail: retries after a failed send, waiting base, 2×base, 4×base … seconds.
PORTAL_REMINDER_MAX_RETRIES = env.int("PORTAL_REMINDER_MAX_RETRIES", default=3)
PORTAL_REMINDER_RETRY_BACKOFF = env.int("PORTAL_REMINDER_RETRY_BACKOFF", default=60)
# Notification mail (sent by the worker, reform_portal.notifications): the same rule, its own numbers.
PORTAL_MAIL_MAX_RETRIES = env.int("PORTAL_MAIL_MAX_RETRIES", default=PORTAL_REMINDER_MAX_RETRIES)
PORTAL_MAIL_RETRY_BACKOFF = env.float("PORTAL_MAIL_RETRY_BACKOFF", default=PORTAL_REMINDER_RETRY_BACKOFF)
# 短信 / 政务IM (reform_portal/channels.py, README "SMS / 政务IM"): an HTTP gateway; set the URL to switch it on.
# Users opt in on their 个人设置 page. Retries as the mail's.
PORTAL_SMS_GATEWAY_URL = env.str("PORTAL_SMS_GATEWAY_URL", default="")
PORTAL_SMS_GATEWAY_TOKEN = env.str("PORTAL_SMS_GATEWAY_TOKEN", default="")
PORTAL_SMS_GATEWAY_LABEL = env.str("PORTAL_SMS_GATEWAY_LABEL", default="短信")
PORTAL_SMS_GATEWAY_TIMEOUT = env.float("PORTAL_SMS_GATEWAY_TIMEOUT", default=10.0)
PORTAL_SMS_MAX_CHARS = env.int("PORTAL_SMS_MAX_CHARS", default=300)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The word segmenter (reform_portal/text.py): where jieba keeps its dictionary cache (default: a private directory
# under the system temp dir), and how often a process looks for a region renamed in another one (seconds).
PORTAL_TEXT_CACHE_DIR = env.str("PORTAL_TEXT_CACHE_DIR", default="")
PORTAL_TEXT_DICTIONARY_RECHECK = env.float("PORTAL_TEXT_DICTIONARY_RECHECK", default=5.0)

# Document numbers of 揭榜任务通知书: prefix + 〔year〕 + n + 号.
PORTAL_NOTICE_NUMBER_PREFIX = env.str("PORTAL_NOTICE_NUMBER_PREFIX", default="发改高技")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# The REST API (DECISIONS §18; docs/architecture.md "The API"): JSON only, session or API-token authentication,
# every view declares who may call it. OpenAPI 3 at /api/schema/, Swagger UI (split: no inline script, CSP) at
# /api/docs/ with its assets from drf-spectacular-sidecar (no CDN).
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "reform_portal.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "reform_portal.api.Pagination",
    "EXCEPTION_HANDLER": "reform_portal.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Rate limits (reform_portal/api_auth.py): per API token, per signed-in user, per anonymous address; counted in
    # the cache (Redis in production, failing open). Over the limit: 429 with a Chinese message and Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "reform_portal.api_auth.TokenRateThrottle",
        "reform_portal.api_auth.UserRateThrottle",
        "reform_portal.api_auth.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("PORTAL_API_RATE_TOKEN", default="2000/hour"),
        "user": env.str("PORTAL_API_RATE_USER", default="2000/hour"),
        "anon": env.str("PORTAL_API_RATE_ANON", default="600/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "全面创新改革平台 API",
    "DESCRIPTION": (
        "公开读取已公布的举措清单、改革成果和年度评估结果；地区凭接口令牌读取和报送建议书、揭榜申报、"
        "实施方案、进展报告和协调事项。调用频率按令牌、用户和地址限制，超出时返回 429 和 Retry-After。"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a field "state": each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "BookStateEnum": "proposals.enums.BookState",
        "BidSetStateEnum": "bidding.enums.BidSetState",
        "TaskStateEnum": "bidding.enums.TaskState",
    },
}

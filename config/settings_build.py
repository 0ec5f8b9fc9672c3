"""Build-time settings: the Dockerfile's ``collectstatic`` (no secret, no database, no network).

The static files are collected exactly as production serves them (WhiteNoise's compressed manifest); the key is
a fresh random one per process, so the image holds no key and nothing it could sign outlives the build step.
Never serve requests with these settings: config.settings_production is the run-time module.
"""

import secrets

from .settings import *  # noqa: F403
from .settings import BASE_DIR, env

SECRET_KEY = secrets.token_urlsafe(64)
DEBUG = False
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

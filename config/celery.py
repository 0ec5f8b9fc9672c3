"""The portal's Celery app. Broker is REDIS_URL; without it tasks run eagerly (embedded mode)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("reform_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _preload_pdf_renderer(**_kwargs):
    """Import WeasyPrint (~0.8 s) once in the worker's parent process, before the prefork pool forks, so
    each child does not pay for it on its first letter. The web process keeps importing it lazily."""
    import weasyprint  # noqa: F401

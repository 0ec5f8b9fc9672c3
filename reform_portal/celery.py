"""The portal's Celery app. Broker is REDIS_URL; without it tasks run eagerly (embedded mode)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")

app = Celery("reform_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

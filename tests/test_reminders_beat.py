"""The beat schedule queues the reminder scan every hour; the worker knows both reminder tasks."""
from celery.schedules import crontab
from django.conf import settings

from reform_portal.celery import app


def test_beat_runs_the_scan_hourly_at_five_past():
    assert settings.CELERY_BEAT_SCHEDULE["reminders-scan"] == {
        "task": "reminders.scan", "schedule": crontab(minute=5)}
    assert app.conf.beat_schedule["reminders-scan"]["task"] == "reminders.scan"


def test_the_worker_discovers_the_reminder_tasks():
    app.loader.import_default_modules()
    assert {"reminders.scan", "reminders.send"} <= set(app.tasks)

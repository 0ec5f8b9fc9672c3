"""Run the reminder scan once, synchronously: for cron in the embedded mode (no Redis, no beat).

5 * * * *  cd /srv/portal && .venv/bin/python manage.py send_reminders
"""

from collections import Counter

from celery import current_app as app
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from reform_portal.models import ReminderLog


class Command(BaseCommand):
    help = "扫描各阶段截止日期并发送到期提醒（同步执行，供无 Redis 的部署用 cron 调用）。"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时刻扫描（ISO 8601，带时区），用于补发或测试")

    def handle(self, *args, now=None, **options):
        from reform_portal.tasks import scan

        if now and parse_datetime(now) is None:
            raise CommandError(f"--now 不是有效的 ISO 8601 时刻：{now}")
        before = ReminderLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        previous = app.conf.task_always_eager, app.conf.task_eager_propagates
        app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
        try:
            queued = scan.apply(kwargs={"now": now}).get()
        finally:
            app.conf.task_always_eager, app.conf.task_eager_propagates = previous
        statuses = Counter(ReminderLog.objects.filter(pk__gt=before).values_list("status", flat=True))
        self.stdout.write(
            f"到期提醒 {queued} 条：已发送 {statuses.get('sent', 0)}，"
            f"失败 {statuses.get('failed', 0)}，待发送 {statuses.get('pending', 0)}"
        )

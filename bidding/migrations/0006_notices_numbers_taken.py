"""Numbers already issued are taken (issue 15 §3): every 揭榜任务通知书 gets its row in the 发文字号 register (prefix read
from its 发文字号), and each register's next number follows the highest number taken and the old per-year counter."""

import re

from django.conf import settings
from django.db import migrations

NUMBER = re.compile(r"^(?P<prefix>.+?)〔(?P<year>\d{4})〕(?P<n>\d+)号$")


def forwards(apps, schema_editor):
    TaskNotice = apps.get_model("bidding", "TaskNotice")
    NoticeSequence = apps.get_model("bidding", "NoticeSequence")
    Register = apps.get_model("reform_portal", "DocNumberRegister")
    DocNumber = apps.get_model("reform_portal", "DocNumber")
    for notice in TaskNotice.objects.filter(number__isnull=True).order_by("pk"):
        m = NUMBER.match(notice.doc_number or "")
        prefix, year, n = (
            (m["prefix"], int(m["year"]), int(m["n"]))
            if m
            else (settings.PORTAL_NOTICE_NUMBER_PREFIX, notice.year, notice.sequence)
        )
        register, _ = Register.objects.get_or_create(year=year, prefix=prefix)
        row, _ = DocNumber.objects.get_or_create(
            register=register,
            number=n,
            defaults={
                "text": notice.doc_number,
                "kind": "揭榜任务通知书",
                "subject": f"{notice.region.name}揭榜任务（迁移）",
                "taken_by_id": notice.issued_by_id,
                "taken_at": notice.issued_at,
            },
        )
        if not hasattr(row, "task_notice") or row.task_notice is None:
            notice.number = row
            notice.save(update_fields=["number"])
        if register.next_number <= n:
            register.next_number = n + 1
            register.save(update_fields=["next_number"])
    for counter in NoticeSequence.objects.all():
        register, _ = Register.objects.get_or_create(
            year=counter.year, prefix=settings.PORTAL_NOTICE_NUMBER_PREFIX
        )
        if register.next_number <= counter.last:
            register.next_number = counter.last + 1
            register.save(update_fields=["next_number"])


class Migration(migrations.Migration):
    dependencies = [("bidding", "0005_notice_doc_number_register")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""Render again the stored documents that were made under an English interface (issue 15 §1).

Before documents were always rendered in Chinese, a 清单 published, or a 通知书 issued, from an English session
was stored with English 领域/事权 labels and served that way for good. This command finds the stored files whose
text holds such English labels, renders them again in Chinese, keeps the old file (on storage and in the
object's history) and records the new file's digest. Files made in Chinese are left as they are.

    python manage.py rerender_english_documents [--dry-run]
"""

from django.core.management.base import BaseCommand

from bidding import services as bidding_services
from bidding.models import TaskNotice
from catalog import services as catalog_services
from catalog.models import MeasureList


class Command(BaseCommand):
    help = (
        "Render again (in Chinese) the stored 清单 and 通知书 PDFs that were made under an English interface."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list what would be rendered again")

    def handle(self, *args, dry_run=False, **options):
        from bidding.documents import PRINTED_CHOICES as NOTICE_CHOICES
        from catalog.documents import PRINTED_CHOICES as LIST_CHOICES
        from reform_portal.pdf import rendered_in_english

        done = 0
        for measure_list in MeasureList.objects.exclude(pdf="").order_by("pk"):
            if dry_run:
                data = catalog_services._stored_pdf(measure_list)
                hit = data is not None and rendered_in_english(data, LIST_CHOICES)
            else:
                hit = catalog_services.list_pdf_rerender_if_english(measure_list=measure_list, by=None)
            if hit:
                done += 1
                self.stdout.write(f"清单 {measure_list}：{'将' if dry_run else '已'}重新生成")
        for notice in TaskNotice.objects.exclude(pdf="").select_related("region").order_by("pk"):
            if dry_run:
                with notice.pdf.open("rb") as fh:
                    hit = rendered_in_english(fh.read(), NOTICE_CHOICES)
            else:
                hit = bidding_services.notice_rerender_if_english(notice=notice, by=None)
            if hit:
                done += 1
                self.stdout.write(
                    f"通知书 {notice.doc_number}（{notice.region}）：{'将' if dry_run else '已'}重新生成"
                )
        self.stdout.write(f"共 {done} 份文件{'需' if dry_run else '已'}重新生成。")

from django.core.management.base import BaseCommand

from reform_portal.models import Region
from reform_portal.regions import ALL_PROVINCES


class Command(BaseCommand):
    help = "Adds all 31 provincial-level regions (GB/T 2260) so the reform can cover every province."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", required=True, help="add every provincial-level region"
        )

    def handle(self, *args, **options):
        created = 0
        for code, name in ALL_PROVINCES:
            _region, new = Region.objects.get_or_create(code=code, defaults={"name": name, "active": True})
            created += new
        self.stdout.write(f"地区共 {Region.objects.count()} 个（新增 {created} 个）")

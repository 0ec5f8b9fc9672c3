import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from reform_portal.demo import DEMO_PASSWORD, seed_kernel


class Command(BaseCommand):
    help = "Loads a realistic demo cycle (13 regions, users of every role). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="cycle year (default: the one collecting proposals)")

    def handle(self, *args, year=None, **options):
        with transaction.atomic():
            cycle, rows = seed_kernel(year=year)
            # Stage apps in dependency order add their own demo content.
            for label in ("proposals", "catalog", "bidding", "evaluation"):
                if not apps.is_installed(label):
                    continue
                try:
                    module = importlib.import_module(f"{label}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{label}.demo":
                        raise
                    continue
                module.seed(cycle=cycle, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"演示年度：{cycle}（建议书截止 {cycle.proposal_deadline}）"))
        self.stdout.write(f"{'用户名':<18}{'角色':<10}单位")
        for username, role, org, _state in rows:
            self.stdout.write(f"{username:<21}{role:<8}{org}")
        self.stdout.write(self.style.SUCCESS(f"所有演示用户的密码：{DEMO_PASSWORD}"))

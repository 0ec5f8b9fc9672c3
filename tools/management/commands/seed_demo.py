from django.core.management.base import BaseCommand
from django.db import transaction

from bidding import demo as bidding_demo
from catalog import demo as catalog_demo
from evaluation import demo as evaluation_demo
from grassroots import demo as grassroots_demo
from proposals import demo as proposals_demo
from reform_portal.demo import DEMO_PASSWORD, advance, demo_cycle, seed_kernel
from reform_portal.enums import Stage
from reform_portal.models import ReformCycle


def seed_years(current, stdout):
    """The three overlapping years (DECISIONS §14, issue 14 §8): ``current`` collects 建议书 (books drafted, signed by
    one department, reported, returned; the reviewers start early on the reported ones); last year's tasks are
    being implemented (plans, milestones, targets, progress, a coordination request); the year before is being
    evaluated (completed tasks commissioned to agencies, assessments, an outcome, a commendation). Each past year is
    moved on by the reviewers' own stage actions, in the table's order, so its history shows them."""
    evaluated = demo_cycle(current.year - 2, Stage.EVALUATION)
    implemented = demo_cycle(current.year - 1, Stage.IMPLEMENTATION)
    proposals_demo.seed(cycle=current, stdout=stdout)
    grassroots_demo.seed(cycle=current, stdout=stdout)
    for cycle, stage in ((evaluated, Stage.EVALUATION), (implemented, Stage.IMPLEMENTATION)):
        catalog_demo.seed(cycle=cycle, stdout=stdout)
        bidding_demo.seed(cycle=cycle, stdout=stdout, evaluated=stage == Stage.EVALUATION)
        cycle = advance(cycle, stage)
        if stage == Stage.EVALUATION:
            evaluation_demo.seed(cycle=cycle, stdout=stdout)
    catalog_demo.seed_early(cycle=current, stdout=stdout)
    cycles = ReformCycle.objects.filter(year__in=[current.year - 2, current.year - 1, current.year])
    stdout.write("年度状态：" + "，".join(f"{c.year}年度{c.stage.label}" for c in cycles.order_by("-year")))


class Command(BaseCommand):
    help = "Loads three overlapping demo years (13 regions, users of every role). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, default=None, help="cycle year (default: the one collecting proposals)"
        )

    def handle(self, *args, year=None, **options):
        with transaction.atomic():
            cycle, rows = seed_kernel(year=year)
            seed_years(cycle, self.stdout)
        self.stdout.write(self.style.SUCCESS(f"演示年度：{cycle}（建议书截止 {cycle.proposal_deadline}）"))
        self.stdout.write(f"{'用户名':<18}{'角色':<10}单位")
        for username, role, org, _state in rows:
            self.stdout.write(f"{username:<21}{role:<8}{org}")
        self.stdout.write(self.style.SUCCESS(f"所有演示用户的密码：{DEMO_PASSWORD}"))

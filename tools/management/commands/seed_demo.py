from django.core.management.base import BaseCommand
from django.db import transaction

from bidding import demo as bidding_demo
from catalog import demo as catalog_demo
from evaluation import demo as evaluation_demo
from grassroots import demo as grassroots_demo
from proposals import demo as proposals_demo
from reform_portal.cycles import cycle_act
from reform_portal.demo import DEMO_PASSWORD, seed_kernel
from reform_portal.enums import CycleState
from reform_portal.models import ReformCycle, User

# Stage demo builders in dependency order: each builds on what the previous ones made.
STAGE_DEMOS = [proposals_demo, grassroots_demo, catalog_demo, bidding_demo, evaluation_demo]

# The stored state each demo year is brought to (DECISIONS §14, issue 14 §8): the current year collects 建议书, last
# year's tasks (awarded, planned, completed, assessed) are being evaluated. The way there is the reviewers' own
# stage actions, in the table's order, so each year's history shows them.
PATH = {
    CycleState.PROPOSAL: "close_proposals",
    CycleState.REVIEW: "publish_list",
    CycleState.BIDDING: "confirm_bidding",
    CycleState.IMPLEMENTATION: "start_evaluation",
}


def settle_states(current, stdout):
    """Last year's cycle is moved to 评估激励 (its work shows it); the current one stays in 征集选题."""
    reviewer = User.objects.get(username="ndrc_reviewer")
    previous = ReformCycle.objects.filter(year=current.year - 1).first()
    if previous is None:
        return
    while previous.state in PATH:
        previous = cycle_act(
            cycle=previous, action=PATH[previous.state], by=reviewer, reason="演示数据", confirmed=True
        )
    stdout.write(
        f"年度状态：{current.year}年度{current.stage.label}，{previous.year}年度{previous.stage.label}"
    )


class Command(BaseCommand):
    help = "Loads a realistic demo cycle (13 regions, users of every role). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, default=None, help="cycle year (default: the one collecting proposals)"
        )

    def handle(self, *args, year=None, **options):
        with transaction.atomic():
            cycle, rows = seed_kernel(year=year)
            for module in STAGE_DEMOS:
                module.seed(cycle=cycle, stdout=self.stdout)
            settle_states(cycle, self.stdout)
        self.stdout.write(self.style.SUCCESS(f"演示年度：{cycle}（建议书截止 {cycle.proposal_deadline}）"))
        self.stdout.write(f"{'用户名':<18}{'角色':<10}单位")
        for username, role, org, _state in rows:
            self.stdout.write(f"{username:<21}{role:<8}{org}")
        self.stdout.write(self.style.SUCCESS(f"所有演示用户的密码：{DEMO_PASSWORD}"))

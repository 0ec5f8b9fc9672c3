"""manage.py seed_demo: three overlapping years in states their dates agree with, every role with work on its
工作台 on first login, passwords printed, idempotent."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command

from reform_portal.demo import DEMO_PASSWORD, demo_cycle_year, demo_dates
from reform_portal.enums import Role, Stage
from reform_portal.models import Organization, ReformCycle, User
from reform_portal.services import local_today


def counts():
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo(client):
    """One seed, a second run that changes nothing, then every check."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    seeded = out.getvalue()
    first = counts()
    assert f"所有演示用户的密码：{DEMO_PASSWORD}" in seeded
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    assert Organization.objects.filter(kind="regional_drc").count() == 13
    assert Organization.objects.filter(kind="regional_scitech").count() == 13
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    three_overlapping_years_in_states_their_dates_agree_with(seeded)
    every_year_has_its_stages_work()
    every_confirmed_book_carries_its_own_number_and_signers()
    every_demo_user_has_work_on_the_dashboard_at_first_login(seeded, client)


def three_overlapping_years_in_states_their_dates_agree_with(seeded):
    year = demo_cycle_year()
    assert dict(ReformCycle.objects.values_list("year", "state")) == {
        year: "proposal",
        year - 1: "implementation",
        year - 2: "evaluation",
    }
    today = local_today()
    for cycle in ReformCycle.objects.all():
        assert cycle.stage_on(today) == cycle.state, cycle.year
    # the past years got there by the reviewers' stage actions, kept in their history
    reasons = set(ReformCycle.history.filter(year=year - 2).values_list("history_change_reason", flat=True))
    assert {"结束征集：演示数据", "确认揭榜结果（组织实施）：演示数据", "开始评估：演示数据"} <= reasons
    assert f"年度状态：{year}年度征集选题，{year - 1}年度组织实施，{year - 2}年度评估激励" in seeded


def every_confirmed_book_carries_its_own_number_and_signers():
    """A 建议书 is an 上行文: the books the demo's departments confirmed print the region's 发文字号 and both
    签发人 (issue 15 §5); drafts nobody confirmed leave them to the region."""
    from proposals.forms import DOC_NUMBER
    from proposals.models import ProposalBook

    confirmed = ProposalBook.objects.exclude(state="draft")
    assert confirmed.count() >= 10
    for book in confirmed:
        assert DOC_NUMBER.match(book.doc_number), (book, book.doc_number)
        assert book.drc_signer and book.scitech_signer and book.drc_signer != book.scitech_signer, book
    assert len({(b.cycle_id, b.doc_number) for b in confirmed}) == confirmed.count()


def every_year_has_its_stages_work():
    from bidding.models import CoordinationRequest, Milestone, ProgressReport, Target, Task
    from evaluation.models import Assessment, Commission, Incentive, Outcome
    from proposals.models import ProposalBook

    year = demo_cycle_year()
    evaluated, implemented, current = year - 2, year - 1, year
    assert Commission.objects.filter(cycle__year=evaluated).values("agency").distinct().count() == 2
    assert Assessment.objects.filter(commission__cycle__year=evaluated, state="submitted").count() == 2
    assert Outcome.objects.filter(task__cycle__year=evaluated).exists()
    assert Incentive.objects.filter(cycle__year=evaluated, kind="commendation").exists()
    assert Milestone.objects.filter(task__cycle__year=implemented).exists()
    assert Target.objects.filter(task__cycle__year=implemented).exists()
    assert ProgressReport.objects.filter(task__cycle__year=implemented).exists()
    assert CoordinationRequest.objects.filter(
        task__cycle__year=implemented, answered_at__isnull=True
    ).exists()
    assert not Task.objects.filter(cycle__year=implemented, state="pending_evaluation").exists()
    books = ProposalBook.objects.filter(cycle__year=current)
    assert set(books.values_list("state", flat=True)) >= {"draft", "submitted", "returned"}
    # confirmed by one department only: the 发展改革委 signed, the 科技厅 not yet
    assert books.filter(state="draft", drc_signed_at__isnull=False, scitech_signed_at__isnull=True).exists()


def every_demo_user_has_work_on_the_dashboard_at_first_login(seeded, client):
    """Each user the seed printed (and each 基层 unit it made) has the printed password and, logged in, finds at
    least one open item on the 工作台, for every role."""
    printed = set(re.findall(r"^(\w+)\s", seeded, flags=re.MULTILINE)) - {"用户名"}
    users = User.objects.filter(is_superuser=False).exclude(username__startswith="anon")
    assert printed <= set(users.values_list("username", flat=True))
    roles_seen = set()
    for user in users.order_by("username"):
        assert user.check_password(DEMO_PASSWORD), user.username  # the printed password is theirs
        client.force_login(user)
        page = client.get("/dashboard/").content.decode()
        assert page.count('data-testid="open-item"') >= 1, (user.username, user.primary_role)
        assert 'data-testid="idle"' not in page, user.username
        roles_seen |= user.role_names()
        client.logout()
    assert roles_seen >= {role.value for role in Role}


@pytest.mark.parametrize(
    ("today", "stage", "changed"),
    [
        (datetime.date(2026, 12, 5), Stage.EVALUATION, {"evaluation_due": datetime.date(2027, 3, 5)}),
        (datetime.date(2026, 12, 5), Stage.IMPLEMENTATION, {}),
        (
            datetime.date(2026, 5, 20),
            Stage.IMPLEMENTATION,
            {
                "bidding_deadline": datetime.date(2026, 5, 19),
                "bidding_opens": datetime.date(2026, 4, 19),
                "review_deadline": datetime.date(2026, 3, 20),
                "proposal_deadline": datetime.date(2026, 2, 18),
            },
        ),
    ],
)
def test_demo_dates_put_today_in_the_years_stage(today, stage, changed):
    year = 2025 if stage == Stage.EVALUATION else 2026
    values = demo_dates(year, stage, today)
    cycle = ReformCycle(year=year, **values)
    assert cycle.stage_on(today) == stage
    cycle.clean()
    defaults = ReformCycle.defaults_for(year)
    assert {k: v for k, v in values.items() if defaults[k] != v} == changed

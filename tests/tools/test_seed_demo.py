"""manage.py seed_demo: every role, idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from reform_portal.enums import Role
from reform_portal.models import Organization, ReformCycle, User


def counts():
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_creates_every_role_and_is_idempotent():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    assert "Gaige-2027-demo" in out.getvalue()
    # the current cycle collects proposals; last year's (published list, bids, tasks) shows the later stages
    from reform_portal.demo import demo_cycle_year

    year = demo_cycle_year()
    assert list(ReformCycle.objects.values_list("year", flat=True)) == [year, year - 1]
    # overlapping years, in stored states: one collecting 建议书, last year's being evaluated (by the reviewers'
    # stage actions, kept in its history)
    assert dict(ReformCycle.objects.values_list("year", "state")) == {
        year: "proposal",
        year - 1: "evaluation",
    }
    last = ReformCycle.objects.get(year=year - 1)
    assert last.history.filter(history_change_reason="开始评估：演示数据").exists()
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    assert Organization.objects.filter(kind="regional_drc").count() == 13
    assert Organization.objects.filter(kind="regional_scitech").count() == 13
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first

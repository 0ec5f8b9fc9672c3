"""The benchmark generator (manage.py generate_dataset) at a tiny size: exact counts, permissions, varied text."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from bidding.models import (
    Bid,
    BidSet,
    Milestone,
    MilestoneUpdate,
    ProgressReport,
    Target,
    TargetActual,
    Task,
    TaskNotice,
)
from catalog.models import (
    Consultation,
    DepartmentOpinion,
    ExpertReview,
    ListEntry,
    Measure,
    MeasureList,
    MeasureSource,
)
from evaluation.models import Assessment, Commission, Incentive, Outcome
from proposals.models import ExpectedResult, MeasureProposal, ProposalBook
from reform_portal.models import Organization, ReformCycle, Region, User
from tools.management.commands.generate_dataset import sizes


def _generate(**kwargs):
    out = io.StringIO()
    call_command("generate_dataset", regions=2, cycles=1, last_year=2030, stdout=out, **kwargs)
    return out.getvalue()


def test_scale_shrinks_regions_and_cycles_by_the_square_root():
    assert sizes(31, 10, 1.0) == (31, 10)
    assert sizes(31, 10, 0.1) == (10, 3)
    assert sizes(2, 1, 0.01) == (1, 1)


@pytest.mark.django_db
def test_tiny_dataset_has_the_promised_counts():
    output = _generate()
    assert ReformCycle.objects.count() == 1
    assert Region.objects.count() == 31
    assert Region.objects.filter(active=True).count() == 2
    # 3 per region + national + expert body + 3 ministries + 3 agencies (besides the migration's reference data)
    assert Organization.objects.filter(name__endswith="（基准）").count() == 14
    assert User.objects.filter(username__startswith="bench_").count() == 21
    assert ProposalBook.objects.count() == 2
    assert MeasureProposal.objects.count() == 10
    assert ExpectedResult.objects.count() == 20
    assert Measure.objects.count() == 4
    assert MeasureSource.objects.count() == 8
    assert MeasureProposal.objects.filter(measure_source__isnull=True).count() == 2
    assert ExpertReview.objects.filter(submitted_at__isnull=False).count() == 8
    assert MeasureList.objects.filter(state="published").count() == 1
    assert ListEntry.objects.count() == 4
    assert Consultation.objects.count() == 3
    assert DepartmentOpinion.objects.count() == 12
    assert BidSet.objects.filter(state="submitted").count() == 2
    assert Bid.objects.count() == 7  # 3 + 4 claims
    assert Task.objects.count() == 7
    assert TaskNotice.objects.count() == 2
    assert Milestone.objects.count() == 21
    assert Target.objects.count() == 14
    assert ProgressReport.objects.count() == 28
    assert TargetActual.objects.count() == 56
    assert MilestoneUpdate.objects.count() == 84
    assert Commission.objects.count() == 3
    assert Assessment.objects.filter(state="submitted").count() == 7
    assert Outcome.objects.count() == Assessment.objects.filter(recommend_promotion=True).count()
    assert Incentive.objects.count() == 2
    assert "guardian_permissions: 85" in output
    assert "tasks: 7" in output


@pytest.mark.django_db
def test_tiny_dataset_texts_vary():
    _generate()
    contents = list(MeasureProposal.objects.values_list("content", flat=True))
    assert len(set(contents)) == len(contents) == 10
    assert len(set(ProgressReport.objects.values_list("narrative", flat=True))) > 20


@pytest.mark.django_db
def test_generated_permissions_open_own_region_and_hide_the_other(client):
    _generate()
    first, second = Region.objects.filter(active=True).order_by("code")
    book = ProposalBook.objects.get(region=first)
    task = Task.objects.filter(region=first).first()
    client.force_login(User.objects.get(username=f"bench_{first.code}_drc"))
    assert client.get(reverse("proposals:book_detail", args=[book.pk])).status_code == 200
    assert client.get(reverse("bidding:task_detail", args=[task.pk])).status_code == 200
    client.force_login(User.objects.get(username=f"bench_{second.code}_drc"))
    assert client.get(reverse("proposals:book_detail", args=[book.pk])).status_code == 404
    assert client.get(reverse("bidding:task_detail", args=[task.pk])).status_code == 404
    client.force_login(User.objects.get(username=f"bench_{first.code}_impl"))
    assert client.get(reverse("bidding:task_detail", args=[task.pk])).status_code == 200


@pytest.mark.django_db
def test_refuses_to_run_twice():
    _generate()
    with pytest.raises(CommandError):
        _generate()

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reform_portal.enums import Stage
from reform_portal.models import ReformCycle
from reform_portal.services import days_left, deadline_for, extension_grant, is_before_deadline

from . import factories as f

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cycle2027(db):
    return ReformCycle.objects.create(year=2027, **ReformCycle.defaults_for(2027))


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


def test_proposal_deadline_defaults_to_april_30_of_the_year(cycle2027):
    assert cycle2027.proposal_deadline == datetime.date(2027, 4, 30)


def test_deadline_is_the_end_of_april_30_beijing_time(cycle2027):
    zj = f.region("330000")
    assert deadline_for(cycle2027, zj, Stage.PROPOSAL) == at(2027, 5, 1, 0, 0, 0)
    assert is_before_deadline(cycle2027, zj, Stage.PROPOSAL, now=at(2027, 4, 30, 23, 59, 59))
    assert not is_before_deadline(cycle2027, zj, Stage.PROPOSAL, now=at(2027, 5, 1, 0, 0, 1))


def test_the_boundary_is_beijing_not_utc(cycle2027):
    zj = f.region("330000")
    utc = datetime.UTC
    # 16:30 UTC on April 30 is already 00:30 on May 1 in Beijing: late.
    assert not is_before_deadline(cycle2027, zj, Stage.PROPOSAL, now=datetime.datetime(2027, 4, 30, 16, 30, tzinfo=utc))
    assert is_before_deadline(cycle2027, zj, Stage.PROPOSAL, now=datetime.datetime(2027, 4, 30, 15, 59, tzinfo=utc))


def test_an_extension_moves_the_deadline_for_that_region_only(cycle2027):
    zj, js = f.region("330000"), f.region("320000")
    reviewer = f.national_user()
    extension_grant(cycle=cycle2027, region=zj, stage=Stage.PROPOSAL, until=datetime.date(2027, 5, 10),
                    reason="遭遇汛情", by=reviewer)
    assert deadline_for(cycle2027, zj, Stage.PROPOSAL) == at(2027, 5, 11)
    assert deadline_for(cycle2027, js, Stage.PROPOSAL) == at(2027, 5, 1)
    assert is_before_deadline(cycle2027, zj, Stage.PROPOSAL, now=at(2027, 5, 10, 23, 59, 59))
    assert not is_before_deadline(cycle2027, js, Stage.PROPOSAL, now=at(2027, 5, 10, 12))
    # The extension is for the proposal stage only.
    assert deadline_for(cycle2027, zj, Stage.BIDDING) == at(2027, 8, 1)


def test_extension_is_granted_by_national_reviewers_only(cycle2027):
    with pytest.raises(PermissionDenied):
        extension_grant(cycle=cycle2027, region=f.region("330000"), stage=Stage.PROPOSAL,
                        until=datetime.date(2027, 5, 10), reason="x", by=f.regional_user())


def test_extension_cannot_shorten_a_deadline(cycle2027):
    with pytest.raises(ValidationError):
        extension_grant(cycle=cycle2027, region=f.region("330000"), stage=Stage.PROPOSAL,
                        until=datetime.date(2027, 4, 1), reason="x", by=f.national_user())


def test_regranting_replaces_the_extension_and_keeps_history(cycle2027):
    zj, reviewer = f.region("330000"), f.national_user()
    ext = extension_grant(cycle=cycle2027, region=zj, stage=Stage.PROPOSAL, until=datetime.date(2027, 5, 5),
                          reason="一", by=reviewer)
    extension_grant(cycle=cycle2027, region=zj, stage=Stage.PROPOSAL, until=datetime.date(2027, 5, 9),
                    reason="二", by=reviewer)
    assert deadline_for(cycle2027, zj, Stage.PROPOSAL) == at(2027, 5, 10)
    assert [h.until for h in ext.history.order_by("history_id")] == [datetime.date(2027, 5, 5), datetime.date(2027, 5, 9)]


def test_days_left_counts_beijing_calendar_days(cycle2027):
    deadline = cycle2027.closes_at(Stage.PROPOSAL)
    assert days_left(deadline, now=at(2027, 4, 30, 23, 0)) == 0
    assert days_left(deadline, now=at(2027, 4, 29, 0, 1)) == 1
    assert days_left(deadline, now=at(2027, 5, 1, 0, 1)) == -1


def test_stage_on_follows_the_calendar(cycle2027):
    d = datetime.date
    assert cycle2027.stage_on(d(2027, 4, 30)) == Stage.PROPOSAL
    assert cycle2027.stage_on(d(2027, 5, 1)) == Stage.REVIEW
    assert cycle2027.stage_on(d(2027, 7, 1)) == Stage.BIDDING
    assert cycle2027.stage_on(d(2027, 8, 1)) == Stage.IMPLEMENTATION
    assert cycle2027.stage_on(d(2028, 7, 1)) == Stage.EVALUATION
    assert cycle2027.stage_on(d(2028, 10, 1)) == Stage.CLOSED


def test_cycle_validation_refuses_dates_out_of_order_and_bad_numbers(cycle2027):
    cycle2027.bidding_deadline = datetime.date(2027, 6, 1)
    cycle2027.min_proposals, cycle2027.max_proposals = 6, 5
    with pytest.raises(ValidationError) as err:
        cycle2027.full_clean()
    assert set(err.value.message_dict) == {"bidding_deadline", "max_proposals"}

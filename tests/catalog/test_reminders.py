"""Issue 7: catalog/reminders.py's sources (expert review, ministry consultation) remind the right people on the right Beijing
days, and stop when the work is done."""

import datetime

import pytest

from catalog import services as catalog_services
from catalog.reminders import consultation_source, expert_review_source
from reform_portal.enums import Stage

from .. import factories as f
from ..reform_portal.reminder_scenarios import at, who
from . import scenarios as fc

pytestmark = pytest.mark.django_db


def test_expert_and_consultation_reminders_until_answered(reviewer):
    cycle = f.CycleFactory(stage=Stage.REVIEW)
    book, _drc, _std = fc.submitted_region_book(
        cycle, "330000", fc.ZJ_ITEMS, now=at(cycle.proposal_deadline - datetime.timedelta(days=5))
    )
    proposal = book.proposals.first()
    measure = fc.measure_from(cycle, reviewer, [proposal])
    expert = fc.expert_in("110000", username="expert_bj")
    review = catalog_services.expert_assign(measure=measure, expert=expert, by=reviewer)
    liaison = fc.liaison_of("财政部", username="mof")
    measure_list = catalog_services.list_draft(cycle=cycle, by=reviewer)
    (consultation,) = catalog_services.consultation_send(
        measure_list=measure_list, ministries=[liaison.organization], by=reviewer
    )
    week_before = at(cycle.review_deadline - datetime.timedelta(days=7))
    assert who(expert_review_source, cycle, week_before) == [("expert_bj", 7)]
    assert who(consultation_source, cycle, week_before) == [("mof", 7)]
    fc.score(review, expert)
    catalog_services.opinion_give(
        consultation=consultation, measure=measure, stance="agree", text="", by=liaison
    )
    assert who(expert_review_source, cycle, week_before) == []
    assert who(consultation_source, cycle, week_before) == []


def test_expert_reminders_stop_once_the_list_is_published_and_for_a_withdrawn_assignment(reviewer):
    """A review of a measure whose list is out, or whose assignment was withdrawn, can change nothing: nobody is
    chased for it (issue 14: "reminders then chase those reviews")."""
    cycle = f.CycleFactory(stage=Stage.REVIEW)
    book, _drc, _std = fc.submitted_region_book(
        cycle, "330000", fc.ZJ_ITEMS, now=at(cycle.proposal_deadline - datetime.timedelta(days=5))
    )
    measure = fc.measure_from(cycle, reviewer, [book.proposals.first()])
    kept = catalog_services.expert_assign(
        measure=measure, expert=fc.expert_in("110000", username="expert_bj"), by=reviewer
    )
    withdrawn = catalog_services.expert_assign(
        measure=measure, expert=fc.expert_in("310000", username="expert_sh"), by=reviewer
    )
    week_before = at(cycle.review_deadline - datetime.timedelta(days=7))
    assert who(expert_review_source, cycle, week_before) == [("expert_bj", 7), ("expert_sh", 7)]
    catalog_services.expert_unassign(review=withdrawn, by=reviewer)
    assert who(expert_review_source, cycle, week_before) == [("expert_bj", 7)]
    fc.published_list(cycle, reviewer)
    assert kept.submitted_at is None
    assert who(expert_review_source, cycle, week_before) == []

"""Hand-offs of stage 1 (proposals/handoffs.py): each kind tells exactly its next people once, and a refused
action tells nobody (issue 14 §4)."""

import pytest

from proposals import services

from .. import factories as f
from ..reform_portal.handoff_scenarios import REVIEWERS, Handoff, check_refused, check_told
from . import scenarios as fp

pytestmark = pytest.mark.django_db


def _signed_by_drc(c):
    cycle = f.CycleFactory()
    book = fp.make_book(cycle, c["zj_drc"])
    return (
        lambda: services.book_sign(book=book, by=c["zj_drc"]),
        lambda: services.book_sign(book=book, by=c["js_drc"]),  # another region's staff
    )


def _both_signed(c):
    cycle = f.CycleFactory()
    book = fp.make_book(cycle, c["zj_drc"])
    services.book_sign(book=book, by=c["zj_drc"])
    return (
        lambda: services.book_sign(book=book, by=c["zj_kjt"]),
        lambda: services.book_sign(book=book, by=c["ndrc"]),
    )


def _submitted(c):
    cycle = f.CycleFactory()
    book = fp.signed_book(cycle, c["zj_drc"], c["zj_kjt"])
    unsigned = fp.make_book(cycle, c["js_drc"])
    return (
        lambda: services.book_submit(book=book, by=c["zj_drc"]),
        lambda: services.book_submit(book=unsigned, by=c["js_drc"]),  # not confirmed by both departments
    )


def _returned(c):
    cycle = f.CycleFactory()
    book = fp.submitted_book(cycle, c["zj_drc"], c["zj_kjt"])
    return (
        lambda: services.book_return(book=book, reason="预期成效不够具体，请补充量化指标。", by=c["ndrc"]),
        lambda: services.book_return(book=book, reason="自行退回", by=c["zj_drc"]),
    )


CASES = [
    Handoff("book_signed", _signed_by_drc, {"zj_kjt"}, ("待贵单位确认联合报送", "截止时间为")),
    Handoff("book_signed", _both_signed, {"zj_drc"}, ("双方均已确认", "前报送")),
    Handoff("book_submitted", _submitted, REVIEWERS, ("浙江省", "已报送", "前完成汇总")),
    Handoff("book_returned", _returned, {"zj_drc", "zj_kjt"}, ("退回", "预期成效不够具体", "前重新报送")),
]


@pytest.fixture
def cast():
    from ..reform_portal.handoff_scenarios import handoff_cast

    return handoff_cast()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}-{i}" for i, c in enumerate(CASES)])
def test_the_next_people_are_told_once(case, cast, django_capture_on_commit_callbacks, mailoutbox):
    check_told(case, cast, django_capture_on_commit_callbacks, mailoutbox)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}-{i}" for i, c in enumerate(CASES)])
def test_a_refused_action_tells_nobody(case, cast):
    check_refused(case, cast)

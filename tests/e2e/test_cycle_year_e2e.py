"""年度工作安排 in the browser: a national reviewer (no superuser) opens next year, sets its dates (a date moved
with its reason, kept in the history) and runs 开始征集; the header then shows the year's stage."""

import datetime

from reform_portal.models import Notification, ReformCycle

from .. import factories as f
from .conftest import login


def test_a_reviewer_opens_a_year_sets_its_dates_and_starts_collecting(page, transactional_db):
    f.national_user(username="ndrc_reviewer", full_name="于智锋")
    f.regional_user("330000", "regional_drc", username="zj_fgw")
    today = datetime.date.today()
    login(page, "ndrc_reviewer", f.PASSWORD)
    page.click("[data-testid=nav-years]")
    year = today.year
    page.fill("#id_proposal_deadline", (today + datetime.timedelta(days=40)).isoformat())
    page.fill("#id_review_deadline", (today + datetime.timedelta(days=90)).isoformat())
    page.fill("#id_bidding_opens", (today + datetime.timedelta(days=91)).isoformat())
    page.fill("#id_bidding_deadline", (today + datetime.timedelta(days=120)).isoformat())
    page.fill("#id_implementation_end", (today + datetime.timedelta(days=400)).isoformat())
    page.fill("#id_evaluation_due", (today + datetime.timedelta(days=500)).isoformat())
    page.click("[data-testid=cycle-open]")
    page.wait_for_url(f"**/years/{year}/")
    assert page.inner_text("[data-testid=cycle-state]") == "筹备"
    # A date moved: the reason is required, then kept in the history.
    moved = (today + datetime.timedelta(days=45)).isoformat()
    page.fill("#id_proposal_deadline", moved)
    page.click("[data-testid=cycle-save]")
    assert "请填写修改理由" in page.inner_text("main")
    assert page.input_value("#id_proposal_deadline") == moved  # the typed date is kept
    page.fill("#id_reason", "各地申请延后五天")
    page.click("[data-testid=cycle-save]")
    page.wait_for_url(f"**/years/{year}/")
    assert "修改日期：各地申请延后五天" in page.inner_text("[data-testid=cycle-history]")
    page.click("[data-testid=cycle-action-start_proposals]")
    page.click("[data-testid=cycle-confirm]")
    page.wait_for_url(f"**/years/{year}/")
    assert page.inner_text("[data-testid=cycle-state]") == "征集选题"
    assert "征集选题" in page.inner_text("[data-testid=header-cycle]")
    cycle = ReformCycle.objects.get(year=year)
    assert (cycle.state, cycle.proposal_deadline.isoformat()) == ("proposal", moved)
    assert (
        Notification.objects.filter(recipient__username="zj_fgw", kind="cycle_start_proposals").count() == 1
    )

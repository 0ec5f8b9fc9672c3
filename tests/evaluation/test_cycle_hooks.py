"""关闭年度 on the year page lists the commissions still running (and outcomes not published) and needs a reason to
close the year over them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reform_portal import cycles
from reform_portal.enums import Stage

from .. import factories as f
from . import scenarios as fe


@pytest.mark.django_db
def test_closing_a_year_lists_the_commissions_still_running(client, reviewer):
    cycle = f.CycleFactory(stage=Stage.EVALUATION)
    task = fe.make_task(cycle, reviewer)
    agency = fe.agency()
    fe.commission(cycle, reviewer, agency, [task])
    client.force_login(reviewer)
    html = client.get(reverse("cycle_action", args=[cycle.year, "close_year"])).content.decode()
    assert "尚在评估中的委托（1）" in html and agency.name in html
    with pytest.raises(ValidationError, match="尚有未办结事项"):
        cycles.cycle_act(cycle=cycle, action="close_year", by=reviewer, confirmed=True)
    cycles.cycle_act(
        cycle=cycle, action="close_year", by=reviewer, confirmed=True, reason="评估转入下年度跟踪"
    )
    cycle.refresh_from_db()
    assert cycle.state == "closed"

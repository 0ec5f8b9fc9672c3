"""评估激励's part in the year's stage actions (reform_portal.cycles): what is still open before 关闭年度 —
commissions still running and outcomes not published."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal.cycles import Outstanding
from reform_portal.models import ReformCycle
from reform_portal.years import with_year

from .enums import CommissionState, OutcomeState
from .models import Commission, Outcome


def close_year_outstanding(cycle: ReformCycle) -> list[Outstanding]:
    commissions = Commission.objects.filter(cycle=cycle, state=CommissionState.ACTIVE).select_related(
        "agency"
    )
    outcomes = Outcome.objects.filter(cycle=cycle, state=OutcomeState.DRAFT).order_by("pk")
    url = with_year(reverse("evaluation:commissions"), cycle.year)
    return [
        Outstanding(_("尚在评估中的委托"), [str(c.agency) for c in commissions.order_by("pk")], url),
        Outstanding(_("尚未发布的改革成果"), [o.title for o in outcomes], url),
    ]

"""Dashboard panels: for regional staff, what became of their proposals (merged into which measure, or
未采纳 with the reason) and the in-app notice that the list is published; for reviewers, the merge count."""

from django.db.models import F

from proposals.models import MeasureProposal
from reform_portal.enums import Role

from .enums import ListState
from .models import MeasureList
from .services import OPEN_BOOK_STATES


def outcome_panel(*, user, cycle, stage):
    if not (user.has_role(Role.REGIONAL_STAFF) and user.region_id):
        return None
    # The 20 latest proposals as the panel prints them: values, not five models per row (issue 19).
    rows = list(
        MeasureProposal.objects.filter(book__region_id=user.region_id, book__state__in=OPEN_BOOK_STATES)
        .order_by("-book__cycle__year", "position", "pk")
        .values(
            "title",
            year=F("book__cycle__year"),
            measure=F("measure_source__measure__title"),
            reason=F("rejection__reason"),
        )[:20]
    )
    latest = (
        MeasureList.objects.filter(state=ListState.PUBLISHED)
        .select_related("cycle")
        .order_by("-published_at")
        .first()
    )
    if not rows and latest is None:
        return None
    return {"template": "catalog/panel_region.html", "rows": rows, "published": latest}


def reviewer_panel(*, user, cycle, stage):
    if not user.has_role(Role.NATIONAL_REVIEWER):
        return None
    lists = list(MeasureList.objects.select_related("cycle").order_by("-cycle__year", "-version")[:3])
    return {"template": "catalog/panel_reviewer.html", "lists": lists}

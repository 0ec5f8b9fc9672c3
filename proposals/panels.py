"""Dashboard panel: the region's 建议书 at a glance; for reviewers, the reporting count."""

from django.db.models import Count

from reform_portal.enums import Role

from .enums import BookState
from .models import ProposalBook


def book_panel(*, user, cycle, stage):
    if user.has_role(Role.REGIONAL_STAFF) and user.region_id:
        book = (
            ProposalBook.objects.filter(cycle=cycle, region_id=user.region_id)
            .annotate(n=Count("proposals"))
            .first()
        )  # the panel says whether each department confirmed, not who: no join of the signers (issue 19)
        if book is not None:
            book.cycle = cycle
        return {"template": "proposals/panel_region.html", "book": book, "cycle": cycle}
    if user.has_role(Role.NATIONAL_REVIEWER):
        counts = dict(ProposalBook.objects.filter(cycle=cycle).values_list("state").annotate(n=Count("pk")))
        return {
            "template": "proposals/panel_reviewer.html",
            "cycle": cycle,
            "submitted": counts.get(BookState.SUBMITTED, 0),
            "returned": counts.get(BookState.RETURNED, 0),
            "draft": counts.get(BookState.DRAFT, 0),
        }
    return None

"""改革成果 in the one search box (``reform_portal.search``): published ones for everyone (the library), drafts
too for national reviewers (their outcomes page)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reform_portal.enums import Role
from reform_portal.search import SearchKind, register_search

from .enums import OutcomeState
from .models import Outcome


def _visible(user):
    if user.is_authenticated and user.has_role(Role.NATIONAL_REVIEWER):
        return Outcome.objects.all()
    return Outcome.objects.filter(state=OutcomeState.PUBLISHED)


def _url(outcome):
    if outcome.state == OutcomeState.PUBLISHED:
        return reverse("evaluation:library_detail", args=[outcome.pk])
    return reverse("evaluation:outcome_edit", args=[outcome.pk])


OUTCOMES = register_search(
    SearchKind(
        name="outcome",
        label=_("改革成果"),
        model=Outcome,
        text=lambda o: " ".join(
            [o.title, o.summary, o.problem_solved, o.how_to_replicate, o.applicable_scope]
        ),
        title=lambda o: f"{o.region.name}：{o.title}",
        year=lambda o: o.cycle.year,
        visible=_visible,
        url=_url,
        order=50,
        related=lambda qs: qs.select_related("region", "cycle"),
    )
)

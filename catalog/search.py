"""Measures (national reviewers, as their pages) and the entries of published lists (everyone) in the one search
box (``reform_portal.search``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reform_portal.enums import Role
from reform_portal.search import SearchKind, register_search

from . import selectors
from .models import ListEntry, Measure


def _measures_visible(user):
    if user.is_authenticated and user.has_role(Role.NATIONAL_REVIEWER):
        return Measure.objects.all()
    return Measure.objects.none()


MEASURES = register_search(
    SearchKind(
        name="measure",
        label=_("改革举措"),
        model=Measure,
        text=lambda m: " ".join([m.title, m.description, m.goals]),
        title=lambda m: m.title,
        year=lambda m: m.cycle.year,
        visible=_measures_visible,
        url=lambda m: reverse("catalog:measure_detail", args=[m.pk]),
        order=20,
        related=lambda qs: qs.select_related("cycle"),
    )
)

ENTRIES = register_search(
    SearchKind(
        name="list_entry",
        label=_("举措清单条目"),
        model=ListEntry,
        text=lambda e: " ".join([e.number, e.title, e.description, e.goals, e.source_regions]),
        title=lambda e: f"{e.number} {e.title}（第{e.measure_list.version}版）",
        year=lambda e: e.measure_list.cycle.year,
        visible=lambda user: ListEntry.objects.filter(measure_list__in=selectors.published_lists()),
        url=lambda e: reverse("catalog:public_list", args=[e.measure_list_id]),
        order=30,
        related=lambda qs: qs.select_related("measure_list__cycle"),
    )
)

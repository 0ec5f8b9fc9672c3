"""Lookups filtered by who asks: a 征集 or suggestion that the user may not see is None (the page answers 404)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from . import rules
from .enums import Moderation
from .models import Collection, Suggestion
from .similarity import group_suggestions

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from reform_portal.models import User


def collections_visible_to(user: User | AnonymousUser) -> QuerySet[Collection]:
    """The region's staff: their region's 征集; an invited unit's users: the 征集 their unit is invited to."""
    qs = Collection.objects.select_related("cycle", "region")
    if not user.is_authenticated:
        return qs.none()
    if rules.is_region_staff(user, user.region_id):
        return qs.filter(region_id=user.region_id)
    if user.organization_id:
        return qs.filter(invited=user.organization_id).distinct()
    return qs.none()


def collection_for(user: User | AnonymousUser, pk: int) -> Collection | None:
    return collections_visible_to(user).filter(pk=pk).first()


def suggestions_visible_to(user: User | AnonymousUser) -> QuerySet[Suggestion]:
    """The region's staff: every suggestion of their region's 征集 (public ones included, pending moderation
    too); an invited unit's users: their own unit's suggestions only; nobody else any."""
    qs = Suggestion.objects.select_related(
        "collection", "collection__region", "collection__cycle", "organization"
    )
    if not user.is_authenticated:
        return qs.none()
    if rules.is_region_staff(user, user.region_id):
        return qs.filter(collection__region_id=user.region_id)
    if user.organization_id:
        return qs.filter(organization_id=user.organization_id)
    return qs.none()


def suggestion_for(user: User | AnonymousUser, pk: int) -> Suggestion | None:
    return suggestions_visible_to(user).filter(pk=pk).first()


def desk(
    collection: Collection,
    *,
    state: str = "",
    kind: str = "",
    source: str = "",
    moderation: str = "",
    q: str = "",
) -> QuerySet[Suggestion]:
    qs = collection.suggestions.select_related("organization", "adopted_into", "merged_into")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(unit_kind=kind)
    if source:
        qs = qs.filter(source=source)
    if moderation:
        qs = qs.filter(moderation=moderation)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(unit_name__icontains=q) | Q(tags__icontains=q))
    return qs


def near_duplicates(collection: Collection) -> list[list[Suggestion]]:
    """Groups of near-identical suggestions of the 征集 (not those held back by moderation)."""
    items = list(collection.suggestions.exclude(moderation=Moderation.REJECTED).order_by("pk"))
    texts = [f"{s.title} {s.pain_points} {s.measure}" for s in items]
    return [[items[i] for i in group] for group in group_suggestions(texts)]

"""Read querysets of the kernel, already filtered by who asks: the accounts a user may see and invite."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import F, Func, IntegerField, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .enums import OrgKind, Role
from .models import Organization, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def row_count(queryset: QuerySet) -> Coalesce:
    """The number of rows of ``queryset`` (filtered on an ``OuterRef``) as a correlated scalar subquery, 0 when
    none: several figures of a page read in one query (issue 19)."""
    # Func, not Count: an aggregate would make Django group the subquery by its columns.
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
            .values("n")
        ),
        0,
    )


def attach_users(objects: Iterable[Any], *fields: str) -> None:
    """Set the user foreign keys ``fields`` (e.g. the two departments' signers and the submitter) of ``objects``
    from one query of the users' names, for a page that prints them: three LEFT JOINs of the user table on the
    object's own query cost more to plan and to build than this query (issue 19). Only the names are read (what a
    user prints as); the objects are for display, not for saving."""
    objects = list(objects)
    ids = {getattr(o, f"{f}_id") for o in objects for f in fields} - {None}
    users = User.objects.only("id", "username", "full_name").in_bulk(ids) if ids else {}
    for obj in objects:
        for f in fields:
            if getattr(obj, f"{f}_id") is not None:
                setattr(obj, f, users.get(getattr(obj, f"{f}_id")))


def invitable_organizations(by: User | AnonymousUser) -> QuerySet[Organization]:
    """The organisations ``by`` may invite users for: every one for national reviewers, the implementing
    entities of their own region for regional staff, none for anybody else."""
    if not by.is_authenticated:
        return Organization.objects.none()
    if by.has_role(Role.NATIONAL_REVIEWER):
        return Organization.objects.select_related("region").order_by("kind", "name")
    if by.has_role(Role.REGIONAL_STAFF) and by.region_id is not None:
        return (
            Organization.objects.filter(region_id=by.region_id, kind__in=OrgKind.implementing())
            .select_related("region")
            .order_by("kind", "name")
        )
    return Organization.objects.none()


def invitable_roles(by: User | AnonymousUser) -> list[Role]:
    if not by.is_authenticated:
        return []
    if by.has_role(Role.NATIONAL_REVIEWER):
        return list(Role)
    if by.has_role(Role.REGIONAL_STAFF):
        return [Role.IMPLEMENTER]
    return []


def accounts_visible_to(by: User | AnonymousUser) -> QuerySet[User]:
    """The accounts ``by`` keeps (their state, invitations, second factor): every non-superuser for national
    reviewers; the users of their region's implementing entities for regional staff; none otherwise."""
    users = (
        User.objects.filter(is_superuser=False)
        .select_related("organization__region", "invitation")
        .prefetch_related("totpdevice_set")
        .order_by("organization__kind", "organization__name", "username")
    )
    if not by.is_authenticated:
        return users.none()
    if by.has_role(Role.NATIONAL_REVIEWER):
        return users
    if by.has_role(Role.REGIONAL_STAFF) and by.region_id is not None:
        return users.filter(
            organization__region_id=by.region_id, organization__kind__in=OrgKind.implementing()
        )
    return users.none()


# ---- organisations: the regions' libraries of implementing entities, the reviewers' reference data (§14 §6) --


def entity_library(region_id: int | None) -> QuerySet[Organization]:
    """The implementing entities a region can name (建议书, 揭榜, 实施方案): its own, and others' it added."""
    if region_id is None:
        return Organization.objects.none()
    return (
        Organization.objects.filter(kind__in=OrgKind.implementing())
        .filter(Q(region_id=region_id) | Q(used_by__id=region_id))
        .distinct()
        .select_related("region")
        .order_by("kind", "name")
    )


def organizations_visible_to(by: User | AnonymousUser) -> QuerySet[Organization]:
    """Every organisation for national reviewers; the region's library for regional staff; none otherwise (an
    organisation outside it answers 404)."""
    if not by.is_authenticated:
        return Organization.objects.none()
    if by.has_role(Role.NATIONAL_REVIEWER):
        return Organization.objects.select_related("region").order_by("kind", "region__code", "name")
    if by.has_role(Role.REGIONAL_STAFF) and by.region_id is not None:
        return entity_library(by.region_id)
    return Organization.objects.none()


def experts() -> QuerySet[User]:
    """The experts with their affiliation and its region (the conflict rule reads the region)."""
    return (
        User.objects.filter(groups__name=Role.EXPERT, is_superuser=False)
        .select_related("organization__region", "invitation")
        .order_by("organization__region__code", "organization__name", "full_name", "pk")
        .distinct()
    )


# Where a region typed the names of entities it has not picked from its library (the 建议书's 新增实施主体, the
# claim's 拟定实施主体): each stage registers a source ``func(region_id) -> iterable of (name, where)``.
EntityNameSource = Callable[[int], Iterable[tuple[str, str]]]
_ENTITY_NAME_SOURCES: list[EntityNameSource] = []


def register_entity_name_source(func: EntityNameSource) -> EntityNameSource:
    if func not in _ENTITY_NAME_SOURCES:
        _ENTITY_NAME_SOURCES.append(func)
    return func


def typed_entity_names(region_id: int) -> list[dict]:
    """Names typed in the region's documents that are not in its library yet, each with where it was typed:
    [{"name": ..., "where": ["2027年度建议书：举措名称", ...]}], in the order first seen."""
    known = {o.name for o in entity_library(region_id)}
    found: dict[str, list[str]] = {}
    for source in _ENTITY_NAME_SOURCES:
        for name, where in source(region_id):
            name = " ".join(name.split())
            if name and name not in known and len(name) <= 100:
                places = found.setdefault(name, [])
                if where not in places:
                    places.append(where)
    return [{"name": name, "where": where} for name, where in found.items()]

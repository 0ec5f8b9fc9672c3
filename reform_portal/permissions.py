"""Role checks shared by every app. Object checks go through guardian (``user.has_perm(perm, obj)``), read once per
page (``ObjectPermissionBackend``, ``ReadOnceMiddleware``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from guardian import backends as guardian_backends
from guardian.conf import settings as guardian_settings
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from .enums import OrgKind, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest, HttpResponseBase

    from .models import User

    View = Callable[..., HttpResponseBase]

M = TypeVar("M", bound="Model")


def has_role(user: User | AnonymousUser, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    return any(user.has_role(r) for r in roles)


def role_required(*roles: str) -> Callable[[View], View]:
    """View decorator: login first, then one of ``roles`` or 403."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_national(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.NATIONAL_REVIEWER)


def department_of(user: User | AnonymousUser, region_id: int | None) -> str | None:
    """REGIONAL_DRC / REGIONAL_SCITECH when ``user`` signs for one of the region's two departments, else None."""
    if not user.is_authenticated:
        return None
    org = user.organization
    if org is None or org.region_id != region_id or not user.has_role(Role.REGIONAL_STAFF):
        return None
    return org.kind if org.kind in OrgKind.regional_departments() else None


# ---- object permissions read once per page (issue 19) ----------------------------------------------------------

_checkers: ContextVar[dict[Any, ObjectPermissionChecker] | None] = ContextVar(
    "object_permission_checkers", default=None
)


@contextmanager
def read_once() -> Iterator[None]:
    """Within this block each user's object permissions are read once per object (one query) and remembered:
    guardian's own backend makes a new checker (two queries) for every ``has_perm`` — a 建议书 page asked four rules of one book
    and paid eight queries, a third of its database time. Used around page reads (``ReadOnceMiddleware``), where
    no permission changes; a request that changes data never reads from the memory."""
    token = _checkers.set({})
    memo = _page_reads.set({})
    try:
        yield
    finally:
        _page_reads.reset(memo)
        _checkers.reset(token)


_page_reads: ContextVar[dict[Any, Any] | None] = ContextVar("page_reads", default=None)


def read_once_memo() -> dict[Any, Any] | None:
    """Inside ``read_once()`` (a page read), a dict for other reads that cannot change while the page is drawn,
    keyed by their caller (e.g. ``reform_portal.services.deadline_for``: the 建议书 page's rules asked the region's
    extension four times); None outside, where every read goes to the database."""
    return _page_reads.get()


def objects_for(user: Any, perm: str, klass: type[M]) -> QuerySet[M]:
    """The ``klass`` objects on which ``user`` holds ``perm`` itself or through a group (guardian's
    ``get_objects_for_user`` without global permissions), as a fresh copy of a queryset built once per (user,
    permission, model) in this process. guardian's queryset is lazy — the user's own and the groups' permission
    rows and the user's groups are subqueries that run when the copy runs — so a grant, a revocation or a new
    group membership made after the build is seen at once; building it cost ≈2 ms of Python on every list a
    regional user, implementer, evaluator or liaison opened (issue 19). Django reuses a class-level queryset the
    same way (``.all()`` per request)."""
    if user.pk is None:  # an anonymous visitor: guardian's anonymous user, as guardian does it
        return get_objects_for_user(user, perm, klass=klass, accept_global_perms=False)
    return _built(user.pk, bool(user.is_superuser), perm, klass).all()


def forget_querysets(**kwargs: Any) -> None:
    """Build guardian's querysets again when next asked (``post_migrate``: after ``migrate`` and after a test
    database's flush, which recreate content types and permissions under new keys that a built queryset holds)."""
    _built.cache_clear()


@lru_cache(maxsize=512)
def _built(user_pk: int, is_superuser: bool, perm: str, klass: type[M]) -> QuerySet[M]:
    # guardian reads the user's pk, is_superuser and groups (a subquery on the pk) — nothing else
    user = get_user_model()(pk=user_pk, is_superuser=is_superuser)
    return get_objects_for_user(user, perm, klass=klass, accept_global_perms=False)


class _PageChecker(ObjectPermissionChecker):
    """guardian's checker, reading a user's permissions on an object in one query (the user's own rows UNION the
    groups' rows) where guardian sends two; everything else (inactive users, superusers, the cache key) is
    guardian's."""

    def get_perms(self, obj: Model) -> list[str]:
        user = self.user
        if not user or not user.is_active or user.is_superuser or guardian_settings.AUTO_PREFETCH:
            return super().get_perms(obj)
        key = self.get_local_cache_key(obj)
        if key not in self._obj_perms_cache:
            own, groups = self.get_user_perms(obj), self.get_group_perms(obj)
            # UNION (no duplicates). guardian orders its querysets, and SQLite refuses ORDER BY inside a compound
            # statement (the demo and ``make run`` use SQLite), so the parts are unordered. django-stubs type
            # union() for model querysets only.
            both = own.order_by().union(groups.order_by())  # type: ignore[arg-type]
            self._obj_perms_cache[key] = list(both)
        return self._obj_perms_cache[key]


class ObjectPermissionBackend(guardian_backends.ObjectPermissionBackend):
    """guardian's backend, with one checker per user inside ``read_once()`` (guardian's checker keeps the
    permissions of each object it was asked about). Outside it, exactly guardian's."""

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        checkers = _checkers.get()
        if checkers is None or obj is None or getattr(obj, "pk", None) is None:
            return super().has_perm(user_obj, perm, obj)
        support, user = guardian_backends.check_support(user_obj, obj)
        if not support:
            return False
        if "." in perm and perm.split(".", 1)[0] != obj._meta.app_label:
            return super().has_perm(
                user_obj, perm, obj
            )  # guardian's own answer (or error) for a foreign label
        checker = checkers.get(user.pk)
        if checker is None:
            checker = checkers[user.pk] = _PageChecker(user)
        return checker.has_perm(perm, obj)


class ReadOnceMiddleware:
    """Reads object permissions once per page for GET and HEAD requests (``read_once``); other methods change
    data and are answered by guardian's backend as it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with read_once():
            return self.get_response(request)

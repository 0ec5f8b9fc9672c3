"""Role checks shared by every app. Object checks go through guardian (``user.has_perm(perm, obj)``), read once per
page (``ObjectPermissionBackend``, ``ReadOnceMiddleware``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from guardian import backends as guardian_backends
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


_visible: ContextVar[dict[tuple[Any, str, Any], QuerySet[Any]] | None] = ContextVar(
    "objects_for_user", default=None
)


@contextmanager
def read_once() -> Iterator[None]:
    """Within this block each user's object permissions are read once per object and remembered: guardian's own
    backend makes a new checker (two queries) for every ``has_perm`` — a 建议书 page asked four rules of one book
    and paid eight queries, a third of its database time. Used around page reads (``ReadOnceMiddleware``), where
    no permission changes; a request that changes data never reads from the memory."""
    token = _checkers.set({})
    visible = _visible.set({})
    try:
        yield
    finally:
        _visible.reset(visible)
        _checkers.reset(token)


def objects_for(user: Any, perm: str, klass: type[M]) -> QuerySet[M]:
    """The ``klass`` objects on which ``user`` holds ``perm`` itself or through a group (guardian's
    ``get_objects_for_user`` without global permissions). The queryset is lazy — its permission subqueries run
    when it does — so inside ``read_once()`` it is built once per page and reused (≈2 ms of Python per build; a
    task list asked three times: its year's open items, its rows, its notices)."""
    memo = _visible.get()
    key = (getattr(user, "pk", None), perm, klass)
    if memo is None or key[0] is None:
        return get_objects_for_user(user, perm, klass=klass, accept_global_perms=False)
    if key not in memo:
        memo[key] = get_objects_for_user(user, perm, klass=klass, accept_global_perms=False)
    return memo[key].all()


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
            checker = checkers[user.pk] = ObjectPermissionChecker(user)
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

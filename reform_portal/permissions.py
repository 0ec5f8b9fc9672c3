"""Role checks shared by every app. Object checks go through guardian (``user.has_perm(perm, obj)``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .enums import OrgKind, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest, HttpResponseBase

    from .models import User

    View = Callable[..., HttpResponseBase]


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

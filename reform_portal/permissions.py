"""Role checks shared by every app. Object checks go through guardian (``user.has_perm(perm, obj)``)."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .enums import OrgKind, Role


def has_role(user, *roles) -> bool:
    if not user.is_authenticated:
        return False
    return any(user.has_role(r) for r in roles)


def role_required(*roles):
    """View decorator: login first, then one of ``roles`` or 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_national(user) -> bool:
    return has_role(user, Role.NATIONAL_REVIEWER)


def department_of(user, region_id):
    """REGIONAL_DRC / REGIONAL_STD when ``user`` signs for one of the region's two departments, else None."""
    org = user.organization if user.is_authenticated else None
    if org is None or org.region_id != region_id or not user.has_role(Role.REGIONAL_STAFF):
        return None
    return org.kind if org.kind in OrgKind.regional_departments() else None

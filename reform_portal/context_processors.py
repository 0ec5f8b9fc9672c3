import functools

from .navigation import nav_for
from .notifications import unread_count
from .services import current_cycle


def portal(request):
    # A page of one year (``reform_portal.years.selected_cycle``) shows that year in the header, with its switch.
    cycle = getattr(request, "selected_cycle", None) or current_cycle()
    user = getattr(request, "user", None)
    return {
        "portal_cycle": cycle,
        "portal_year_switch": getattr(request, "year_switch", None),
        # The stage the year is in: the state stored on the cycle (moved by the reviewers' stage actions).
        "portal_stage": cycle.stage if cycle else None,
        # The header links of the user's role, read only when the layout renders them.
        "portal_nav": functools.partial(nav_for, user),
        # One COUNT on the (recipient, read_at) index, for the header badge.
        "portal_unread": unread_count(user) if user is not None and user.is_authenticated else 0,
    }

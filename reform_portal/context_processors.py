from .notifications import unread_count
from .services import current_cycle, local_today


def portal(request):
    cycle = current_cycle()
    user = getattr(request, "user", None)
    return {
        "portal_cycle": cycle,
        "portal_stage": cycle.stage_on(local_today()) if cycle else None,
        # One COUNT on the (recipient, read_at) index, for the header badge.
        "portal_unread": unread_count(user) if user is not None and user.is_authenticated else 0,
    }

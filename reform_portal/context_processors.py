from .services import current_cycle, local_today


def portal(request):
    cycle = current_cycle()
    return {
        "portal_cycle": cycle,
        "portal_stage": cycle.stage_on(local_today()) if cycle else None,
    }

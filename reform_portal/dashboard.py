"""What each role must do next, per stage. Stage apps add richer panels through ``register_panel``
(called from their AppConfig.ready), so the kernel never imports upwards."""

import datetime
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .enums import Role, Stage
from .services import days_left, deadline_for, last_day_of

# (role, stage) -> (text, URL name); filled by the stage apps (``register_next_action``), so the kernel
# names no stage.
NEXT_ACTIONS: dict[tuple[str, str], tuple[str, str]] = {}


def register_next_action(role, stage, text, url_name):
    """What ``role`` should do next while the cycle is in ``stage``, and the page where it is done."""
    NEXT_ACTIONS[(str(role), str(stage))] = (text, url_name)


IDLE = _("当前阶段暂无需要您办理的事项")

# The deadline each role watches in each stage.
WATCHED_STAGE = {
    Role.REGIONAL_STAFF: None,  # the current stage's own deadline
    Role.NATIONAL_REVIEWER: None,
    Role.EXPERT: Stage.REVIEW,
    Role.MINISTRY_LIAISON: Stage.REVIEW,
    Role.EVALUATOR: Stage.EVALUATION,
    Role.IMPLEMENTER: Stage.IMPLEMENTATION,
}


@dataclass
class NextAction:
    text: str
    url: str | None


@dataclass
class Deadline:
    stage: Stage
    at: object
    last_day: object
    days_left: int
    extended: bool


def safe_reverse(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def next_action(role, stage):
    text, url_name = NEXT_ACTIONS.get((str(role), str(stage)), (IDLE, None))
    return NextAction(text=str(text), url=safe_reverse(url_name) if url_name else None)


def next_deadline(user, cycle, stage):
    role = user.primary_role
    watched = WATCHED_STAGE.get(role) or stage
    if watched in (Stage.CLOSED, "planning"):
        return None
    # the region's id (the header has read the organisation): its extension needs no Region row
    region_id = user.region_id if role in (Role.REGIONAL_STAFF, Role.IMPLEMENTER) else None
    at = deadline_for(cycle, region_id, watched)
    return Deadline(
        stage=Stage(watched),
        at=at,
        last_day=last_day_of(at),
        days_left=days_left(at),
        extended=at != cycle.closes_at(watched),
    )


_PANELS = []


def register_panel(func):
    """``func(user, cycle, stage) -> dict | None`` with keys title, template (or lines), context."""
    _PANELS.append(func)
    return func


def panels_for(user, cycle, stage):
    out = []
    for func in _PANELS:
        panel = func(user=user, cycle=cycle, stage=stage)
        if panel:
            out.append(panel)
    return out


def cycle_timeline(cycle, stage, today):
    """The year's stages on one line, the current one marked and today's line (issue 18 §9)."""
    from . import charts

    ends = [
        (Stage.PROPOSAL, cycle.proposal_deadline),
        (Stage.REVIEW, cycle.bidding_opens),
        (Stage.BIDDING, cycle.bidding_deadline),
        (Stage.IMPLEMENTATION, cycle.implementation_end),
        (Stage.EVALUATION, cycle.evaluation_due),
    ]
    order = [s for s, _d in ends]
    # 筹备 (planning): every stage is still ahead; 本年度已结束: every stage is behind
    now = order.index(stage) if stage in order else -1 if stage == "planning" else len(order)
    start = min(datetime.date(cycle.year, 1, 1), cycle.proposal_deadline - datetime.timedelta(days=90))
    return charts.timeline(
        _("%(c)s 时间轴") % {"c": cycle},
        start,
        [
            (str(s.label), last, "stage-past" if i < now else "stage-now" if i == now else "stage-next")
            for i, (s, last) in enumerate(ends)
        ],
        today=today,
        today_label=_("今天 %(d)s") % {"d": today},
        desc=_("各阶段及其截止日期，当前阶段以红色标出。"),
    )

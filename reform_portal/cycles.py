"""The year's own work (年度工作安排, DECISIONS §14): open next year's cycle, edit its dates with a reason, and the
reviewers' stage actions in the notice's order — 开始征集, 结束征集, 公布清单 (= 开始揭榜), 结束揭榜, 确认揭榜结果 (=
组织实施), 开始评估, 关闭年度. Each action is one call of :func:`cycle_act`: the cycle's table
(``reform_portal.transitions.CYCLE``) through ``transition``, saved with its reason in the history, and the people
it affects notified (idempotent keys).

The kernel names no stage: what is still outstanding before an action (regions not submitted, expert reviews
open …) and what an action does in a stage (books become 已进入汇总, the list is published …) come from the stage
apps, registered from their ``AppConfig.ready``::

    register_outstanding("close_proposals", regions_not_submitted)   # func(cycle) -> list[Outstanding]
    register_effect("close_proposals", close_books)                   # func(cycle=…, by=…, reason=…) -> None
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .enums import CycleState, Role, Stage
from .models import DeadlineExtension, ReformCycle, User, _shanghai_end_of
from .services import check_revision, check_rule, local_today, save_with_history
from .transitions import CYCLE, transition

DATE_FIELDS = [
    "proposal_deadline",
    "review_deadline",
    "bidding_opens",
    "bidding_deadline",
    "implementation_end",
    "evaluation_due",
]
NUMBER_FIELDS = ["min_proposals", "max_proposals", "min_bids"]
# what the year's 公文 print besides their text (联系人, 抄送, 印发机关; issue 15 §3, DECISIONS §15)
DOC_FIELDS = ["notice_contacts", "notice_cc", "notice_printed_by"]

# The actions that end a stage with a deadline: before the last deadline (extensions included) they need the
# confirmation page that lists who is still out.
ENDS_STAGE = {"close_proposals": Stage.PROPOSAL, "close_bidding": Stage.BIDDING}
# The date that ends each of those stages, and the date it may not precede.
STAGE_DATE = {
    Stage.PROPOSAL: ("proposal_deadline", None),
    Stage.BIDDING: ("bidding_deadline", "bidding_opens"),
}
# The actions whose confirmation page lists outstanding work; with anything outstanding a reason is required.
REASON_WHEN_OUTSTANDING = {"publish_list", "confirm_bidding", "close_year"}
# Actions that need a confirmation page whatever is outstanding (the big steps).
CONFIRMED = {"close_proposals", "publish_list", "close_bidding", "confirm_bidding", "close_year"}


@dataclass(frozen=True)
class Outstanding:
    """What is still open before an action: ``title`` (e.g. 未报送建议书的地区) and the names of the items."""

    title: str
    items: list[str] = field(default_factory=list)
    url: str = ""

    @property
    def count(self) -> int:
        return len(self.items)


Check = Callable[[ReformCycle], list[Outstanding]]
Effect = Callable[..., None]

_OUTSTANDING: dict[str, list[Check]] = {}
_EFFECTS: dict[str, list[Effect]] = {}


def register_outstanding(action: str, func: Check) -> Check:
    """``func(cycle)`` lists what is still open before ``action`` (shown on its confirmation page). Idempotent."""
    if action not in CYCLE.actions:
        raise ValueError(f"no cycle action {action!r}")
    funcs = _OUTSTANDING.setdefault(action, [])
    if func not in funcs:
        funcs.append(func)
    return func


def register_effect(action: str, func: Effect) -> Effect:
    """``func(cycle=…, by=…, reason=…)`` does ``action``'s work in a stage, inside the action's transaction (raise
    ValidationError to refuse the whole action). Idempotent."""
    if action not in CYCLE.actions:
        raise ValueError(f"no cycle action {action!r}")
    funcs = _EFFECTS.setdefault(action, [])
    if func not in funcs:
        funcs.append(func)
    return func


def outstanding(cycle: ReformCycle, action: str) -> list[Outstanding]:
    """Everything still open before ``action`` (only the kinds with items)."""
    found: list[Outstanding] = []
    for func in _OUTSTANDING.get(action, []):
        found += [o for o in func(cycle) if o.items]
    return found


def last_deadline(cycle: ReformCycle, stage: str) -> datetime.datetime:
    """The end of ``stage`` for the last region: the cycle's date or the latest extension, whichever is later."""
    closes = cycle.closes_at(stage)
    until = DeadlineExtension.objects.filter(cycle=cycle, stage=stage).aggregate(m=Max("until"))["m"]
    return max(closes, _shanghai_end_of(until)) if until else closes


def is_early(cycle: ReformCycle, action: str, now: datetime.datetime | None = None) -> bool:
    """``action`` ends a stage whose last deadline (extensions included) has not passed yet."""
    stage = ENDS_STAGE.get(action)
    return stage is not None and (now or timezone.now()) < last_deadline(cycle, stage)


def _end_now(cycle: ReformCycle, stage: str, by: User, reason: str) -> None:
    """Ending a stage early ends it for everyone: its date becomes yesterday (the stage closed at the start of today,
    Beijing time) and the extensions that ran longer end with it, each change in the history with the reason. The
    regions still out were listed on the confirmation page; from now on their deadline has passed."""
    name, floor = STAGE_DATE[Stage(stage)]
    day = local_today() - datetime.timedelta(days=1)
    if floor is not None:
        day = max(day, getattr(cycle, floor))
    if getattr(cycle, name) > day:
        setattr(cycle, name, day)
    if Stage(stage) == Stage.BIDDING:
        cycle.bidding_ended_at = timezone.now()  # the opening day cannot end yesterday: the instant says it
    note = f"提前结束{Stage(stage).label}：{reason}"
    for ext in DeadlineExtension.objects.select_for_update().filter(cycle=cycle, stage=stage, until__gt=day):
        ext.until = day
        save_with_history(ext, by, note)


def needs_confirmation(cycle: ReformCycle, action: str) -> bool:
    return action in CONFIRMED


def _reviewer(by: User) -> tuple[bool, str]:
    if not by.is_authenticated or not by.has_role(Role.NATIONAL_REVIEWER):
        return False, _("只有国家审核人员可以安排年度工作。")
    return True, ""


def proposed_next(last: ReformCycle | None, year: int) -> dict[str, Any]:
    """Dates and numbers proposed for ``year``: last year's shifted by the years between, else the defaults."""
    if last is None:
        return {**ReformCycle.defaults_for(year), "min_proposals": 3, "max_proposals": 5, "min_bids": 3}
    shift = year - last.year
    values: dict[str, Any] = {}
    for name in DATE_FIELDS:
        day: datetime.date = getattr(last, name)
        try:
            values[name] = day.replace(year=day.year + shift)
        except ValueError:  # 29 February
            values[name] = day.replace(year=day.year + shift, day=28)
    values.update({name: getattr(last, name) for name in NUMBER_FIELDS + DOC_FIELDS})
    return values


def _check_dates(cycle: ReformCycle) -> None:
    try:
        cycle.full_clean(exclude=["state", "reminder_offsets", "title"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _past_dates(old: ReformCycle | None, cycle: ReformCycle) -> list[str]:
    """Fields set to a day before today (and changed)."""
    today = local_today()
    return [
        name
        for name in DATE_FIELDS
        if getattr(cycle, name) < today and (old is None or getattr(old, name) != getattr(cycle, name))
    ]


def cycle_open(*, year: int, values: dict[str, Any], reason: str = "", by: User) -> ReformCycle:
    """Open ``year``'s cycle in 筹备 with ``values`` (dates and numbers). A date in the past needs a reason."""
    check_rule(_reviewer(by))
    if ReformCycle.objects.filter(year=year).exists():
        raise ValidationError({"year": _("%(year)s年度已经存在。") % {"year": year}})
    cycle = ReformCycle(year=year, state=CycleState.PLANNING, **values)
    _check_dates(cycle)
    past = _past_dates(None, cycle)
    if past and not reason.strip():
        raise ValidationError({"reason": _("有日期早于今天，请填写理由。")})
    with transaction.atomic():
        save_with_history(cycle, by, f"开启年度{('：' + reason.strip()) if reason.strip() else ''}")
    return cycle


def cycle_update_dates(
    *, cycle: ReformCycle, values: dict[str, Any], reason: str, by: User, revision: int | None = None
) -> ReformCycle:
    """修改日期 (and numbers): in order, with a reason (kept in the history); a past date is allowed with it.
    ``revision``: the version of the dates the reviewer loaded; a colleague's change in between is refused."""
    check_rule(_reviewer(by))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写修改理由。")})
    with transaction.atomic():
        cycle = ReformCycle.objects.select_for_update().get(pk=cycle.pk)
        old = ReformCycle.objects.get(pk=cycle.pk)
        if revision is not None:
            check_revision(cycle, revision, _("年度日期"))
        transition(cycle, "edit_dates", by, flow=CYCLE)
        for name, value in values.items():
            if name not in DATE_FIELDS + NUMBER_FIELDS + DOC_FIELDS:
                raise ValueError(name)
            setattr(cycle, name, value)
        _check_dates(cycle)
        changed = [
            n for n in DATE_FIELDS + NUMBER_FIELDS + DOC_FIELDS if getattr(old, n) != getattr(cycle, n)
        ]
        if not changed:
            raise ValidationError(_("没有修改任何日期或数量。"))
        if "bidding_deadline" in changed and cycle.bidding_ended_at is not None:
            cycle.bidding_ended_at = (
                None  # a new deadline reopens bidding ended early; the reason is in the history
            )
        cycle.revision += 1
        save_with_history(cycle, by, f"修改日期：{reason.strip()}")
    return cycle


ACTION_NOTICES: dict[str, tuple[Any, Any]] = {
    "start_proposals": (
        gettext_lazy("%(year)s年度全面创新改革开始征集举措建议书"),
        gettext_lazy(
            "请于%(proposal_deadline)s 23:59前由发展改革委、科技厅（委、局）共同确认后报送《全面创新改革举措建议书》。"
        ),
    ),
    "close_proposals": (
        gettext_lazy("%(year)s年度举措建议书征集已结束"),
        gettext_lazy(
            "已报送的建议书已进入汇总，不能再撤回或修改；国家发展改革委、科技部将汇总论证并制定年度举措清单。"
        ),
    ),
    "close_bidding": (
        gettext_lazy("%(year)s年度揭榜已结束"),
        gettext_lazy("揭榜申报已截止，国家发展改革委、科技部将汇总揭榜结果并下达揭榜任务通知书。"),
    ),
    "confirm_bidding": (
        gettext_lazy("%(year)s年度揭榜结果已确认，进入组织实施"),
        gettext_lazy(
            "请按揭榜任务通知书细化时间表、路线图和责任人，按期报送进展，于%(implementation_end)s前完成。"
        ),
    ),
    "start_evaluation": (
        gettext_lazy("%(year)s年度改革任务进入评估激励阶段"),
        gettext_lazy(
            "请配合第三方评估机构开展评估，总结凝练可复制推广的改革成果；评估截止%(evaluation_due)s。"
        ),
    ),
    "close_year": (
        gettext_lazy("%(year)s年度全面创新改革工作已结束"),
        gettext_lazy("本年度各阶段工作已完成，相关材料可在往年公布中查阅。"),
    ),
}


def _notify_action(cycle: ReformCycle, action: str) -> None:
    """The regions' staff are told what the action means for them (the list's publication notifies by itself)."""
    from .models import Region
    from .notifications import date_cn, idempotency_key, notify, region_staff

    if action not in ACTION_NOTICES:
        return
    title, body = ACTION_NOTICES[action]
    values: dict[str, Any] = {"year": cycle.year}
    values.update({name: date_cn(getattr(cycle, name)) for name in DATE_FIELDS})
    recipients: list[User] = []
    for region_id in Region.objects.filter(active=True).values_list("pk", flat=True):
        recipients += region_staff(region_id)
    notify(
        recipients=recipients,
        kind=f"cycle_{action}",
        key=idempotency_key(f"cycle_{action}", cycle),
        title=str(title) % values,
        body=str(body) % values,
        url=f"{reverse('dashboard')}?year={cycle.year}",
    )


def cycle_act(
    *,
    cycle: ReformCycle,
    action: str,
    by: User,
    reason: str = "",
    confirmed: bool = False,
    now: datetime.datetime | None = None,
) -> ReformCycle:
    """One stage action of the year (the cycle's table). The big steps need ``confirmed`` (their confirmation page
    was shown); ending a stage before its last deadline needs it too; 公布清单, 确认揭榜结果 and 关闭年度 over
    outstanding work need a ``reason``. The stages' effects run in the same transaction; then the history row
    (with the reason) and the notifications."""
    check_rule(_reviewer(by))
    reason = reason.strip()
    with transaction.atomic():
        cycle = ReformCycle.objects.select_for_update().get(pk=cycle.pk)
        label = CYCLE.actions[action] if action in CYCLE.actions else action
        transition(cycle, action, by, flow=CYCLE)  # refuses a pair not in the table
        if action == "start_proposals":
            _check_dates(cycle)
        if needs_confirmation(cycle, action) and not confirmed:
            raise ValidationError(_("请在确认页核对后再执行“%(action)s”。") % {"action": label})
        open_items = outstanding(cycle, action)
        if action in REASON_WHEN_OUTSTANDING and open_items and not reason:
            raise ValidationError(
                {
                    "reason": _("尚有未办结事项（%(what)s），请填写理由后再执行。")
                    % {"what": "；".join(f"{o.title}{o.count}项" for o in open_items)}
                }
            )
        early = is_early(cycle, action, now)
        if early and not reason:
            raise ValidationError({"reason": _("截止时间（含延期）尚未到，提前结束须填写理由。")})
        if early:
            _end_now(cycle, ENDS_STAGE[action], by, reason)
        note = f"{label}" + (f"：{reason}" if reason else "")
        save_with_history(cycle, by, note)  # first: the effects see the year in its new state
        for effect in _EFFECTS.get(action, []):
            effect(cycle=cycle, by=by, reason=reason)
        _notify_action(cycle, action)
    return cycle

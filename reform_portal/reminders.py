"""Deadline reminders: a registry of sources, the offset rule, and idempotent sending.

Stage apps register a *source* from their ``AppConfig.ready``::

    from reform_portal.reminders import Due, register_reminder_source, reminder_title, stage_due_offsets

    @register_reminder_source
    def proposal_reminders(*, cycle, now):
        for region in regions_without_a_submitted_book(cycle):          # the source decides "done"
            for offset in stage_due_offsets(cycle, region, Stage.PROPOSAL, now=now):
                deadline = deadline_for(cycle, region, Stage.PROPOSAL)
                for user in staff_of(region):
                    yield Due(kind="proposal_deadline", obj_pk=region.pk, obj_label=f"{region}建议书",
                              recipient=user, due_at=deadline, offset_days=offset,
                              title=reminder_title("建议书报送", offset), body="...", url="/proposals/")

The hourly ``reminders.scan`` task calls every source for every cycle still running and queues one
``reminders.send`` per :attr:`Due.key`. ``reminders.send`` INSERTs a :class:`ReminderLog` with that
unique key before any mail leaves; a second INSERT of the same key fails, so a beat that fires
twice, two scans running at once, or a retried task never mail twice (docs/design.md, cross-cutting rules).
Delivery is at most once: a send that died half-way stays ``pending`` in the log, it is not re-sent.
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .enums import ReminderStatus
from .models import Notification, ReformCycle, ReminderLog, User
from .notifications import absolute_url, build_email, deliveries_queue
from .services import days_left, deadline_for, last_day_of, local_today

logger = logging.getLogger(__name__)

KEY_MAX_LENGTH = ReminderLog._meta.get_field("key").max_length


@dataclass(frozen=True, kw_only=True)
class Due:
    """One reminder a source says is due now.

    ``due_at`` is the deadline instant as returned by ``deadline_for`` (the first instant after the
    last day, Asia/Shanghai); ``offset_days`` is the entry of ``cycle.reminder_offsets`` that is due
    today (use :func:`due_offsets`). ``obj_pk`` identifies the object reminded about (a book, a
    task, or e.g. a region when nothing exists yet); ``url`` is site-relative."""

    kind: str
    obj_pk: int | str
    obj_label: str
    recipient: User
    due_at: datetime.datetime
    offset_days: int
    title: str
    body: str = ""
    url: str = ""

    @property
    def due_date(self) -> datetime.date:
        return last_day_of(self.due_at)

    @property
    def key(self) -> str:
        key = f"{self.kind}:{self.obj_pk}:{self.recipient.pk}:{self.offset_days}:{self.due_date.isoformat()}"
        if len(key) > KEY_MAX_LENGTH:
            raise ValueError(f"reminder key longer than {KEY_MAX_LENGTH}: {key!r}")
        return key


Source = Callable[..., Iterable[Due]]
_SOURCES: list[Source] = []


def register_reminder_source(func: Source) -> Source:
    """Register ``func(*, cycle, now) -> iterable of Due``; usable as a decorator, idempotent."""
    if func not in _SOURCES:
        _SOURCES.append(func)
    return func


def unregister_reminder_source(func: Source) -> None:
    if func in _SOURCES:
        _SOURCES.remove(func)


def reminder_sources() -> tuple[Source, ...]:
    return tuple(_SOURCES)


# --- when ----------------------------------------------------------------------------------------


def due_offsets(deadline: datetime.datetime, offsets: Iterable[int], *, now=None) -> list[int]:
    """The entries of ``offsets`` due today (Asia/Shanghai) for ``deadline``.

    ``deadline`` is the exclusive end instant from ``deadline_for``; its last day is the day before
    in Beijing time. An offset ``n`` is due on the day ``last_day - n``: 30, 7, 1 days before the
    last day, 0 on it, -1 on the day after (missed). Returns at most one value per distinct offset."""
    left = days_left(deadline, now=now)
    return [n for n in dict.fromkeys(offsets) if n == left]


def stage_due_offsets(cycle: ReformCycle, region, stage, *, now=None) -> list[int]:
    """:func:`due_offsets` for a stage's deadline for ``region`` (extensions count), with the cycle's
    own ``reminder_offsets``."""
    return due_offsets(deadline_for(cycle, region, stage), cycle.reminder_offsets or [], now=now)


def reminder_title(what: str, offset: int) -> str:
    """Standard wording: ``reminder_title("建议书报送", 7)`` → 距建议书报送截止还有7天."""
    if offset > 0:
        return f"距{what}截止还有{offset}天"
    if offset == 0:
        return f"今天是{what}截止日"
    return f"{what}已逾期{-offset}天"


def reminder_cycles(now=None) -> list[ReformCycle]:
    """Cycles still running on ``now``'s day (Beijing): up to the evaluation due date, plus as many
    days as the largest negative offset so the "missed" reminder of the last stage still goes out.
    A closed cycle reminds nobody."""
    today = local_today(now)
    out = []
    for cycle in ReformCycle.objects.order_by("year"):
        offsets = [o for o in (cycle.reminder_offsets or []) if isinstance(o, int)]
        grace = max([0, *(-o for o in offsets)])
        if today <= cycle.evaluation_due + datetime.timedelta(days=grace):
            out.append(cycle)
    return out


# --- scan ----------------------------------------------------------------------------------------


def due_payload(due: Due, cycle: ReformCycle | None) -> dict:
    """The JSON-safe keyword arguments of one ``reminders.send`` task."""
    return {
        "key": due.key,
        "kind": due.kind,
        "cycle_id": cycle.pk if cycle else None,
        "obj_label": str(due.obj_label),
        "recipient_id": due.recipient.pk,
        "offset_days": int(due.offset_days),
        "due_at": due.due_at.isoformat(),
        "title": str(due.title),
        "body": str(due.body),
        "url": str(due.url),
    }


def reminders_due(*, now=None) -> list[dict]:
    """Ask every source about every running cycle; return the payloads whose key is not yet logged.

    Skipping logged keys here only saves work: the unique INSERT in :func:`reminder_claim` is what
    guarantees one mail per key when scans overlap."""
    now = now or timezone.now()
    found: dict[str, dict] = {}
    for cycle in reminder_cycles(now):
        for source in reminder_sources():
            try:
                items = list(source(cycle=cycle, now=now) or ())
            except Exception:  # noqa: BLE001 - one broken stage must not silence the others
                logger.exception("Reminder source %r failed for cycle %s", source, cycle.year)
                continue
            for due in items:
                found.setdefault(due.key, due_payload(due, cycle))
    keys = list(found)
    logged = set()
    for i in range(0, len(keys), 500):
        logged.update(ReminderLog.objects.filter(key__in=keys[i : i + 500]).values_list("key", flat=True))
    return [payload for key, payload in found.items() if key not in logged]


# --- send ----------------------------------------------------------------------------------------


class SendResult:
    """What one reminder send did (a value of the Celery task's result; not 改革成果, evaluation.Outcome)."""

    DUPLICATE = "duplicate"  # someone else owns the key
    SKIPPED = "skipped"  # already sent or failed
    SENT = "sent"
    NO_EMAIL = "no_email"  # in-app notification only
    RETRY = "retry"
    FAILED = "failed"


def reminder_claim(
    *,
    key: str,
    kind: str,
    cycle_id,
    obj_label: str,
    recipient_id,
    offset_days: int,
    due_at,
    title: str,
    body: str = "",
    url: str = "",
) -> ReminderLog | None:
    """INSERT the key (pending) and the in-app notification in one transaction of their own.

    Returns the new log, or None when the key exists already (another scan or task owns it)."""
    if isinstance(due_at, str):
        due_at = parse_datetime(due_at)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient_id=recipient_id, kind=kind, title=title[:200], body=body, url=url
            )
            log = ReminderLog.objects.create(
                key=key,
                kind=kind,
                cycle_id=cycle_id,
                object_label=obj_label[:200],
                recipient_id=recipient_id,
                offset_days=offset_days,
                due_at=due_at,
                status=ReminderStatus.PENDING,
                notification=notification,
            )
            deliveries_queue([notification])  # 短信 / 政务IM for those who opted in (reform_portal.channels)
            return log
    except IntegrityError:
        if ReminderLog.objects.filter(key=key).exists():
            return None
        raise


def reminder_email(log: ReminderLog):
    last_day = last_day_of(log.due_at)
    return build_email(
        to=log.recipient.email,
        template="reminder",
        context={
            "log": log,
            "notification": log.notification,
            "recipient": log.recipient,
            "last_day": last_day,
            "overdue_days": -log.offset_days,
            "link": absolute_url(log.notification.url),
        },
    )


def reminder_deliver(*, log_id: int, max_attempts: int) -> str:
    """Mail one claimed reminder, once.

    The row is locked and its state checked before the mail leaves and stays locked until the
    outcome is recorded, so only a ``pending`` row is ever mailed and never by two workers at once.
    A failure stores the error; after ``max_attempts`` tries the row is ``failed``."""
    with transaction.atomic():
        log = (
            ReminderLog.objects.select_for_update(of=("self",))
            .select_related("recipient", "notification")
            .get(pk=log_id)
        )
        if log.status != ReminderStatus.PENDING:
            return SendResult.SKIPPED
        now = timezone.now()
        if not log.recipient.email:
            log.status, log.sent_at = ReminderStatus.SENT, now
            log._change_reason = "无电子邮箱，仅站内通知"
            log.save()
            return SendResult.NO_EMAIL
        if log.notification is None:
            log.status, log.error = ReminderStatus.FAILED, "站内通知已被删除"
            log.save()
            return SendResult.FAILED
        log.attempts += 1
        try:
            reminder_email(log).send()
        except Exception as exc:  # noqa: BLE001 - SMTP errors, refused connections, timeouts
            log.error = f"{exc.__class__.__name__}: {exc}"[:2000]
            log.status = ReminderStatus.FAILED if log.attempts >= max_attempts else ReminderStatus.PENDING
            log.save()
            return SendResult.FAILED if log.status == ReminderStatus.FAILED else SendResult.RETRY
        log.status, log.sent_at = ReminderStatus.SENT, timezone.now()
        log.save()
        return SendResult.SENT


def max_attempts() -> int:
    return settings.PORTAL_REMINDER_MAX_RETRIES + 1


def retry_countdown(retries: int) -> int:
    """Exponential back-off: base, 2×base, 4×base … seconds (base is PORTAL_REMINDER_RETRY_BACKOFF)."""
    return settings.PORTAL_REMINDER_RETRY_BACKOFF * 2**retries


def reminder_counts(cycle: ReformCycle | None) -> dict:
    from django.db.models import Count, Q

    return ReminderLog.objects.filter(cycle=cycle).aggregate(
        sent=Count("pk", filter=Q(status=ReminderStatus.SENT)),
        failed=Count("pk", filter=Q(status=ReminderStatus.FAILED)),
        pending=Count("pk", filter=Q(status=ReminderStatus.PENDING)),
    )


# --- helpers for the stage apps' sources ------------------------------------------------------------


def regional_staff_by_region(region_ids=None) -> dict:
    """Active regional staff of each region's 发展改革委 and 科技厅, in one query: {region_id: [User, ...]}."""
    from .enums import OrgKind, Role

    users = (
        User.objects.filter(
            is_active=True,
            groups__name=Role.REGIONAL_STAFF,
            organization__kind__in=OrgKind.regional_departments(),
        )
        .select_related("organization")
        .order_by("pk")
        .distinct()
    )
    if region_ids is not None:
        users = users.filter(organization__region_id__in=list(region_ids))
    out: dict = {}
    for user in users:
        out.setdefault(user.organization.region_id, []).append(user)
    return out


def users_with_role(role, **filters) -> list:
    return list(User.objects.filter(is_active=True, groups__name=role, **filters).order_by("pk").distinct())

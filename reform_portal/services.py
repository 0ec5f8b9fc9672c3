"""Kernel services: the cycle calendar and deadlines that every stage uses."""
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .enums import Role, Stage
from .models import DeadlineExtension, ReformCycle, Region, User


def current_cycle():
    """The cycle in progress: the latest year (a new cycle is created when its year is deployed)."""
    return ReformCycle.objects.order_by("-year").first()


def local_today(now=None):
    return timezone.localtime(now or timezone.now()).date()


def deadline_for(cycle: ReformCycle, region: Region | None, stage: str) -> datetime.datetime:
    """The instant a stage closes for a region: the end (Asia/Shanghai) of the cycle's date or of
    the region's extension, whichever is later. Work is on time while ``now < deadline_for(...)``."""
    closes = cycle.closes_at(stage)
    if region is not None:
        ext = (
            DeadlineExtension.objects.filter(cycle=cycle, region=region, stage=stage)
            .values_list("until", flat=True)
            .first()
        )
        if ext is not None:
            from .models import _shanghai_end_of

            closes = max(closes, _shanghai_end_of(ext))
    return closes


def is_before_deadline(cycle, region, stage, *, now=None) -> bool:
    return (now or timezone.now()) < deadline_for(cycle, region, stage)


def last_day_of(deadline: datetime.datetime) -> datetime.date:
    """The last calendar day (Asia/Shanghai) on which work is still on time."""
    return timezone.localtime(deadline - datetime.timedelta(microseconds=1)).date()


def days_left(deadline: datetime.datetime, *, now=None) -> int:
    """Whole calendar days (Asia/Shanghai) from today to the deadline's last day; negative when past."""
    return (last_day_of(deadline) - local_today(now)).days


def extension_grant(*, cycle: ReformCycle, region: Region, stage: str, until: datetime.date,
                    reason: str, by: User) -> DeadlineExtension:
    """A national reviewer extends a stage's deadline for one region (replacing an earlier grant)."""
    if not by.has_role(Role.NATIONAL_REVIEWER):
        raise PermissionDenied(_("只有国家审核人员可以批准延期。"))
    if until < cycle.stage_date(stage):
        raise ValidationError({"until": _("延长日期不能早于原截止日期。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写延期理由。")})
    with transaction.atomic():
        ext = DeadlineExtension.objects.select_for_update().filter(
            cycle=cycle, region=region, stage=Stage(stage)).first()
        if ext is None:
            ext = DeadlineExtension(cycle=cycle, region=region, stage=Stage(stage))
        ext.until, ext.reason, ext.granted_by = until, reason, by
        ext._change_reason = f"延期至 {until}: {reason}"
        ext.save()
    return ext


ORG_GROUP_PREFIX = "org:"


def organization_group(org):
    """The Django group that stands for an organization in object permissions."""
    from django.contrib.auth.models import Group

    group, _created = Group.objects.get_or_create(name=f"{ORG_GROUP_PREFIX}{org.pk}")
    return group


def sync_organization_group(user):
    """Put the user in their organization's group and out of any other organization's group."""
    current = set(user.groups.filter(name__startswith=ORG_GROUP_PREFIX).values_list("name", flat=True))
    wanted = {f"{ORG_GROUP_PREFIX}{user.organization_id}"} if user.organization_id else set()
    if current == wanted:
        return
    stale = current - wanted
    if stale:
        user.groups.remove(*user.groups.filter(name__in=stale))
    if wanted - current:
        user.groups.add(organization_group(user.organization))
    if hasattr(user, "_role_names"):
        del user._role_names


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in Asia/Shanghai: the exclusive deadline of work due that day."""
    from .models import _shanghai_end_of

    return _shanghai_end_of(day)


def check_rule(result):
    """Turn a rule's (allowed, reason) into PermissionDenied with the reason the page shows."""
    allowed, reason = result
    if not allowed:
        raise PermissionDenied(reason)


def check_revision(current, revision, what):
    """Optimistic locking: ``revision`` is the version the user loaded; if someone saved since, refuse with
    who and when, so the page can keep the user's text and nobody's edit is silently overwritten."""
    if revision is not None and int(revision) == current.revision:
        return
    last = current.history.select_related("history_user").first()
    raise ValidationError(
        _("该%(what)s已被%(who)s于%(at)s修改，您的修改尚未保存。请复制您的内容，刷新页面后重新修改。") % {
            "what": what, "who": getattr(last, "history_user", None) or _("他人"),
            "at": timezone.localtime(last.history_date).strftime("%H:%M:%S") if last else "—"},
        code="stale")


def save_with_history(obj, by, reason):
    """Save a domain object recording who did it and why in its simple-history row (reason ≤ 100 chars)."""
    obj._history_user = by
    obj._change_reason = reason[:100]
    obj.save()

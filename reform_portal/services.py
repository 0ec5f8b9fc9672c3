"""Kernel services: the cycle calendar and deadlines that every stage uses."""

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any, Protocol, cast

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from .enums import OrgKind, OrgLevel, Role, Stage
from .models import ApiToken, DeadlineExtension, JointSignOff, Organization, ReformCycle, Region, User
from .permissions import read_once_memo


class _Revisioned(Protocol):
    """A model with optimistic locking: a ``revision`` counter and a simple-history ``history`` manager."""

    @property
    def revision(self) -> int: ...

    @property
    def history(self) -> Any: ...  # simple-history's HistoryManager (the package has no stubs)


class _InRegion(Protocol):
    """A regional object (建议书, 揭榜申报, 揭榜任务, 通知书): one region's departments share it."""

    @property
    def region(self) -> Region: ...


def current_cycle() -> ReformCycle | None:
    """The cycle in progress: the latest year (a new cycle is created when its year is deployed)."""
    return ReformCycle.objects.order_by("-year").first()


def local_today(now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localtime(now or timezone.now()).date()


def deadline_for(cycle: ReformCycle, region: Region | int | None, stage: str) -> datetime.datetime:
    """The instant a stage closes for a region (a Region or its id): the end (Asia/Shanghai) of the cycle's date or
    of the region's extension, whichever is later. Work is on time while ``now < deadline_for(...)``."""
    ext = (
        None
        if region is None
        else _extension_until(cycle, region if isinstance(region, int) else region.pk, stage)
    )
    return _closes_with(cycle, stage, ext)


def last_deadline(cycle: ReformCycle, stage: str) -> datetime.datetime:
    """The instant a stage closes for every region: ``deadline_for`` the region with the latest extension, in one
    query."""
    latest = (
        DeadlineExtension.objects.filter(cycle=cycle, stage=stage)
        .order_by("-until")
        .values_list("until", flat=True)
        .first()
    )
    return _closes_with(cycle, stage, latest)


def _closes_with(cycle: ReformCycle, stage: str, extension: datetime.date | None) -> datetime.datetime:
    closes = cycle.closes_at(stage)
    if extension is not None:
        from .models import _shanghai_end_of

        closes = cycle.hard_end(stage, max(closes, _shanghai_end_of(extension)))
    return closes


def _extension_until(cycle: ReformCycle, region_id: int, stage: str) -> datetime.date | None:
    """The region's extension of ``stage`` (its last day), read once per page (``read_once_memo``)."""
    memo = read_once_memo()
    key = ("deadline_extension", cycle.pk, region_id, str(stage))
    if memo is not None and key in memo:
        return memo[key]
    until = (
        DeadlineExtension.objects.filter(cycle=cycle, region_id=region_id, stage=stage)
        .values_list("until", flat=True)
        .first()
    )
    if memo is not None:
        memo[key] = until
    return until


def is_before_deadline(
    cycle: ReformCycle, region: Region | None, stage: str, *, now: datetime.datetime | None = None
) -> bool:
    return (now or timezone.now()) < deadline_for(cycle, region, stage)


def last_day_of(deadline: datetime.datetime) -> datetime.date:
    """The last calendar day (Asia/Shanghai) on which work is still on time."""
    return timezone.localtime(deadline - datetime.timedelta(microseconds=1)).date()


def days_left(deadline: datetime.datetime, *, now: datetime.datetime | None = None) -> int:
    """Whole calendar days (Asia/Shanghai) from today to the deadline's last day; negative when past."""
    return (last_day_of(deadline) - local_today(now)).days


def extension_grant(
    *, cycle: ReformCycle, region: Region, stage: str, until: datetime.date, reason: str, by: User
) -> DeadlineExtension:
    """A national reviewer extends a stage's deadline for one region (replacing an earlier grant)."""
    if not by.has_role(Role.NATIONAL_REVIEWER):
        raise PermissionDenied(_("只有国家审核人员可以批准延期。"))
    if until < cycle.stage_date(stage):
        raise ValidationError({"until": _("延长日期不能早于原截止日期。")})
    if Stage(stage) == Stage.BIDDING and cycle.bidding_ended_at is not None:
        raise ValidationError(
            {"until": _("揭榜已由国家审核人员提前结束；如需重新开放，请在年度工作安排中修改揭榜截止日期。")}
        )
    if not reason.strip():
        raise ValidationError({"reason": _("请填写延期理由。")})
    with transaction.atomic():
        ext = (
            DeadlineExtension.objects.select_for_update()
            .filter(cycle=cycle, region=region, stage=Stage(stage))
            .first()
        )
        if ext is None:
            ext = DeadlineExtension(cycle=cycle, region=region, stage=Stage(stage))
        ext.until, ext.reason, ext.granted_by = until, reason, by
        # simple-history reads the reason from this attribute; the package has no stubs to declare it.
        ext._change_reason = f"延期至 {until}: {reason}"  # type: ignore[attr-defined]
        ext.save()
        _extension_granted(ext, cycle, by)
    return ext


def _extension_granted(ext: DeadlineExtension, cycle: ReformCycle, by: User) -> None:
    """延期已批准 → the region's 发展改革委 and 科技厅 staff (docs/architecture.md, hand-offs)."""
    from django.urls import reverse

    from .notifications import date_cn, idempotency_key, notify, region_staff

    stage = Stage(ext.stage).label
    notify(
        recipients=region_staff(ext.region_id),
        kind="extension_granted",
        key=idempotency_key("extension_granted", ext),
        title=_("%(year)s年度“%(stage)s”截止日期已为%(region)s延长至%(until)s")
        % {"year": cycle.year, "stage": stage, "region": ext.region, "until": date_cn(ext.until)},
        body=_(
            "国家审核人员（%(by)s）批准延期，理由：%(reason)s。请在%(until)s 23:59前完成“%(stage)s”阶段的报送；"
            "逾期后将不能再提交。"
        )
        % {"by": by, "reason": ext.reason.strip(), "until": date_cn(ext.until), "stage": stage},
        url=reverse("dashboard"),
    )


ORG_GROUP_PREFIX = "org:"


def organization_group(org: Organization) -> Group:
    """The Django group that stands for an organization in object permissions."""
    group, _created = Group.objects.get_or_create(name=f"{ORG_GROUP_PREFIX}{org.pk}")
    return group


def sync_organization_group(user: User) -> None:
    """Put the user in their organization's group and out of any other organization's group."""
    current = set(user.groups.filter(name__startswith=ORG_GROUP_PREFIX).values_list("name", flat=True))
    wanted = {f"{ORG_GROUP_PREFIX}{user.organization_id}"} if user.organization_id else set()
    if current == wanted:
        return
    stale = current - wanted
    if stale:
        user.groups.remove(*user.groups.filter(name__in=stale))
    if wanted - current and user.organization is not None:  # wanted is not empty only with an organization
        user.groups.add(organization_group(user.organization))
    if hasattr(user, "_role_names"):
        del user._role_names


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in Asia/Shanghai: the exclusive deadline of work due that day."""
    from .models import _shanghai_end_of

    return _shanghai_end_of(day)


def check_rule(result: tuple[bool, str]) -> None:
    """Turn a rule's (allowed, reason) into PermissionDenied with the reason the page shows."""
    allowed, reason = result
    if not allowed:
        raise PermissionDenied(reason)


def check_revision(current: _Revisioned, revision: int | None, what: str) -> None:
    """Optimistic locking: ``revision`` is the version the user loaded; if someone saved since, refuse with
    who and when, so the page can keep the user's text and nobody's edit is silently overwritten."""
    if revision is not None and int(revision) == current.revision:
        return
    last = current.history.select_related("history_user").first()
    raise ValidationError(
        _("该%(what)s已被%(who)s于%(at)s修改，您的修改尚未保存。请复制您的内容，刷新页面后重新修改。")
        % {
            "what": what,
            "who": getattr(last, "history_user", None) or _("他人"),
            "at": timezone.localtime(last.history_date).strftime("%H:%M:%S") if last else "—",
        },
        code="stale",
    )


def joint_sign(
    doc: JointSignOff, *, by: User, department: str | None, version: int | None, document: str
) -> None:
    """确认联合报送 of ``doc`` (a JointSignOff: 建议书, 揭榜申报) by ``by`` for ``department``, on the version
    ``by`` read (``version``, None when not from a page): refused if the document changed since; saved with
    the history reason 确认联合报送（科技厅，第3版）. The caller holds the row lock and has checked the rule."""
    doc.check_seen_version(version, document)
    label = doc.record_sign_off(department, by, timezone.now())
    save_with_history(doc, by, f"确认联合报送（{label}，第{doc.version}版）")


def grant_region_departments(obj: _InRegion, perms: Iterable[str]) -> None:
    """The region's 发展改革委 and 科技厅 groups (and only they) get ``perms`` on ``obj`` (which has a region)."""
    from guardian.shortcuts import assign_perm

    for org in Organization.objects.filter(region=obj.region, kind__in=OrgKind.regional_departments()):
        group = organization_group(org)
        for perm in perms:
            assign_perm(perm, group, cast(Model, obj))  # each regional object is a model instance


def save_with_history(obj: Model, by: User | None, reason: str) -> None:
    """Save a domain object recording who did it and why in its simple-history row (reason ≤ 100 chars)."""
    # simple-history reads these two attributes when it writes the history row; it has no stubs to declare them.
    obj._history_user = by  # type: ignore[attr-defined]
    obj._change_reason = reason[:100]  # type: ignore[attr-defined]
    obj.save()


# ---- accounts: invitations, passwords, the second factor (DECISIONS §14, §17; reform_portal.accounts) --------


def user_invite(
    *,
    organization: Organization,
    username: str,
    full_name: str,
    email: str,
    phone: str = "",
    role: str,
    by: User,
) -> User:
    """Open an account for ``organization`` in ``role`` (never superuser or staff): inactive, without a usable
    password, in the role's group and the organisation's; the set-password link is mailed once this commits.
    Who may invite whom: ``rules.can_invite``."""
    from django.contrib.auth.validators import UnicodeUsernameValidator

    from .account_mail import queue_account_mail
    from .accounts import INVITATION
    from .models import Invitation
    from .rules import can_invite

    check_rule(can_invite(by, organization, role))
    username, full_name, email, phone = username.strip(), full_name.strip(), email.strip(), phone.strip()
    errors: dict[str, str] = {}
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        errors["username"] = _("用户名只能包含字母、数字和 @ . + - _ 字符。")
    if not username:
        errors["username"] = _("请填写用户名。")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("该用户名已被使用，请换一个。")
    if not full_name:
        errors["full_name"] = _("请填写姓名。")
    if not email:
        errors["email"] = _("请填写电子邮箱：设置密码的链接将发送到该邮箱。")
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = _("该电子邮箱已被其他账号使用。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User(
            username=username,
            full_name=full_name,
            email=email,
            phone=phone,
            organization=organization,
            is_active=False,
            is_staff=False,
            is_superuser=False,
        )
        user.set_unusable_password()
        save_with_history(user, by, f"邀请开设账号（{Role(role).label}）")
        user.groups.add(Group.objects.get(name=str(role)))
        invitation = Invitation(
            user=user, role=str(role), invited_by=by, sent_at=timezone.now(), send_count=1
        )
        save_with_history(invitation, by, "发送邀请")
        queue_account_mail(kind=INVITATION, user_id=user.pk)
    return user


def invitation_resend(*, user: User, by: User) -> User:
    """Mail the invitation again with a new link; the earlier link stops working (a fresh unusable password)."""
    from .account_mail import queue_account_mail
    from .accounts import INVITATION
    from .models import Invitation
    from .rules import can_resend_invitation
    from .transitions import INVITATION as INVITATION_FLOW
    from .transitions import transition

    with transaction.atomic():
        user = User.objects.select_for_update(of=("self",)).select_related("organization").get(pk=user.pk)
        invitation = Invitation.objects.select_for_update().filter(user=user).first()
        if invitation is not None:
            user.invitation = invitation  # the row just locked
        check_rule(can_resend_invitation(by, user))
        assert invitation is not None  # the rule refuses an account without one
        transition(invitation, "resend", by, flow=INVITATION_FLOW)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        invitation.sent_at, invitation.send_count = timezone.now(), invitation.send_count + 1
        save_with_history(invitation, by, f"重新发送邀请（第{invitation.send_count}次）")
        queue_account_mail(kind=INVITATION, user_id=user.pk)
    return user


def user_set_password(*, user: User, password: str, by: User, via: str) -> User:
    """Set ``user``'s password, already validated by the form: from a set-password link (``via="link"``: the view
    checked the token; an invited account is activated, ``invitation``'s ``accept``) or by the user on the
    password page (``via="change"``: the form checked the old password). Every older link stops working."""
    from .accounts import is_invited
    from .models import Invitation
    from .transitions import INVITATION as INVITATION_FLOW
    from .transitions import transition

    if by.pk != user.pk:
        raise PermissionDenied(_("只能设置本人的密码。"))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        invitation = Invitation.objects.select_for_update().filter(user=user).first()
        if invitation is not None:
            user.invitation = invitation
        if via == "link" and is_invited(user):
            assert invitation is not None
            transition(invitation, "accept", user, flow=INVITATION_FLOW)
            invitation.accepted_at = timezone.now()
            save_with_history(invitation, user, "接受邀请")
            user.is_active = True
            reason = "接受邀请，设置密码，启用账号"
        elif via == "link":
            if not user.is_active:
                raise PermissionDenied(_("该账号已停用，请联系管理员。"))
            reason = "通过邮件链接重置密码"
        elif via == "change":
            reason = "修改密码"
        else:
            raise ValueError(f"unknown way to set a password: {via!r}")
        user.set_password(password)
        save_with_history(user, by, reason)
    return user


def password_reset_request(*, email: str, ip_address: str | None) -> bool:
    """Someone asks for a reset link for ``email``. Within the hourly limits (per address and per client) the
    mail is queued, whether or not an account has that address (the worker finds the accounts), so the answer
    says nothing about who has an account. Returns False when the limit refuses the request."""
    from .account_mail import queue_account_mail
    from .accounts import RESET, reset_allowed

    email = email.strip()
    if not reset_allowed(email=email, ip_address=ip_address):
        return False
    queue_account_mail(kind=RESET, email=email)
    return True


def totp_enrol_start(*, by: User) -> Any:
    """The unconfirmed authenticator ``by`` is setting up (made on the first visit, kept until confirmed)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=by.pk).first()
        device = TOTPDevice.objects.filter(user=by, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=by, name=_("验证器"), confirmed=False)
    return device


def totp_confirm(*, device: Any, token: str, by: User) -> Any:
    """``by`` proves the authenticator works with one code: the device is confirmed, any other one removed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if device.user_id != by.pk:
        raise PermissionDenied(_("这不是您的验证器。"))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(token.strip()):
            raise ValidationError({"token": _("验证码不正确或已过期，请输入验证器当前显示的6位数字。")})
        device.confirmed = True
        device.save()
        TOTPDevice.objects.filter(user=by).exclude(pk=device.pk).delete()
        save_with_history(User.objects.get(pk=by.pk), by, "启用双因素认证")
    return device


def totp_disable(*, by: User) -> None:
    """``by`` stops using a second factor (refused where the office requires one for the role)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .rules import can_disable_totp

    check_rule(can_disable_totp(by))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=by).delete()
        save_with_history(User.objects.get(pk=by.pk), by, "停用双因素认证")


def totp_reset(*, user: User, by: User) -> None:
    """Recovery of a lost authenticator: ``by`` removes ``user``'s devices; the user sets up a new one at the
    next login (where the office requires it) or on the 双因素认证 page. The user is told in the inbox."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .notifications import notify
    from .rules import can_reset_totp

    check_rule(can_reset_totp(by, user))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        TOTPDevice.objects.filter(user=user).delete()
        save_with_history(user, by, f"双因素认证由{by}重置")
        notify(
            recipients=[user],
            title=_("您的双因素认证已被重置"),
            body=_(
                "%(by)s重置了您账号的双因素认证验证器。请在下次登录后重新设置；如非本人申请，请立即联系国家审核人员。"
            )
            % {"by": by},
            kind="totp_reset",
        )


# ---- organisations: reference data, the regions' libraries of implementing entities (DECISIONS §14) -----------

ORGANIZATION_FIELDS = ("name", "short_name", "kind", "region", "credit_code", "level")
NO_REGION_KINDS = (*OrgKind.national(), OrgKind.MINISTRY)
REGION_KINDS = (*OrgKind.regional_departments(), *OrgKind.implementing())


def _organization_errors(org: Organization) -> dict[str, str]:
    from .validators import normalize_credit_code

    errors: dict[str, str] = {}
    org.name = " ".join((org.name or "").split())
    org.short_name = " ".join((org.short_name or "").split())
    org.credit_code = normalize_credit_code(org.credit_code)
    if not org.name:
        errors["name"] = _("请填写单位名称。")
    if org.kind in NO_REGION_KINDS and org.region_id is not None:
        errors["region"] = _("国家部门不属于某一地区，请不选“所在地区”。")
    if org.kind in REGION_KINDS and org.region_id is None:
        errors["region"] = _("请选择所在地区。")
    try:
        org.full_clean(exclude=["used_by", "revision"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages[0])
    others = Organization.objects.exclude(pk=org.pk)
    if "credit_code" not in errors and org.credit_code:
        twin = others.filter(credit_code=org.credit_code).first()
        if twin is not None:
            errors["credit_code"] = _("统一社会信用代码与已有单位“%(name)s”相同。") % {"name": twin.name}
    same_place = (
        others.filter(region__isnull=True) if org.region_id is None else others.filter(region=org.region_id)
    )
    if "name" not in errors and same_place.filter(name=org.name).exists():
        errors["name"] = (
            _("%(region)s已有名为“%(name)s”的单位。") % {"region": org.region, "name": org.name}
            if org.region_id
            else _("已有名为“%(name)s”的单位。") % {"name": org.name}
        )
    return errors


def organization_create(*, fields: dict[str, Any], by: User) -> tuple[Organization, bool]:
    """Add an organisation. National reviewers add any kind; regional staff add implementing entities of their
    region. An entity whose 统一社会信用代码 another region already entered is not duplicated: it joins this
    region's library (``used_by``). Returns (organisation, True when an existing one joined the library)."""
    from .rules import organization_kinds_for
    from .validators import normalize_credit_code

    regional = not by.has_role(Role.NATIONAL_REVIEWER)
    kind = str(fields.get("kind") or "")
    if kind not in organization_kinds_for(by):
        raise (
            PermissionDenied(_("只有国家审核人员和省级填报人员可以维护单位信息。"))
            if not organization_kinds_for(by)
            else ValidationError({"kind": _("请选择单位类型（%(kinds)s）。") % {"kinds": _kind_labels(by)}})
        )
    region = by.region if regional else fields.get("region")
    code = normalize_credit_code(fields.get("credit_code") or "")
    with transaction.atomic():
        if regional and code:
            twin = Organization.objects.select_for_update().filter(credit_code=code).first()
            if twin is not None:
                if twin.kind not in OrgKind.implementing():
                    raise ValidationError(
                        {"credit_code": _("统一社会信用代码与已有单位“%(name)s”相同。") % {"name": twin.name}}
                    )
                if twin.region_id != by.region_id:
                    twin.used_by.add(by.region)
                    save_with_history(twin, by, f"{by.region}列入实施主体单位库")
                return twin, True
        org = Organization(
            name=fields.get("name") or "",
            short_name=fields.get("short_name") or "",
            kind=kind,
            region=region,
            credit_code=code,
            level=fields.get("level") or OrgLevel.OTHER,
        )
        errors = _organization_errors(org)
        if errors:
            raise ValidationError(errors)
        save_with_history(org, by, "新增单位")
    return org, False


def _kind_labels(by: User) -> str:
    from .rules import organization_kinds_for

    return "、".join(str(OrgKind(k).label) for k in organization_kinds_for(by))


def organization_update(
    *, organization: Organization, fields: dict[str, Any], by: User, revision: int | None = None
) -> Organization:
    """Edit an organisation (``rules.can_edit_organization``); ``revision``: the version the editor loaded."""
    from .rules import can_edit_organization, organization_kinds_for

    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        check_rule(can_edit_organization(by, org))
        if revision is not None:
            check_revision(org, revision, _("单位信息"))
        for name in ORGANIZATION_FIELDS:
            if name in fields and not (name == "region" and not by.has_role(Role.NATIONAL_REVIEWER)):
                setattr(org, name, fields[name] if fields[name] is not None or name == "region" else "")
        if org.kind not in organization_kinds_for(by):
            raise ValidationError({"kind": _("请选择单位类型（%(kinds)s）。") % {"kinds": _kind_labels(by)}})
        errors = _organization_errors(org)
        if errors:
            raise ValidationError(errors)
        org.revision += 1
        save_with_history(org, by, "修改单位信息")
    return org


def user_update_settings(*, user: User, phone: str, notify_sms: bool, by: User) -> User:
    """个人设置: the user's own phone and whether notifications also go to it (短信 / 政务IM). Only the user
    edits these (no optimistic lock: nobody else writes them)."""
    from .validators import is_mobile

    if by.pk != user.pk:
        raise PermissionDenied(_("只能修改本人的设置。"))
    phone = phone.strip()
    if notify_sms and not is_mobile(phone):
        raise ValidationError({"phone": _("接收短信（政务IM）提醒需填写11位手机号码。")})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.phone, user.notify_sms = phone, notify_sms
        save_with_history(user, by, "修改个人设置")
    return user


def expert_update(
    *, expert: User, organization: Organization, post: str, by: User, revision: int | None = None
) -> User:
    """A national reviewer records where an expert works (their employer, hence their region: the conflict rule
    reads it) and their post. ``revision``: the version the reviewer loaded; a colleague's save in between is
    refused, not overwritten (the history keeps every version)."""
    from .rules import ROLE_ORG_KINDS

    if not by.has_role(Role.NATIONAL_REVIEWER):
        raise PermissionDenied(_("只有国家审核人员可以维护评审专家信息。"))
    if organization.kind not in ROLE_ORG_KINDS[Role.EXPERT]:
        raise ValidationError({"organization": _("专家所在单位须为专家所在单位、高等院校、科研院所或企业。")})
    with transaction.atomic():
        expert = User.objects.select_for_update().get(pk=expert.pk)
        if not expert.has_role(Role.EXPERT) or expert.is_superuser:
            raise PermissionDenied(_("只能维护评审专家的信息。"))
        if revision is not None:
            check_revision(expert, revision, _("专家信息"))
        expert.revision += 1
        expert.organization, expert.post = organization, post.strip()
        save_with_history(expert, by, f"专家所在单位：{organization.name}")
        sync_organization_group(expert)
    return expert


# ---- API tokens (DECISIONS §18; reform_portal.api authenticates with them) ----------------------------------

API_TOKEN_MAX_DAYS = 366


def api_token_hash(secret: str) -> str:
    """The stored digest of a token's secret (32 random bytes: a fast hash is enough, nothing to brute-force)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, user: User, name: str, days: int, by: User) -> tuple[ApiToken, str]:
    """A new token of ``user`` (only the user creates their own) valid ``days`` days (1–366); returns the token
    and the full string the caller sends, shown once: ``<prefix>.<secret>``."""
    if by.pk != user.pk:
        raise PermissionDenied(_("只能为自己创建接口令牌。"))
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": _("有效期为1—%(max)s天。") % {"max": API_TOKEN_MAX_DAYS}})
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌名称。")})
    if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": _("已有同名的有效令牌“%(name)s”，请换一个名称。") % {"name": name}})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=api_token_hash(secret),
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    save_with_history(token, by, "创建接口令牌")
    return token, f"{prefix}.{secret}"


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    with transaction.atomic():
        from .rules import can_revoke_token

        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        check_rule(can_revoke_token(by, token))
        token.revoked_at, token.revoked_by = timezone.now(), by
        save_with_history(token, by, "吊销接口令牌")
    return token


def api_token_authenticate(raw: str, now: datetime.datetime | None = None) -> ApiToken | None:
    """The active token ``raw`` (``<prefix>.<secret>``) names, its ``last_used_at`` updated (at most once a
    minute), or None: unknown prefix, wrong secret, expired, revoked, or its user disabled."""
    prefix, _dot, secret = raw.strip().partition(".")
    if not prefix or not secret or len(prefix) > 12:
        return None
    token = ApiToken.objects.select_related("user", "user__organization").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, api_token_hash(secret)):
        return None
    now = now or timezone.now()
    if not token.is_active(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

"""Who may do what with accounts (DECISIONS §14 "Who invites whom"): each rule returns (allowed, reason), the
reason in Chinese for the page; the services check them through ``services.check_rule``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from .enums import OrgKind, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import ApiToken, Organization, User

# The kinds of organisation an account of each role belongs to.
ROLE_ORG_KINDS: dict[str, tuple[str, ...]] = {
    Role.REGIONAL_STAFF: tuple(OrgKind.regional_departments()),
    Role.NATIONAL_REVIEWER: tuple(OrgKind.national()),
    Role.EXPERT: (OrgKind.EXPERT_BODY, OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.ENTERPRISE),
    Role.MINISTRY_LIAISON: (OrgKind.MINISTRY,),
    Role.EVALUATOR: (OrgKind.EVALUATOR,),
    Role.IMPLEMENTER: tuple(OrgKind.implementing()),
}

OK = (True, "")


def _kinds(role: str) -> str:
    return "、".join(str(OrgKind(k).label) for k in ROLE_ORG_KINDS[role])


def can_invite(by: User | AnonymousUser, organization: Organization, role: str) -> tuple[bool, str]:
    """National reviewers invite users for any organisation, in the role its kind takes, and reviewers only for
    their own department; regional staff invite only 实施主体 users of their own region's implementing entities.
    Nobody invites a superuser or staff (the service has no way to)."""
    if not by.is_authenticated or not by.is_active:
        return False, _("请先登录。")
    role = str(role)
    if role not in Role.values:
        return False, _("请选择角色。")
    if by.has_role(Role.NATIONAL_REVIEWER):
        if organization.kind not in ROLE_ORG_KINDS[role]:
            return False, _("“%(role)s”用户只能属于以下类型的单位：%(kinds)s。") % {
                "role": Role(role).label,
                "kinds": _kinds(role),
            }
        if role == Role.NATIONAL_REVIEWER and organization.pk != by.organization_id:
            return False, _("国家审核人员只能邀请本司局的审核人员。")
        return OK
    if by.has_role(Role.REGIONAL_STAFF):
        if organization.region_id is None or organization.region_id != by.region_id:
            return False, _("省级填报人员只能为本地区的单位邀请用户。")
        if organization.kind not in OrgKind.implementing():
            return False, _("省级填报人员只能为本地区的实施主体单位（%(kinds)s）邀请用户。") % {
                "kinds": _kinds(Role.IMPLEMENTER)
            }
        if role != Role.IMPLEMENTER:
            return False, _("省级填报人员只能邀请“实施主体”用户。")
        return OK
    return False, _("只有国家审核人员和省级填报人员可以邀请用户。")


def can_resend_invitation(by: User | AnonymousUser, user: User) -> tuple[bool, str]:
    """Whoever may invite that account now may send its invitation again, while it is still waiting."""
    invitation = getattr(user, "invitation", None)
    if invitation is None or user.organization is None:
        return False, _("该账号不是通过邀请开设的。")
    if invitation.accepted_at is not None or user.is_active:
        return False, _("该用户已接受邀请并启用账号，无需重新发送。")
    return can_invite(by, user.organization, invitation.role)


def can_reset_totp(by: User | AnonymousUser, user: User) -> tuple[bool, str]:
    """Recovery of a lost authenticator: a national reviewer resets another user's device (superusers use the
    admin); a superuser's device only a superuser resets."""
    if not by.is_authenticated or not (by.is_superuser or by.has_role(Role.NATIONAL_REVIEWER)):
        return False, _("只有国家审核人员可以重置其他用户的双因素认证。")
    if user.pk == by.pk:
        return False, _("请在“双因素认证”页面管理您本人的验证器。")
    if user.is_superuser and not by.is_superuser:
        return False, _("系统管理员的双因素认证只能由系统管理员重置。")
    return OK


def totp_required(user: User | AnonymousUser) -> bool:
    """Whether the office requires a second factor of ``user`` (``PORTAL_REQUIRE_TOTP_ROLES``)."""
    required = {str(r) for r in settings.PORTAL_REQUIRE_TOTP_ROLES}
    if not required or not user.is_authenticated:
        return False
    if user.is_superuser and "superuser" in required:
        return True
    return any(user.has_role(role) for role in required if role in Role.values)


def can_disable_totp(user: User | AnonymousUser) -> tuple[bool, str]:
    if totp_required(user):
        return False, _("本单位要求您的角色使用双因素认证，不能停用。如更换手机，请联系国家审核人员重置。")
    return OK


# ---- organisations (DECISIONS §14: reference data kept by national reviewers, libraries kept by regions) -------


def can_keep_organizations(by: User | AnonymousUser) -> bool:
    return by.is_authenticated and (by.has_role(Role.NATIONAL_REVIEWER) or by.has_role(Role.REGIONAL_STAFF))


def can_edit_organization(by: User | AnonymousUser, organization: Organization) -> tuple[bool, str]:
    """National reviewers edit any organisation (the reference data included); regional staff edit the
    implementing entities of their own region (one another region added to its library stays that region's)."""
    if not by.is_authenticated:
        return False, _("请先登录。")
    if by.has_role(Role.NATIONAL_REVIEWER):
        return OK
    if by.has_role(Role.REGIONAL_STAFF):
        if organization.kind not in OrgKind.implementing():
            return False, _("省级填报人员只能维护实施主体单位（%(kinds)s）。") % {
                "kinds": _kinds(Role.IMPLEMENTER)
            }
        if organization.region_id is None or organization.region_id != by.region_id:
            return False, _("该单位由其所在地区维护，本地区只能选用，不能修改。")
        return OK
    return False, _("只有国家审核人员和省级填报人员可以维护单位信息。")


def organization_kinds_for(by: User | AnonymousUser) -> list[str]:
    """The kinds of organisation ``by`` may add."""
    if by.is_authenticated and by.has_role(Role.NATIONAL_REVIEWER):
        return list(OrgKind.values)
    if by.is_authenticated and by.has_role(Role.REGIONAL_STAFF):
        return [str(k) for k in OrgKind.implementing()]
    return []


def can_revoke_token(by: User | AnonymousUser, token: ApiToken) -> tuple[bool, str]:
    """A user revokes their own API tokens; national reviewers revoke anyone's."""
    if not by.is_authenticated:
        return False, _("请先登录。")
    if token.user_id != by.pk and not by.has_role(Role.NATIONAL_REVIEWER):
        return False, _("只能吊销自己的接口令牌。")
    if token.revoked_at is not None:
        return False, _("该接口令牌已吊销。")
    return True, ""

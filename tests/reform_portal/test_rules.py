"""Who may invite whom (DECISIONS §14), as a matrix: inviter × organisation (every kind, own region and another)
× role. The expected answers are written here from the decision, not read from the code."""

import pytest
from django.core.exceptions import PermissionDenied

from reform_portal.enums import OrgKind, Role
from reform_portal.models import Organization, User
from reform_portal.rules import can_invite, can_reset_totp
from reform_portal.services import user_invite

from .. import factories as f

pytestmark = pytest.mark.django_db

K = OrgKind
# The organisations an account of each role belongs to (the portal's roles table, docs/design.md).
ROLE_KINDS = {
    Role.REGIONAL_STAFF: {K.REGIONAL_DRC, K.REGIONAL_SCITECH},
    Role.NATIONAL_REVIEWER: {K.NATIONAL_NDRC, K.NATIONAL_MOST},
    Role.EXPERT: {K.EXPERT_BODY, K.UNIVERSITY, K.INSTITUTE, K.ENTERPRISE},
    Role.MINISTRY_LIAISON: {K.MINISTRY},
    Role.EVALUATOR: {K.EVALUATOR},
    Role.IMPLEMENTER: {
        K.FUNCTIONAL_DEPT,
        K.LOCAL_GOV,
        K.ENTERPRISE,
        K.INNOVATIVE_ENTERPRISE,
        K.INNOVATION_BASE,
        K.UNIVERSITY,
        K.INSTITUTE,
    },
}
IMPLEMENTING = ROLE_KINDS[Role.IMPLEMENTER]
ZJ, JS = "330000", "320000"


@pytest.fixture
def organizations(reviewer):
    """One organisation of every kind in 浙江 and in 江苏 (the national ones without a region), plus the
    reviewer's own department and another national department."""
    orgs = {"own_department": reviewer.organization}
    for kind in OrgKind:
        for code in (ZJ, JS):
            if kind in (K.NATIONAL_NDRC, K.NATIONAL_MOST, K.MINISTRY) and code == JS:
                continue
            region = None if kind in (K.NATIONAL_NDRC, K.NATIONAL_MOST, K.MINISTRY) else f.region(code)
            orgs[f"{kind.value}:{code}"] = Organization.objects.create(
                name=f"{kind.label}{code}", kind=kind, region=region
            )
    return orgs


def expected(inviter, key, org, role, reviewer):
    if inviter == "reviewer":
        if org.kind not in ROLE_KINDS[role]:
            return False
        return role != Role.NATIONAL_REVIEWER or org == reviewer.organization
    if inviter == "regional":
        return (
            org.region is not None
            and org.region.code == ZJ
            and org.kind in IMPLEMENTING
            and role == Role.IMPLEMENTER
        )
    return False


@pytest.mark.parametrize(
    "inviter", ["reviewer", "regional", "expert", "liaison", "evaluator", "implementer", "public"]
)
def test_who_may_invite_whom(
    inviter, organizations, reviewer, region_a_drc, expert, liaison, evaluator, implementer
):
    by = {
        "reviewer": reviewer,
        "regional": region_a_drc,
        "expert": expert,
        "liaison": liaison,
        "evaluator": evaluator,
        "implementer": implementer,
        "public": f.UserFactory(username="public"),
    }[inviter]
    wrong, allowed = [], 0
    for key, org in organizations.items():
        for role in Role:
            ok, reason = can_invite(by, org, role)
            allowed += ok
            if ok != expected(inviter, key, org, role, reviewer):
                wrong.append(f"{key} × {role.value}: {ok}")
            if not ok:
                assert reason, (key, role)
    assert wrong == []
    # reviewer: 14 (kind, role) pairs in each of the two regions, the ministry's liaison, the own department's
    # reviewers; regional: the 7 implementing kinds of 浙江 (双创示范基地 and 创新型企业 added by issue 20)
    assert allowed == {"reviewer": 2 * 14 + 1 + 1, "regional": 7}.get(inviter, 0)


@pytest.mark.parametrize(
    "inviter, org_key, role, reason",
    [
        (
            "reviewer",
            "ministry:330000",
            Role.EXPERT,
            "“评审专家”用户只能属于以下类型的单位：专家所在单位、高等院校、科研院所、企业。",
        ),
        (
            "reviewer",
            "national_most:330000",
            Role.NATIONAL_REVIEWER,
            "国家审核人员只能邀请本司局的审核人员。",
        ),
        ("regional", "university:320000", Role.IMPLEMENTER, "省级填报人员只能为本地区的单位邀请用户。"),
        (
            "regional",
            "regional_drc:330000",
            Role.IMPLEMENTER,
            "省级填报人员只能为本地区的实施主体单位（同级职能部门、地方政府、企业、创新型企业、双创示范基地、高等院校、科研院所）邀请用户。",
        ),
        ("regional", "university:330000", Role.EXPERT, "省级填报人员只能邀请“实施主体”用户。"),
        ("expert", "university:330000", Role.IMPLEMENTER, "只有国家审核人员和省级填报人员可以邀请用户。"),
    ],
)
def test_a_refusal_says_why(inviter, org_key, role, reason, organizations, reviewer, region_a_drc, expert):
    by = {"reviewer": reviewer, "regional": region_a_drc, "expert": expert}[inviter]
    assert can_invite(by, organizations[org_key], role) == (False, reason)
    with pytest.raises(PermissionDenied) as refused:
        user_invite(
            organization=organizations[org_key],
            username="new_user",
            full_name="新用户",
            email="new@example.cn",
            role=role,
            by=by,
        )
    assert str(refused.value) == reason
    assert not User.objects.filter(username="new_user").exists()


def test_a_reviewer_invites_a_reviewer_of_the_own_department_never_a_superuser(reviewer, organizations):
    user = user_invite(
        organization=reviewer.organization,
        username="ndrc_new",
        full_name="新审核员",
        email="ndrc_new@example.cn",
        role=Role.NATIONAL_REVIEWER,
        by=reviewer,
    )
    assert (user.is_superuser, user.is_staff, user.has_role(Role.NATIONAL_REVIEWER)) == (False, False, True)


def test_totp_reset_is_for_reviewers_on_other_users(reviewer, region_a_drc, expert):
    admin = f.UserFactory(username="root", is_superuser=True)
    assert can_reset_totp(reviewer, expert) == (True, "")
    assert can_reset_totp(region_a_drc, expert) == (False, "只有国家审核人员可以重置其他用户的双因素认证。")
    assert can_reset_totp(reviewer, reviewer) == (False, "请在“双因素认证”页面管理您本人的验证器。")
    assert can_reset_totp(reviewer, admin) == (False, "系统管理员的双因素认证只能由系统管理员重置。")
    assert can_reset_totp(admin, reviewer) == (True, "")

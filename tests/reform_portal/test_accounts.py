"""The account-token flow (reform_portal.accounts): set-password links for a reset and for an invitation, the reset
by mail and its rate limit, the password change, and accepting an invitation."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from reform_portal.accounts import account_tokens, is_invited
from reform_portal.enums import AccountState, Role
from reform_portal.models import Invitation, Organization, PasswordResetRequest, User
from reform_portal.services import invitation_resend, user_invite

from .. import factories as f
from .account_scenarios import (
    NEW_PASSWORD,
    expert_org,
    invite_expert,
    link_in,
    link_made_ago,
    set_password_through,
)

pytestmark = pytest.mark.django_db

HOUR = 3600
DAY = 24 * HOUR


@pytest.fixture
def mails(mailoutbox, django_capture_on_commit_callbacks):
    """Run what the services queue on commit (the account mail task, eager here) and give the test outbox."""

    class Mails(list):
        def __init__(self):
            super().__init__()
            self.outbox = mailoutbox

        def __call__(self):
            return django_capture_on_commit_callbacks(execute=True)

    return Mails()


def ask_reset(client, email, mails, **extra):
    with mails():
        return client.post(reverse("password_reset"), {"email": email}, **extra)


# ---- the tokens -----------------------------------------------------------------------------------------------


def test_a_reset_token_lives_password_reset_timeout_and_an_invitation_seven_days(
    region_a_drc, reviewer, settings
):
    assert (settings.PASSWORD_RESET_TIMEOUT, settings.PORTAL_INVITATION_TIMEOUT) == (2 * HOUR, 7 * DAY)
    invited = invite_expert(reviewer)
    assert account_tokens.lifetime(region_a_drc) == 2 * HOUR
    assert account_tokens.lifetime(invited) == 7 * DAY
    # Three days old: void for an active account, still good for one waiting for its invitation.
    assert set_password_through(Client(), link_made_ago(region_a_drc, 3 * DAY)).context["validlink"] is False
    assert set_password_through(Client(), link_made_ago(invited, 3 * DAY)).status_code == 302
    # Eight days old: void for both.
    other = invite_expert(reviewer, username="wang_expert", email="wang@example.cn")
    assert set_password_through(Client(), link_made_ago(other, 8 * DAY)).context["validlink"] is False


def test_an_expired_reset_link_is_refused(client, region_a_drc, settings):
    settings.PASSWORD_RESET_TIMEOUT = HOUR
    page = set_password_through(client, link_made_ago(region_a_drc, HOUR + 5))
    assert page.status_code == 200
    assert page.context["validlink"] is False
    assert "链接无效或已过期" in page.content.decode()
    assert set_password_through(Client(), link_made_ago(region_a_drc, HOUR - 60)).status_code == 302


def test_a_wrong_token_or_user_is_refused(client, region_a_drc, region_b_drc):
    good = link_made_ago(region_a_drc, 0)
    uid, token = good.rstrip("/").split("/")[-2:]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for link in (
        reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": forged}),
        reverse(
            "password_reset_confirm", kwargs={"uidb64": uid, "token": "set-password"}
        ),  # nothing in session
        link_made_ago(region_b_drc, 0).replace(link_made_ago(region_b_drc, 0).split("/")[-3], uid),
        reverse("password_reset_confirm", kwargs={"uidb64": "bm9ib2R5", "token": token}),
    ):
        page = client.get(link)
        assert (page.status_code, page.context["validlink"]) == (200, False), link
    region_a_drc.refresh_from_db()
    assert region_a_drc.check_password(f.PASSWORD)


def test_a_switched_off_account_is_not_switched_on_by_an_old_link(client, region_a_drc):
    link = link_made_ago(region_a_drc, 0)
    User.objects.filter(pk=region_a_drc.pk).update(is_active=False)
    page = client.get(link)
    assert (page.status_code, page.context["validlink"]) == (200, False)


# ---- password reset by mail -------------------------------------------------------------------------------------


def test_reset_by_mail_end_to_end_and_the_link_works_once(client, region_a_drc, mails, settings):
    page = ask_reset(client, "ZJ_DRC@example.cn ", mails)
    assert (page.status_code, page["Location"]) == (302, reverse("password_reset_done"))
    [mail] = mails.outbox
    assert mail.to == ["zj_drc@example.cn"]
    assert mail.subject == "【全面创新改革平台】设置新密码"
    assert "请在2小时内打开下面的链接设置新密码（链接只能使用一次）" in mail.body
    assert "用户名：zj_drc" in mail.body
    link = link_in(mail)
    assert f"{settings.PORTAL_BASE_URL}{link}" in mail.body

    page = set_password_through(client, link)
    assert (page.status_code, page["Location"]) == (302, reverse("password_reset_complete"))
    region_a_drc.refresh_from_db()
    assert region_a_drc.check_password(NEW_PASSWORD)
    assert region_a_drc.history.first().history_change_reason == "通过邮件链接重置密码"
    assert "请使用新密码登录" in client.get(reverse("password_reset_complete")).content.decode()
    # Once: the password it was made with has changed.
    again = set_password_through(Client(), link, "Another-pass-2027")
    assert (again.status_code, again.context["validlink"]) == (200, False)
    page = Client().post(reverse("login"), {"username": "zj_drc", "password": NEW_PASSWORD})
    assert (page.status_code, page["Location"]) == (302, reverse("dashboard"))


def test_the_link_is_refused_after_a_login(client, region_a_drc):
    link = link_made_ago(region_a_drc, 0)
    Client().post(reverse("login"), {"username": "zj_drc", "password": f.PASSWORD})
    assert client.get(link).context["validlink"] is False


def test_the_new_password_must_pass_the_validators_in_chinese(client, region_a_drc):
    page = set_password_through(client, link_made_ago(region_a_drc, 0), "12345")
    assert page.status_code == 200
    assert page.context["form"].errors["new_password2"] == [
        "密码太短，至少需要10个字符。",
        "这个密码太常见了。",
        "密码只包含数字。",
    ]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, region_a_drc, mails):
    known = ask_reset(client, "zj_drc@example.cn", mails)
    unknown = ask_reset(client, "nobody@example.cn", mails)
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert client.get(reverse("password_reset_done")).status_code == 200
    assert [m.to for m in mails.outbox] == [["zj_drc@example.cn"]]


def test_accounts_that_cannot_log_in_get_no_reset_mail(client, region_a_drc, reviewer, mails):
    User.objects.filter(pk=region_a_drc.pk).update(is_active=False)
    invite_expert(reviewer, email="invited@example.cn")
    mails.outbox.clear()
    for email in ("zj_drc@example.cn", "invited@example.cn"):
        assert ask_reset(client, email, mails).status_code == 302
    assert mails.outbox == []


def test_reset_requests_are_limited_per_address_whether_or_not_it_has_an_account(client, region_a_drc, mails):
    for email in ("zj_drc@example.cn", "nobody@example.cn"):
        for _ in range(5):
            assert ask_reset(client, email, mails).status_code == 302
        page = ask_reset(client, email, mails)
        assert page.status_code == 429
        assert page.context["form"].non_field_errors() == ["请求过于频繁，请一小时后再试。"]
    assert len(mails.outbox) == 5


def test_reset_requests_are_limited_per_client_address(client, region_a_drc, mails, settings):
    settings.PORTAL_PASSWORD_RESET_LIMIT_PER_IP = 3
    for n in range(3):
        assert ask_reset(client, f"x{n}@example.cn", mails).status_code == 302
    assert ask_reset(client, "zj_drc@example.cn", mails).status_code == 429
    assert ask_reset(client, "zj_drc@example.cn", mails, REMOTE_ADDR="10.0.0.9").status_code == 302
    assert [m.to for m in mails.outbox] == [["zj_drc@example.cn"]]


def test_an_hour_later_the_address_may_ask_again(client, region_a_drc, mails):
    import datetime

    for _ in range(5):
        ask_reset(client, "zj_drc@example.cn", mails)
    PasswordResetRequest.objects.update(
        created_at=PasswordResetRequest.objects.first().created_at - datetime.timedelta(minutes=61)
    )
    assert ask_reset(client, "zj_drc@example.cn", mails).status_code == 302
    assert len(mails.outbox) == 6


def test_the_limit_holds_with_the_cache_down(client, region_a_drc, mails, settings):
    """The limit is counted in the database: a cache (Redis) that does not answer neither lifts it nor breaks
    the page."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    caches._settings = caches.settings = settings.CACHES
    try:
        statuses = [ask_reset(client, "zj_drc@example.cn", mails).status_code for _ in range(6)]
    finally:
        caches._settings = None
    assert statuses == [302] * 5 + [429]
    assert len(mails.outbox) == 5


def test_the_reset_page_is_linked_from_the_login_page_and_chinese(client):
    login = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in login
    page = client.get(reverse("password_reset")).content.decode()
    assert "请输入您账号登记的电子邮箱" in page
    done = client.get(reverse("password_reset_done")).content.decode()
    assert (
        "如果该电子邮箱登记了本平台的账号，设置新密码的链接已发送到该邮箱，链接在2小时内有效且只能使用一次。"
        in done
    )


# ---- password change --------------------------------------------------------------------------------------------


def test_a_logged_in_user_changes_the_password_and_stays_logged_in(client, region_a_drc, cycle):
    client.force_login(region_a_drc)
    assert f'href="{reverse("password_change")}"' in client.get(reverse("dashboard")).content.decode()
    page = client.get(reverse("password_change")).content.decode()
    assert "旧密码" in page and "新密码确认" in page
    link = link_made_ago(region_a_drc, 0)
    page = client.post(
        reverse("password_change"),
        {"old_password": f.PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert (page.status_code, page["Location"]) == (302, reverse("dashboard"))
    assert client.get(reverse("dashboard")).status_code == 200  # the session follows the new password
    region_a_drc.refresh_from_db()
    assert region_a_drc.check_password(NEW_PASSWORD)
    assert region_a_drc.history.first().history_change_reason == "修改密码"
    assert Client().get(link).context["validlink"] is False  # an older reset link stops working


@pytest.mark.parametrize(
    "data, field, errors",
    [
        (
            {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            "old_password",
            ["你的旧密码不正确。请重新输入。"],
        ),
        (
            {"old_password": f.PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
            "new_password2",
            ["输入的两个密码不一致。"],
        ),
        (
            {"old_password": f.PASSWORD, "new_password1": "password", "new_password2": "password"},
            "new_password2",
            ["密码太短，至少需要10个字符。", "这个密码太常见了。"],
        ),
    ],
    ids=["old-wrong", "mismatch", "validators"],
)
def test_a_refused_change_says_why_in_chinese(client, region_a_drc, data, field, errors):
    client.force_login(region_a_drc)
    page = client.post(reverse("password_change"), data)
    assert page.status_code == 200
    assert page.context["form"].errors[field] == errors
    region_a_drc.refresh_from_db()
    assert region_a_drc.check_password(f.PASSWORD)


# ---- invitations ------------------------------------------------------------------------------------------------


def test_an_invitation_opens_an_inactive_account_and_mails_its_link(reviewer, mails):
    with mails():
        user = invite_expert(reviewer)
    user = User.objects.get(pk=user.pk)
    assert (user.is_active, user.has_usable_password(), user.is_staff, user.is_superuser) == (
        False,
        False,
        False,
        False,
    )
    assert user.role_names() == frozenset({Role.EXPERT.value, f"org:{user.organization_id}"})
    assert (user.full_name, user.phone, user.organization.name) == (
        "李专家",
        "010-12345678",
        "中国科学院某研究所",
    )
    assert user.account_state == AccountState.INVITED and is_invited(user)
    invitation = user.invitation
    assert (invitation.role, invitation.invited_by, invitation.send_count) == (Role.EXPERT, reviewer, 1)
    [mail] = mails.outbox
    assert mail.to == ["li@example.cn"]
    assert mail.subject == "【全面创新改革平台】邀请您使用全面创新改革平台"
    assert "以“评审专家”身份使用全面创新改革平台，所属单位：中国科学院某研究所。" in mail.body
    assert "您的用户名：li_expert" in mail.body
    assert "请在7天内打开下面的链接设置密码、启用账号（链接只能使用一次）" in mail.body
    assert f.PASSWORD not in mail.body


def test_accepting_an_invitation_sets_the_password_and_activates_the_account(client, reviewer, mails, cycle):
    with mails():
        user = invite_expert(reviewer)
    link = link_in(mails.outbox[0])
    page = client.get(link)
    form = client.get(page["Location"])
    assert form.context["invited"] is True
    assert "请为账号 li_expert 设置登录密码" in form.content.decode()
    page = set_password_through(Client(), link)
    assert (page.status_code, page["Location"]) == (302, reverse("password_reset_complete"))
    user = User.objects.get(pk=user.pk)
    assert (user.is_active, user.account_state) == (True, AccountState.ACTIVE)
    assert user.invitation.accepted_at is not None
    assert user.history.first().history_change_reason == "接受邀请，设置密码，启用账号"
    assert set_password_through(Client(), link).context["validlink"] is False  # once
    page = client.post(reverse("login"), {"username": "li_expert", "password": NEW_PASSWORD})
    assert (page.status_code, page["Location"]) == (302, reverse("dashboard"))


def test_sending_an_invitation_again_voids_the_first_link(region_a_drc, implementer, mails):
    with mails():
        user = user_invite(
            organization=implementer.organization,
            username="zju_li",
            full_name="李老师",
            email="zju_li@example.cn",
            role=Role.IMPLEMENTER,
            by=region_a_drc,
        )
    with mails():
        invitation_resend(user=user, by=region_a_drc)
    first, second = (link_in(m) for m in mails.outbox)
    assert [m.to for m in mails.outbox] == [["zju_li@example.cn"]] * 2
    assert Invitation.objects.get(user=user).send_count == 2
    assert Invitation.objects.get(user=user).history.first().history_change_reason == "重新发送邀请（第2次）"
    assert set_password_through(Client(), first).context["validlink"] is False
    assert set_password_through(Client(), second).status_code == 302
    with pytest.raises(Exception) as refused:
        invitation_resend(user=user, by=region_a_drc)
    assert str(refused.value) == "该用户已接受邀请并启用账号，无需重新发送。"


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"username": "zj_drc"}, "username", "该用户名已被使用，请换一个。"),
        ({"username": "ZJ_DRC"}, "username", "该用户名已被使用，请换一个。"),
        ({"username": "有 空格"}, "username", "用户名只能包含字母、数字和 @ . + - _ 字符。"),
        ({"email": "ZJ_DRC@example.cn"}, "email", "该电子邮箱已被其他账号使用。"),
        ({"email": ""}, "email", "请填写电子邮箱：设置密码的链接将发送到该邮箱。"),
        ({"full_name": " "}, "full_name", "请填写姓名。"),
    ],
)
def test_an_invitation_is_refused_with_a_message(reviewer, region_a_drc, change, field, message):
    values = {
        "organization": expert_org(),
        "username": "li_expert",
        "full_name": "李专家",
        "email": "li@example.cn",
        "role": Role.EXPERT,
        **change,
    }
    with pytest.raises(ValidationError) as refused:
        user_invite(**values, by=reviewer)
    assert refused.value.message_dict == {field: [message]}
    assert not Invitation.objects.exists()


def test_the_regional_invite_page_offers_only_the_regions_implementing_entities(
    client, region_a_drc, implementer
):
    f.OrganizationFactory(name="杭州市人民政府", kind="local_gov", region=f.region("330000"))
    f.OrganizationFactory(name="南京大学", kind="university", region=f.region("320000"))
    client.force_login(region_a_drc)
    form = client.get(reverse("account_invite")).context["form"]
    assert [o.name for o in form.fields["organization"].queryset] == ["杭州市人民政府", "浙江大学"]
    assert form.fields["role"].choices == [("implementer", "实施主体")]
    nanjing = Organization.objects.get(name="南京大学")
    page = client.post(
        reverse("account_invite"),
        {
            "organization": nanjing.pk,
            "role": "expert",
            "username": "nj",
            "full_name": "某",
            "email": "nj@example.cn",
        },
    )
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "organization": ["选择一个有效的选项： 该选择不在可用的选项中。"],
        "role": ["选择一个有效的选项。 expert 不在可用的选项中。"],
    }
    assert not User.objects.filter(username="nj").exists()


def test_the_reviewer_invite_page_shows_the_refusal(client, reviewer, liaison):
    client.force_login(reviewer)
    page = client.post(
        reverse("account_invite"),
        {
            "organization": liaison.organization.pk,
            "role": "expert",
            "username": "new_expert",
            "full_name": "某专家",
            "email": "e@example.cn",
        },
    )
    assert page.status_code == 200
    assert page.context["form"].non_field_errors() == [
        "“评审专家”用户只能属于以下类型的单位：专家所在单位、高等院校、科研院所、企业。"
    ]
    assert "invite-refused" in page.content.decode()


def test_inviting_through_the_page(client, reviewer, mails):
    org = expert_org()
    client.force_login(reviewer)
    with mails():
        page = client.post(
            reverse("account_invite"),
            {
                "organization": org.pk,
                "role": "expert",
                "username": "li_expert",
                "full_name": "李专家",
                "email": "li@example.cn",
                "phone": "",
            },
        )
    assert (page.status_code, page["Location"]) == (302, reverse("account_users"))
    assert [m.to for m in mails.outbox] == [["li@example.cn"]]
    listing = client.get(reverse("account_users"))
    [row] = [r for r in listing.context["rows"] if r["user"].username == "li_expert"]
    assert (row["state"], row["roles"], row["totp"]) == (AccountState.INVITED, "评审专家", False)
    assert reverse("account_invite_resend", args=[row["user"].pk]) in listing.content.decode()


def test_region_staff_see_and_resend_only_their_regions_implementers(
    client, region_a_drc, region_b_drc, implementer
):
    invited = user_invite(
        organization=implementer.organization,
        username="zju_li",
        full_name="李老师",
        email="zju_li@example.cn",
        role=Role.IMPLEMENTER,
        by=region_a_drc,
    )
    client.force_login(region_b_drc)
    assert [r["user"] for r in client.get(reverse("account_users")).context["rows"]] == []
    assert client.post(reverse("account_invite_resend", args=[invited.pk])).status_code == 404
    client.force_login(region_a_drc)
    rows = client.get(reverse("account_users")).context["rows"]
    assert [(r["user"].username, r["state"]) for r in rows] == [
        ("implementer", AccountState.ACTIVE),
        ("zju_li", AccountState.INVITED),
    ]
    page = client.post(reverse("account_invite_resend", args=[invited.pk]), follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        "已重新发送邀请邮件至zju_li@example.cn，此前的链接已失效。"
    ]


@pytest.mark.parametrize("n", [1, 3])
def test_the_account_list_costs_the_same_queries_for_1_and_3_users(
    client, reviewer, django_assert_num_queries, n
):
    for i in range(n):
        invite_expert(reviewer, username=f"expert{i}", email=f"e{i}@example.cn")
    client.force_login(reviewer)
    client.get(reverse("account_users"))  # warm: the session, the header's cycle
    with django_assert_num_queries(9):  # the page and the list's length in one query
        page = client.get(reverse("account_users"))
    assert len(page.context["rows"]) == n + 1  # and the reviewer


def test_role_groups_exist_for_every_role():
    assert set(Group.objects.filter(name__in=Role.values).values_list("name", flat=True)) == set(Role.values)


def test_the_request_only_queues_the_mail_and_the_worker_sends_it(client, region_a_drc, mails):
    """With a broker (not eager), the reset page answers without building or sending any mail: it writes an
    outbox row that carries the address, never a token; the worker's run sends the link."""
    from celery import current_app

    from reform_portal.account_mail import account_mail
    from reform_portal.models import OutboxMessage

    current_app.conf.task_always_eager = False  # the autouse _eager_celery fixture puts it back
    page = ask_reset(client, "zj_drc@example.cn", mails)
    assert page.status_code == 302
    assert mails.outbox == []
    queued = list(OutboxMessage.objects.values_list("task_name", "kwargs", "state"))
    assert queued == [
        (
            "accounts.mail",
            {"kind": "password_reset", "user_id": None, "email": "zj_drc@example.cn"},
            "pending",
        )
    ]
    assert account_mail.run(**queued[0][1]) == 1  # what the worker runs
    assert set_password_through(client, link_in(mails.outbox[0])).status_code == 302

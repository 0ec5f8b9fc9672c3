"""``manage.py createreviewer``: the first national reviewer of an empty portal, without a superuser or /admin/
(issue 14: nobody could run the calendar without ``createsuperuser``)."""

import pytest
from django.core.management import CommandError, call_command

from reform_portal.enums import OrgKind, Role
from reform_portal.models import User
from reform_portal.rules import can_invite

PASSWORD = "Shenhe-mima-2027"


@pytest.mark.django_db
def test_opens_an_active_national_reviewer_of_the_reference_department(monkeypatch):
    monkeypatch.setenv("DJANGO_REVIEWER_PASSWORD", PASSWORD)
    call_command(
        "createreviewer", "--username", "yu", "--full-name", "于智锋", "--email", "yu@ndrc.cn", "--noinput"
    )
    user = User.objects.get(username="yu")
    assert (user.is_active, user.is_superuser, user.is_staff) == (True, False, False)
    assert user.check_password(PASSWORD)
    assert user.has_role(Role.NATIONAL_REVIEWER)
    assert (user.organization.name, user.organization.kind) == (
        "国家发展改革委创新和高技术发展司",
        OrgKind.NATIONAL_NDRC,
    )
    assert user.history.get().history_change_reason == "命令行开设首位国家审核人员账号"
    # and can open the portal to everybody else
    assert can_invite(user, user.organization, Role.NATIONAL_REVIEWER)[0]


@pytest.mark.django_db
def test_refuses_a_weak_password_a_taken_name_and_a_missing_password(monkeypatch):
    monkeypatch.setenv("DJANGO_REVIEWER_PASSWORD", "123")
    args = [
        "createreviewer",
        "--username",
        "yu",
        "--full-name",
        "于智锋",
        "--email",
        "yu@ndrc.cn",
        "--noinput",
    ]
    with pytest.raises(CommandError):
        call_command(*args)
    assert not User.objects.filter(username="yu").exists()
    monkeypatch.delenv("DJANGO_REVIEWER_PASSWORD")
    with pytest.raises(CommandError, match="DJANGO_REVIEWER_PASSWORD"):
        call_command(*args)
    monkeypatch.setenv("DJANGO_REVIEWER_PASSWORD", PASSWORD)
    call_command(*args, "--department", "most")
    assert User.objects.get(username="yu").organization.kind == OrgKind.NATIONAL_MOST
    with pytest.raises(CommandError, match="已被使用"):
        call_command(*args)

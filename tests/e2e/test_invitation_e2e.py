"""An invitation in the browser: a national reviewer invites an expert on the 用户与邀请 page, the expert opens
the mailed link, sets a password, logs in and sees the 工作台 (DECISIONS §14: accounts without /admin/)."""

import re

from django.core import mail

from reform_portal.enums import OrgKind

from .. import factories as f
from .conftest import login, logout

PASSWORD = "Zhuanjia-mima-2027"


def test_a_reviewer_invites_an_expert_who_sets_a_password_and_logs_in(
    page, transactional_db, live_server, settings
):
    settings.PORTAL_BASE_URL = live_server.url
    f.CycleFactory()
    f.national_user(username="ndrc_reviewer", full_name="于智锋")
    institute = f.OrganizationFactory(
        name="中国科学院科技战略咨询研究院", kind=OrgKind.INSTITUTE, region=f.region("110000")
    )

    login(page, "ndrc_reviewer", f.PASSWORD)
    page.get_by_test_id("nav-accounts").click()
    page.get_by_test_id("invite-user").click()
    page.select_option("#id_organization", str(institute.pk))
    page.select_option("#id_role", "expert")
    page.fill("#id_username", "wang_expert")
    page.fill("#id_full_name", "王专家")
    page.fill("#id_email", "wang@example.cn")
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/users/")
    assert page.locator(".messages").inner_text() == (
        "已邀请王专家（wang_expert），设置密码的链接已发送至wang@example.cn。"
    )
    row = page.get_by_test_id("account").filter(has_text="wang_expert")
    assert row.get_by_test_id("account-state").inner_text().startswith("已邀请")
    logout(page)

    [invitation] = mail.outbox
    assert invitation.to == ["wang@example.cn"]
    assert invitation.subject == "【全面创新改革平台】邀请您使用全面创新改革平台"
    [link] = re.findall(r"http://\S+/accounts/password/set/\S+/", invitation.body)
    assert link.startswith(live_server.url)
    page.goto(link)
    assert page.locator("h1").inner_text() == "设置密码，启用账号"
    assert "/set-password/" in page.url  # the token left the address bar before the form showed
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/password/set/done/")
    assert page.locator("h1").inner_text() == "密码已设置"

    login(page, "wang_expert", PASSWORD)
    assert page.locator("h1").inner_text() == "工作台"
    assert (
        page.get_by_test_id("header-user").inner_text() == "王专家 · 评审专家 · 中国科学院科技战略咨询研究院"
    )

    page.goto(link)  # the link works once
    assert page.get_by_test_id("invalid-link").inner_text() == "链接无效或已过期"

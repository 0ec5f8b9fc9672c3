"""基层征集 in the browser (issue 20): 浙江's 发展改革委 opens a 征集 inviting 浙江工业大学 with a public form; the
university and a public visitor submit; the staff approve the public one, see the near-duplicate group, turn the
two into one proposal of the 建议书; the university reads its reply, the visitor reads it through the follow link;
the 建议书 page shows "来源：2 条基层建议"; 江苏's staff and a unit that was not invited see nothing."""

import datetime

from reform_portal.enums import OrgKind, Role

from .. import factories as f
from .conftest import login, logout

MEASURE = "对高校院所职务科技成果实行单列管理，不纳入国有资产保值增值考核，简化作价入股审批。"


def test_a_region_runs_its_collection_and_the_submitters_see_their_replies(page, transactional_db):
    cycle = f.CycleFactory()
    f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zj_drc", full_name="陈立")
    f.regional_user("330000", OrgKind.REGIONAL_SCITECH, username="zj_scitech", full_name="吴敏")
    f.regional_user("320000", OrgKind.REGIONAL_DRC, username="js_drc")
    zjut = f.OrganizationFactory(name="浙江工业大学", kind=OrgKind.UNIVERSITY, region=f.region("330000"))
    f.UserFactory(
        username="zjut", full_name="王老师", phone="0571-88320000", organization=zjut, role=Role.IMPLEMENTER
    )
    other = f.OrganizationFactory(name="宁波某企业", kind=OrgKind.ENTERPRISE, region=f.region("330000"))
    f.UserFactory(username="nb_ent", organization=other, role=Role.IMPLEMENTER)
    closes = cycle.proposal_deadline - datetime.timedelta(days=5)

    # 发展改革委 opens the 征集; a closing date on the 建议书 deadline is refused at the field first
    login(page, "zj_drc", f.PASSWORD)
    page.goto("/grassroots/")
    page.get_by_test_id("collection-new").click()
    page.fill("#id_title", "浙江省基层改革建议征集")
    page.fill("#id_description", "面向全省高校、院所和企业征集改革举措建议。")
    page.fill("#id_closes_on", cycle.proposal_deadline.isoformat())
    page.get_by_label("浙江工业大学").check()
    page.get_by_label("开放公开征集").check()
    page.click("main button[type=submit]")
    assert "早于本地区建议书报送截止" in page.get_by_test_id("collection-form").inner_text()
    assert page.input_value("#id_title") == "浙江省基层改革建议征集"
    page.fill("#id_closes_on", closes.isoformat())
    page.click("main button[type=submit]")
    assert page.get_by_test_id("collection-state").inner_text() == "征集中"
    public_url = page.get_by_test_id("public-url").inner_text()
    desk_url = page.url
    logout(page)

    # the invited university submits
    login(page, "zjut", f.PASSWORD)
    page.goto("/grassroots/")
    page.click("text=浙江省基层改革建议征集")
    page.get_by_test_id("suggestion-new").click()
    page.fill("#id_title", "职务科技成果单列管理试点")
    page.fill("#id_pain_points", "职务科技成果按国有资产管理，作价入股审批环节多。")
    page.fill("#id_measure", MEASURE)
    page.click("main button[type=submit]")
    assert page.get_by_test_id("suggestion-state").inner_text() == "待答复"
    logout(page)

    # a public visitor submits without an account; the follow link is shown once
    page.goto(public_url)
    page.fill("#id_title", "职务科技成果单列管理改革试点")
    page.fill("#id_pain_points", "职务科技成果按国有资产管理，作价入股审批环节多、周期长。")
    page.fill("#id_measure", MEASURE)
    page.fill("#id_unit_name", "杭州某科技公司")
    page.select_option("#id_unit_kind", "enterprise")
    page.fill("#id_contact_name", "李先生")
    page.click("main button[type=submit]")
    assert "请填写手机或电话" in page.get_by_test_id("public-form").inner_text()
    page.fill("#id_contact_phone", "13800000000")
    page.click("main button[type=submit]")
    follow_url = page.get_by_test_id("follow-link").inner_text()

    # 科技厅 approves the public one, sees the pair grouped and turns both into one proposal
    login(page, "zj_scitech", f.PASSWORD)
    page.goto(desk_url)
    assert len(page.get_by_test_id("suggestion-row").all()) == 2
    page.click("text=职务科技成果单列管理改革试点")
    page.click("text=审核通过")
    page.goto(desk_url)
    assert page.get_by_test_id("duplicate-group").count() == 1
    for box in page.locator("[data-testid=suggestion-row] input[type=checkbox]").all():
        box.check()
    page.get_by_test_id("convert").click()
    page.wait_for_url("**/proposals/items/*/edit/")
    page.goto("/proposals/book/")
    assert (
        page.get_by_test_id("proposal-provenance").inner_text()
        == "来源：2 条基层建议（企业 1 条、高等院校 1 条）"
    )
    logout(page)

    # the submitters read the reply
    login(page, "zjut", f.PASSWORD)
    page.goto("/grassroots/")
    page.click("text=浙江省基层改革建议征集")
    assert "已采纳" in page.get_by_test_id("my-suggestions").inner_text()
    logout(page)
    page.goto(follow_url)
    assert page.get_by_test_id("suggestion-state").inner_text().startswith("已采纳")

    # 江苏's staff and a unit that was not invited see nothing
    for username in ("js_drc", "nb_ent"):
        login(page, username, f.PASSWORD)
        page.goto("/grassroots/")
        assert "浙江省基层改革建议征集" not in page.content()
        assert page.goto(desk_url).status == 404
        logout(page)

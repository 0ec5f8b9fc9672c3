"""reform_portal/organization_views.py: organisations and people without /admin/ (issue 14 §6) — the reference data
from the migration, editable by national reviewers; each region's library of implementing entities with the names
typed in its 建议书 and 揭榜; invitations from an organisation's page; the experts; the user's own 个人设置."""

import pytest
from django.urls import reverse

from reform_portal.enums import OrgKind, Role
from reform_portal.models import Invitation, Organization, User

from .. import factories as f
from ..bidding import scenarios as fb
from ..proposals import scenarios as fp

pytestmark = pytest.mark.django_db


def entity(name, code="330000", kind=OrgKind.UNIVERSITY, **kw):
    return f.OrganizationFactory(name=name, kind=kind, region=f.region(code), **kw)


def test_the_reference_organisations_come_from_the_migration(client, reviewer):
    """The 13 regions' 发展改革委 and 科技厅（委、局） by the names they go by, and the two national departments."""
    scitech = Organization.objects.filter(kind=OrgKind.REGIONAL_SCITECH, region__isnull=False)
    names = dict(scitech.values_list("region__name", "name"))
    assert len(names) == 13
    assert names["北京市"] == "北京市科委、中关村管委会"
    assert names["上海市"] == "上海市科委"
    assert names["天津市"] == "天津市科技局" and names["重庆市"] == "重庆市科技局"
    assert names["浙江省"] == "浙江省科技厅"
    assert Organization.objects.filter(kind=OrgKind.REGIONAL_DRC).count() == 13
    assert set(
        Organization.objects.filter(kind__in=OrgKind.national()).values_list("name", "short_name")
    ) == {
        ("国家发展改革委创新和高技术发展司", "国家发展改革委高技术司"),
        ("科技部成果转化与区域创新司", "科技部成果司"),
    }
    client.force_login(reviewer)
    page = client.get(reverse("organizations"), {"kind": "regional_scitech"})
    assert [o.name for o in page.context["page"]][:2] == ["北京市科委、中关村管委会", "天津市科技局"]
    # editable by national reviewers, without /admin/
    bj = Organization.objects.get(name="北京市科委、中关村管委会")
    edit = reverse("organization_edit", args=[bj.pk])
    form = client.get(edit).context["form"]
    response = client.post(
        edit,
        {
            "name": bj.name,
            "short_name": "北京市科委",
            "kind": "regional_scitech",
            "region": bj.region_id,
            "credit_code": "",
            "revision": form["revision"].initial,
        },
    )
    assert response.status_code == 302
    bj.refresh_from_db()
    assert bj.short_name == "北京市科委"


def test_a_region_keeps_its_library_and_adds_the_names_typed_in_its_documents(
    client, region_a_drc, region_a_scitech, region_b_drc
):
    cycle = f.CycleFactory()
    fp.make_book(cycle, region_a_drc, n=1)  # 新增实施主体: 某市科技局
    bcycle = fb.bidding_cycle(year=cycle.year + 1)
    fb.make_bid_set(
        bcycle, region_a_drc, fb.publish_list(bcycle, n=1)
    )  # 拟定实施主体: 浙江大学, 杭州市人民政府
    zju = entity("浙江大学")
    entity("南京大学", "320000")
    client.force_login(region_a_drc)
    page = client.get(reverse("organizations"))
    assert [o.name for o in page.context["page"]] == ["浙江大学"]
    typed = {item["name"]: item["where"] for item in page.context["typed"]}
    assert typed == {
        "某市科技局": [f"{cycle.year}年度建议书：科技成果赋权改革试点1"],
        "杭州市人民政府": [
            f"{bcycle.year}年度揭榜：{bcycle.year}-01 赋予科研人员职务科技成果所有权或长期使用权"
        ],
    }
    html = page.content.decode()
    assert "/organizations/new/?name=%E6%9D%AD%E5%B7%9E%E5%B8%82%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C" in html
    form = client.get(reverse("organization_new"), {"name": "杭州市人民政府"}).context["form"]
    assert form["name"].initial == "杭州市人民政府" and "region" not in form.fields
    response = client.post(
        reverse("organization_new"), {"name": "杭州市人民政府", "kind": "local_gov", "credit_code": ""}
    )
    hz = Organization.objects.get(name="杭州市人民政府")
    assert response.url == reverse("organization_detail", args=[hz.pk]) and hz.region == region_a_drc.region
    assert [item["name"] for item in client.get(reverse("organizations")).context["typed"]] == ["某市科技局"]
    assert set(Organization.objects.filter(region=region_a_drc.region, kind__in=OrgKind.implementing())) == {
        zju,
        hz,
    }


def test_proposals_and_task_plans_pick_from_the_library(client, reviewer, region_a_drc, region_a_scitech):
    """The task plan said "请联系管理员添加": it now offers the region's library (its own entities and those of
    other regions it added), and links to the library when it is empty."""
    from bidding.forms import EntitiesForm
    from proposals.forms import ProposalForm

    cycle = fb.bidding_cycle()
    (task, *_rest) = fb.allocated(
        cycle, reviewer, region_a_drc, region_a_scitech, fb.publish_list(cycle, n=3)
    )
    client.force_login(region_a_drc)
    html = client.get(reverse("bidding:task_detail", args=[task.pk])).content.decode()
    assert "请联系管理员添加" not in html
    assert "本地区的实施主体单位库中暂无单位。" in html and 'href="/organizations/"' in html
    zju = entity("浙江大学")
    shared = entity("清华大学", "110000")
    shared.used_by.add(region_a_drc.region)
    entity("南京大学", "320000")
    zj = region_a_drc.region
    for form in (EntitiesForm(region=zj), ProposalForm(region=zj)):
        assert list(form.fields["entities"].queryset) == [zju, shared]  # by kind, then name
    from bidding import services as bs

    bs.plan_set_entities(task=task, organizations=[shared, zju], by=region_a_drc)
    assert set(task.entities.all()) == {shared, zju}


def test_a_wrong_credit_code_is_shown_at_the_field_and_the_form_keeps_the_text(client, region_a_drc):
    client.force_login(region_a_drc)
    page = client.post(
        reverse("organization_new"),
        {"name": "之江实验室", "kind": "institute", "credit_code": "12330000MB0000000X"},
    )
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "credit_code": ["统一社会信用代码的校验位不正确，请核对是否有错字或漏字。"]
    }
    assert "之江实验室" in page.content.decode()
    assert not Organization.objects.filter(name="之江实验室").exists()


def test_an_entity_another_region_entered_joins_the_library_by_its_code(client, region_a_drc, region_b_drc):
    code = "91350100M000100Y43"
    org = entity("杭州海康威视数字技术股份有限公司", kind=OrgKind.ENTERPRISE, credit_code=code)
    f.UserFactory(username="hik_user", organization=org, role=Role.IMPLEMENTER)
    client.force_login(region_b_drc)
    page = client.post(
        reverse("organization_new"),
        {"name": "海康威视", "kind": "enterprise", "credit_code": code},
        follow=True,
    )
    assert [str(m) for m in page.context["messages"]] == [
        "“杭州海康威视数字技术股份有限公司”已在单位库中（统一社会信用代码相同），已列入本地区的实施主体单位库。"
    ]
    assert page.context["org"] == org
    assert page.context["users"] == []  # 浙江's people are 浙江's
    assert page.context["can_edit"] is False and page.context["invite_links"] == []
    assert [o.name for o in client.get(reverse("organizations")).context["page"]] == [org.name]


def test_invite_a_user_from_the_organisations_page(
    client, region_a_drc, mailoutbox, django_capture_on_commit_callbacks
):
    zju = entity("浙江大学")
    client.force_login(region_a_drc)
    detail = client.get(reverse("organization_detail", args=[zju.pk]))
    ((label, url),) = detail.context["invite_links"]
    assert label == "实施主体" and url == f"/accounts/users/invite/?organization={zju.pk}&role=implementer"
    form = client.get(url).context["form"]
    assert (form["organization"].value(), form["role"].value()) == (str(zju.pk), "implementer")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "organization": zju.pk,
                "role": "implementer",
                "username": "zju_lin",
                "full_name": "林晓",
                "email": "zju_lin@example.cn",
                "phone": "",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(username="zju_lin")
    assert (user.organization, user.is_active, user.has_usable_password()) == (zju, False, False)
    assert Invitation.objects.get(user=user).invited_by == region_a_drc
    (mail,) = mailoutbox
    assert mail.to == ["zju_lin@example.cn"] and "/accounts/password/set/" in mail.body


def test_reviewers_invite_for_any_organisation_and_reviewers_only_of_their_own_department(client, reviewer):
    client.force_login(reviewer)
    own = reviewer.organization
    most = Organization.objects.get(name="科技部成果转化与区域创新司")
    labels = [
        label
        for label, _url in client.get(reverse("organization_detail", args=[own.pk])).context["invite_links"]
    ]
    assert labels == ["国家审核"]
    assert client.get(reverse("organization_detail", args=[most.pk])).context["invite_links"] == []
    miit = f.OrganizationFactory(name="工业和信息化部", kind=OrgKind.MINISTRY, region=None)
    links = client.get(reverse("organization_detail", args=[miit.pk])).context["invite_links"]
    assert [label for label, _url in links] == ["部门联络"]


def test_the_experts_page_shows_affiliation_and_region(client, reviewer, expert):
    client.force_login(reviewer)
    page = client.get(reverse("experts"))
    (row,) = page.context["page"]
    assert row == expert
    html = page.content.decode()
    assert "中国科学院某研究所" in html and "北京市" in html
    assert "/accounts/users/invite/?role=expert" in html


@pytest.mark.parametrize("n", [1, 3])
def test_the_lists_cost_the_same_queries_for_1_and_3_rows(
    client, reviewer, region_a_drc, django_assert_num_queries, n
):
    for i in range(n):
        org = entity(f"实施单位{i}")
        f.UserFactory(username=f"ex{i}", organization=org, role=Role.EXPERT, is_active=i > 0)  # one invited
    client.force_login(region_a_drc)
    client.get(reverse("organizations"))
    with django_assert_num_queries(12):  # with the region filter's choices
        page = client.get(reverse("organizations"))
    assert len(page.context["page"]) == n
    client.force_login(reviewer)
    client.get(reverse("experts"))
    with django_assert_num_queries(9):  # with the region filter's choices
        page = client.get(reverse("experts"))
    assert len(page.context["page"]) == n


def test_the_users_own_settings_page(client, settings, region_a_drc):
    client.force_login(region_a_drc)
    settings.PORTAL_SMS_GATEWAY_URL = ""
    page = client.get(reverse("account_settings"))
    assert "本平台尚未配置短信（政务IM）网关。" in page.content.decode()
    assert 'name="notify_sms"' not in page.content.decode()
    settings.PORTAL_SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    settings.PORTAL_SMS_GATEWAY_LABEL = "浙政钉消息"
    page = client.get(reverse("account_settings"))
    assert "同时以浙政钉消息发送到您的手机" in page.content.decode()
    page = client.post(reverse("account_settings"), {"phone": "0571-87051234", "notify_sms": "on"})
    assert page.context["form"].errors == {"phone": ["接收短信（政务IM）提醒需填写11位手机号码。"]}
    page = client.post(
        reverse("account_settings"), {"phone": "138 0013 8000", "notify_sms": "on"}, follow=True
    )
    assert [str(m) for m in page.context["messages"]] == ["个人设置已保存。"]
    region_a_drc.refresh_from_db()
    assert (region_a_drc.phone, region_a_drc.notify_sms) == ("138 0013 8000", True)
    assert region_a_drc.history.first().history_change_reason == "修改个人设置"


def test_reviewers_keep_where_an_expert_works_and_the_conflict_rule_follows(
    client, reviewer, expert, region_a_drc
):
    from catalog.rules import conflict_of_interest

    zj = f.region("330000")
    assert conflict_of_interest(expert, [zj.pk]) == ""
    zju = entity("浙江大学")
    client.force_login(reviewer)
    url = reverse("expert_edit", args=[expert.pk])
    form = client.get(url).context["form"]
    assert form["organization"].value() == expert.organization_id
    assert "浙江大学（浙江省）" in client.get(url).content.decode()
    ministry = f.OrganizationFactory(name="财政部", kind=OrgKind.MINISTRY, region=None)
    page = client.post(url, {"organization": ministry.pk, "post": "研究员"})
    assert "organization" in page.context["form"].errors  # not an employer an expert can have
    page = client.post(url, {"organization": zju.pk, "post": "教授"}, follow=True)
    assert [str(m) for m in page.context["messages"]] == [f"已保存{expert}的所在单位。"]
    expert.refresh_from_db()
    assert (expert.organization, expert.post) == (zju, "教授")
    assert (
        conflict_of_interest(expert, [zj.pk])
        == "利益冲突：专家所在单位“浙江大学”位于浙江省，该地区是本举措的建议来源地区。"
    )
    assert expert.groups.filter(name=f"org:{zju.pk}").exists()
    client.force_login(region_a_drc)
    assert client.get(url).status_code == 403


def test_region_staff_set_the_level_of_their_units(client, region_a_drc):
    """分层推进 (notice 四, DECISIONS §20): 省级 / 重点城市 / 试点单位 / 其他 is set by the region's staff."""
    city = Organization.objects.create(
        name="宁波市人民政府", kind=OrgKind.LOCAL_GOV, region=region_a_drc.region
    )
    client.force_login(region_a_drc)
    edit = reverse("organization_edit", args=[city.pk])
    form = client.get(edit).context["form"]
    fields = {"name": city.name, "short_name": "", "kind": "local_gov", "credit_code": ""}
    response = client.post(edit, {**fields, "level": "key_city", "revision": form["revision"].initial})
    assert response.status_code == 302
    city.refresh_from_db()
    assert city.level == "key_city"
    page = client.get(reverse("organization_detail", args=[city.pk])).content.decode()
    assert "重点城市" in page
    bad = client.post(edit, {**fields, "level": "capital", "revision": city.revision})
    assert bad.status_code == 200 and bad.context["form"].errors["level"]


def test_two_reviewers_editing_one_expert(client, reviewer, expert):
    """Issue 17 §4: the second save (loaded before the first) is refused with what was typed kept."""
    from tests.reform_portal.scenarios import _assert_refused, _loaded

    colleague = f.national_user(username="most_reviewer", full_name="科技部审核员")
    zju, zjlab = entity("浙江大学"), entity("之江实验室", kind=OrgKind.INSTITUTE)
    url = reverse("expert_edit", args=[expert.pk])
    other = type(client)()
    client.force_login(reviewer)
    other.force_login(colleague)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    assert client.post(url, {"organization": zju.pk, "post": "教授", "revision": rev_a}).status_code == 302
    page = other.post(url, {"organization": zjlab.pk, "post": "首席科学家", "revision": rev_b})
    _assert_refused(page, reviewer, "首席科学家", "专家信息")
    expert.refresh_from_db()
    assert (expert.organization, expert.post) == (zju, "教授")

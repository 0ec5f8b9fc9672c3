"""The kernel's lists as users expect (issue 18 §4): organisations, experts, accounts, the mail log, the inbox, all
API tokens and the years. Each sorts both ways by a whitelisted column (an unknown key keeps the default order),
filters, and exports to CSV and XLSX exactly the rows its page shows that user, behind the page's own refusal;
text that starts like a formula comes out as text; the queries do not grow with the rows."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reform_portal.enums import OrgKind, Role
from reform_portal.models import ApiToken, Notification, ReformCycle
from reform_portal.services import user_invite

from .. import factories as f

pytestmark = pytest.mark.django_db


def _csv(response):
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.content)).active


def _same_rows(client, name, params, column, *, page_key="page", value=str):
    """The page's rows (``column`` of each, read by ``value``) and the CSV's and XLSX's first columns: equal."""
    page = client.get(reverse(name), params)
    assert page.status_code == 200
    shown = [value(row) for row in page.context[page_key]]
    rows = _csv(client.get(reverse(f"{name}_csv"), params))
    assert [r[column] for r in rows[1:]] == [("'" + s if s[:1] in "=+-@" else s) for s in shown]
    sheet = _xlsx(client.get(reverse(f"{name}_xlsx"), params))
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == shown
    assert all(c.data_type == "s" for c in cells)  # a formula-like name stays text
    return shown, rows, page.content.decode()


def _flat(client, name, params, add):
    """The export and the page run the same number of queries before and after ``add()`` adds two rows."""

    def counts():
        found = []
        for url in (reverse(name), reverse(f"{name}_csv"), reverse(f"{name}_xlsx")):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url, params).status_code == 200
            found.append(len(ctx))
        return found

    before = counts()
    add()
    assert counts() == before


# ---- organisations --------------------------------------------------------------------------------------------


def _entity(name, code="330000", kind=OrgKind.UNIVERSITY):
    return f.OrganizationFactory(name=name, kind=kind, region=f.region(code))


def test_a_regions_library_sorts_filters_and_exports_only_its_rows(client, region_a_drc, region_b_drc):
    _entity("=HYPERLINK(1)大学")
    _entity("甲企业", kind=OrgKind.ENTERPRISE)
    _entity("乙研究院", kind=OrgKind.INSTITUTE)
    _entity("江苏某大学", code="320000")
    client.force_login(region_a_drc)
    name = "organizations"
    ascending, rows, html = _same_rows(client, name, {"sort": "name"}, 0, value=lambda o: o.name)
    assert sorted(ascending) == sorted(["=HYPERLINK(1)大学", "甲企业", "乙研究院"])
    assert ascending == sorted(ascending)
    assert rows[0] == ["单位名称", "简称", "类型", "所在地区", "统一社会信用代码", "用户数"]
    assert 'aria-sort="ascending"' in html
    assert rows[[r[0] for r in rows].index("甲企业")][2:4] == ["企业", "浙江省"]
    descending, _rows, html = _same_rows(client, name, {"sort": "-name"}, 0, value=lambda o: o.name)
    assert descending == ascending[::-1] and 'aria-sort="descending"' in html
    default = [o.name for o in client.get(reverse(name)).context["page"]]
    assert [o.name for o in client.get(reverse(name), {"sort": "password"}).context["page"]] == default
    shown, _rows, _html = _same_rows(
        client, name, {"kind": "enterprise", "sort": "-name"}, 0, value=lambda o: o.name
    )
    assert shown == ["甲企业"]
    # 江苏's staff: their library, without 浙江's entities
    client.force_login(region_b_drc)
    shown, _rows, _html = _same_rows(client, name, {}, 0, value=lambda o: o.name)
    assert shown == ["江苏某大学"]


def test_reviewers_filter_the_organisations_by_region_and_others_are_refused(client, reviewer, expert):
    _entity("江苏某大学", code="320000")
    _entity("=1+1研究院", code="320000", kind=OrgKind.INSTITUTE)
    client.force_login(reviewer)
    params = {"region": "320000", "sort": "-name"}
    shown, _rows, html = _same_rows(client, "organizations", params, 0, value=lambda o: o.name)
    assert set(shown) >= {"江苏某大学", "=1+1研究院", "江苏省发展改革委"}
    assert all(
        o.region.code == "320000" for o in client.get(reverse("organizations"), params).context["page"]
    )
    assert 'name="region"' in html
    client.force_login(expert)
    for url in ("organizations", "organizations_csv", "organizations_xlsx"):
        assert client.get(reverse(url)).status_code == 403


def test_the_organisation_list_and_its_export_keep_their_queries(client, region_a_drc):
    client.force_login(region_a_drc)
    _entity("甲大学")
    _flat(client, "organizations", {"sort": "users"}, lambda: [_entity(f"乙大学{n}") for n in range(2)])


# ---- experts --------------------------------------------------------------------------------------------------


def _expert(name, code, username):
    org = _entity(f"{name}所在单位", code=code, kind=OrgKind.INSTITUTE)
    return f.UserFactory(username=username, full_name=name, organization=org, role=Role.EXPERT)


def test_experts_sort_filter_by_region_and_export_for_reviewers_only(client, reviewer, region_a_drc):
    _expert("=张三", "330000", "e1")
    _expert("李四", "330000", "e2")
    _expert("王五", "320000", "e3")
    client.force_login(reviewer)
    name = "experts"
    full = lambda u: u.full_name  # noqa: E731
    ascending, rows, html = _same_rows(client, name, {"sort": "name"}, 0, value=full)
    assert ascending == sorted(["=张三", "李四", "王五"])
    assert rows[0] == ["姓名", "用户名", "职务", "所在单位", "所在地区", "状态"]
    descending, _rows, _html = _same_rows(client, name, {"sort": "-name"}, 0, value=full)
    assert descending == ascending[::-1]
    default = [u.full_name for u in client.get(reverse(name)).context["page"]]
    assert [u.full_name for u in client.get(reverse(name), {"sort": "-bogus"}).context["page"]] == default
    shown, rows, _html = _same_rows(client, name, {"region": "330000", "sort": "-name"}, 0, value=full)
    assert shown == sorted(["=张三", "李四"], reverse=True)
    assert [r[4] for r in rows[1:]] == ["浙江省", "浙江省"]
    _flat(client, name, {}, lambda: [_expert(f"赵{n}", "110000", f"e{n + 4}") for n in range(2)])
    client.force_login(region_a_drc)
    for url in ("experts", "experts_csv", "experts_xlsx"):
        assert client.get(reverse(url)).status_code == 403


# ---- accounts -------------------------------------------------------------------------------------------------


def _account(username, org, role=Role.IMPLEMENTER, **kw):
    return f.UserFactory(username=username, organization=org, role=role, **kw)


def test_a_regions_accounts_sort_filter_and_export_only_its_implementers(
    client, region_a_drc, region_b_drc, reviewer
):
    zju = _entity("浙江大学")
    _account("zju_b", zju, full_name="=SUM(1)")
    _account("zju_a", zju)
    _account("nju", _entity("南京大学", code="320000"))
    invited = user_invite(
        organization=zju,
        username="zju_c",
        full_name="王老师",
        email="c@zju.cn",
        role=Role.IMPLEMENTER,
        by=region_a_drc,
    )
    client.force_login(region_a_drc)
    name = "account_users"
    username = lambda row: row["user"].username  # noqa: E731
    ascending, rows, html = _same_rows(client, name, {"sort": "username"}, 0, page_key="rows", value=username)
    assert ascending == ["zju_a", "zju_b", "zju_c"]  # 江苏's user and 浙江's staff are not 浙江's to keep
    assert rows[0] == ["用户名", "姓名", "所属单位", "角色", "电子邮箱", "状态", "双因素认证"]
    assert rows[2][1] == "'=SUM(1)" and rows[2][3] == "实施主体"
    assert 'aria-sort="ascending"' in html and 'name="role"' not in html  # a region keeps 实施主体 only
    descending, _rows, _html = _same_rows(
        client, name, {"sort": "-username"}, 0, page_key="rows", value=username
    )
    assert descending == ascending[::-1]
    unknown = client.get(reverse(name), {"sort": "password"}).context["rows"]
    assert [username(r) for r in unknown] == [username(r) for r in client.get(reverse(name)).context["rows"]]
    shown, rows, _html = _same_rows(client, name, {"state": "invited"}, 0, page_key="rows", value=username)
    assert shown == [invited.username] and rows[1][5] == "已邀请"
    shown, _rows, _html = _same_rows(
        client, name, {"state": "active", "q": "zju"}, 0, page_key="rows", value=username
    )
    assert shown == ["zju_a", "zju_b"]
    client.force_login(region_b_drc)
    shown, _rows, _html = _same_rows(client, name, {}, 0, page_key="rows", value=username)
    assert shown == ["nju"]
    client.force_login(reviewer)
    shown, _rows, _html = _same_rows(
        client, name, {"role": "regional_staff", "sort": "username"}, 0, page_key="rows", value=username
    )
    assert shown == ["js_drc", "zj_drc"]


def test_the_account_list_and_its_export_keep_their_queries(client, reviewer):
    zju = _entity("浙江大学")
    _account("zju_a", zju)
    client.force_login(reviewer)
    _flat(client, "account_users", {"sort": "email"}, lambda: [_account(f"zju_{n}", zju) for n in "bc"])


def test_accounts_are_refused_to_other_roles(client, expert, implementer):
    for user in (expert, implementer):
        client.force_login(user)
        for url in ("account_users", "account_users_csv", "account_users_xlsx"):
            assert client.get(reverse(url)).status_code == 403


# ---- the mail log and the inbox -------------------------------------------------------------------------------


def _note(user, title, *, status="sent", read=False, minutes=0):
    return Notification.objects.create(
        recipient=user,
        kind="test",
        title=title,
        created_at=timezone.now() - datetime.timedelta(minutes=minutes),
        read_at=timezone.now() if read else None,
        email_status=status,
        email_attempts=1 if status else 0,
    )


def test_the_mail_log_sorts_filters_and_exports_for_reviewers_only(client, reviewer, region_a_drc):
    _note(region_a_drc, "乙通知", minutes=3)
    _note(region_a_drc, "=cmd|'/c calc'!A1", status="failed", minutes=2)
    _note(region_a_drc, "甲通知", status="pending", minutes=1)
    _note(region_a_drc, "只在站内", status="")  # no e-mail copy: not in the mail log
    client.force_login(reviewer)
    name = "mail_log"
    title = lambda n: n.title  # noqa: E731
    ascending, rows, html = _same_rows(client, name, {"sort": "title"}, 0, value=title)
    assert ascending == sorted(["乙通知", "=cmd|'/c calc'!A1", "甲通知"])
    assert rows[0][:3] == ["通知", "类型", "接收人"] and rows[0][-1] == "错误信息"
    assert 'aria-sort="ascending"' in html
    descending, _rows, _html = _same_rows(client, name, {"sort": "-title"}, 0, value=title)
    assert descending == ascending[::-1]
    default = [n.title for n in client.get(reverse(name)).context["page"]]
    assert default == ["甲通知", "=cmd|'/c calc'!A1", "乙通知"]  # newest first
    assert [
        n.title for n in client.get(reverse(name), {"sort": "recipient__password"}).context["page"]
    ] == default
    shown, rows, _html = _same_rows(client, name, {"status": "failed", "sort": "-created"}, 0, value=title)
    assert shown == ["=cmd|'/c calc'!A1"] and rows[1][5] == "发送失败"
    _flat(client, name, {}, lambda: [_note(reviewer, f"通知{n}") for n in range(2)])
    client.force_login(region_a_drc)
    for url in ("mail_log", "mail_log_csv", "mail_log_xlsx"):
        assert client.get(reverse(url)).status_code == 403


def test_the_inbox_sorts_filters_and_exports_the_users_own_messages(client, region_a_drc, region_b_drc):
    _note(region_a_drc, "乙消息", read=True, minutes=2)
    _note(region_a_drc, "@甲消息", minutes=1)
    _note(region_b_drc, "江苏的消息")
    client.force_login(region_a_drc)
    name = "notifications"
    title = lambda n: n.title  # noqa: E731
    ascending, rows, html = _same_rows(client, name, {"sort": "title"}, 0, value=title)
    assert ascending == sorted(["乙消息", "@甲消息"])  # 江苏's message is not 浙江's
    assert rows[0] == ["标题", "内容", "时间", "状态", "阅读时间"]
    descending, _rows, _html = _same_rows(client, name, {"sort": "-title"}, 0, value=title)
    assert descending == ascending[::-1] and 'aria-sort="descending"' in _html
    default = [n.title for n in client.get(reverse(name)).context["page"]]
    assert default == ["@甲消息", "乙消息"]  # unread first
    assert [n.title for n in client.get(reverse(name), {"sort": "recipient"}).context["page"]] == default
    shown, rows, _html = _same_rows(client, name, {"state": "unread"}, 0, value=title)
    assert shown == ["@甲消息"] and rows[1][3] == "未读"
    _flat(client, name, {}, lambda: [_note(region_a_drc, f"消息{n}") for n in range(2)])
    client.logout()
    for url in ("notifications", "notifications_csv", "notifications_xlsx"):
        response = client.get(reverse(url))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---- API tokens -----------------------------------------------------------------------------------------------


def _token(user, name, *, revoked=False, days=30):
    now = timezone.now()
    return ApiToken.objects.create(
        user=user,
        name=name,
        prefix=f"p{ApiToken.objects.count():06d}",
        secret_hash="0" * 64,
        expires_at=now + datetime.timedelta(days=days),
        revoked_at=now if revoked else None,
    )


def test_all_tokens_sort_filter_and_export_without_secrets_for_reviewers_only(
    client, reviewer, region_a_drc, region_b_drc
):
    _token(region_a_drc, "=1+1")
    _token(region_b_drc, "江苏数据同步", revoked=True)
    _token(region_b_drc, "过期令牌", days=-1)
    client.force_login(reviewer)
    name = "api_tokens_all"
    token_name = lambda t: t.name  # noqa: E731
    ascending, rows, html = _same_rows(client, name, {"sort": "name"}, 3, page_key="tokens", value=token_name)
    assert ascending == sorted(["=1+1", "江苏数据同步", "过期令牌"])
    assert rows[0] == [
        "用户",
        "用户名",
        "所属单位",
        "名称",
        "前缀",
        "有效期至",
        "最近使用时间",
        "状态",
        "吊销人",
    ]
    assert "0" * 64 not in _csv(client.get(reverse(f"{name}_csv"))).__repr__()
    descending, _rows, _html = _same_rows(
        client, name, {"sort": "-name"}, 3, page_key="tokens", value=token_name
    )
    assert descending == ascending[::-1]
    default = [t.name for t in client.get(reverse(name)).context["tokens"]]
    assert [t.name for t in client.get(reverse(name), {"sort": "secret_hash"}).context["tokens"]] == default
    for status, expected, label in (("revoked", "江苏数据同步", "已吊销"), ("expired", "过期令牌", "已过期")):
        shown, rows, _html = _same_rows(
            client, name, {"status": status}, 3, page_key="tokens", value=token_name
        )
        assert shown == [expected] and rows[1][7] == label
    shown, _rows, _html = _same_rows(
        client, name, {"status": "active", "sort": "-user"}, 3, page_key="tokens", value=token_name
    )
    assert shown == ["=1+1"]
    _flat(client, name, {}, lambda: [_token(reviewer, f"令牌{n}") for n in range(2)])
    client.force_login(region_a_drc)
    for url in ("api_tokens_all", "api_tokens_all_csv", "api_tokens_all_xlsx"):
        assert client.get(reverse(url)).status_code == 403


# ---- years ----------------------------------------------------------------------------------------------------


def test_the_years_sort_filter_and_export_for_reviewers_only(client, reviewer, region_a_drc):
    for year in (2026, 2027, 2028):
        ReformCycle.objects.create(year=year, **ReformCycle.defaults_for(year))
    ReformCycle.objects.filter(year=2026).update(state="closed")
    client.force_login(reviewer)
    name = "cycle_years"
    default = [c.year for c in client.get(reverse(name)).context["rows"]]
    assert default == [2028, 2027, 2026]
    for params, expected in (
        ({"sort": "year"}, [2026, 2027, 2028]),
        ({"sort": "-year"}, [2028, 2027, 2026]),
        ({"sort": "state"}, default),  # not a column to sort by: ignored
        ({"state": "closed"}, [2026]),
    ):
        page = client.get(reverse(name), params)
        assert [c.year for c in page.context["rows"]] == expected
        rows = _csv(client.get(reverse(f"{name}_csv"), params))
        assert [r[0] for r in rows[1:]] == [str(y) for y in expected]
        sheet = _xlsx(client.get(reverse(f"{name}_xlsx"), params))
        assert [c.value for c in sheet["A"]][1:] == expected
    assert rows[0] == ["年度", "当前阶段", "建议书报送截止", "揭榜截止"] and rows[1][1] == "本年度已结束"
    assert client.post(reverse(f"{name}_csv")).status_code == 405
    client.force_login(region_a_drc)
    for url in ("cycle_years", "cycle_years_csv", "cycle_years_xlsx"):
        assert client.get(reverse(url)).status_code == 403

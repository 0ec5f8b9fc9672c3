import datetime

import pytest
from django.urls import reverse

from proposals import services
from reform_portal.enums import OrgKind

from .. import factories as f
from . import scenarios as fp
from .scenarios import form_data

pytestmark = pytest.mark.django_db


def test_first_visit_creates_the_book_and_opens_it(client, cycle, region_a_drc):
    client.force_login(region_a_drc)
    page = client.get(reverse("proposals:book"), follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"浙江省{cycle.year}年度全面创新改革举措建议书" in html
    assert page.context["problems"][0] == "改革举措数量须为3—5项，当前为0项。"
    assert "剩余 30 天" in html


def test_adding_a_proposal_through_the_form(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    page = client.post(reverse("proposals:proposal_new", args=[book.pk]), form_data(), follow=True)
    assert page.status_code == 200
    p = book.proposals.get()
    assert p.title == "科技成果赋权改革试点1"
    assert [(r.indicator, r.unit, int(r.target)) for r in p.results.all()] == [("试点单位", "家", 10)]
    assert "举措“科技成果赋权改革试点1”已保存。" in page.content.decode()


def test_bad_input_gets_chinese_messages_at_the_field_and_keeps_the_text(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    data = form_data(title="很" * 61, authority_level="national", coordination_departments="")
    data["results-1-indicator"] = "只有指标"
    page = client.post(reverse("proposals:proposal_new", args=[book.pk]), data)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.errors["title"] == ["确保该变量包含不超过 60 字符 (目前字符数 61)。"]
    assert form.errors["coordination_departments"] == ["需国家层面协调的举措，请填写需协调的国家部门。"]
    assert page.context["formset"].forms[1].non_field_errors() == ["预期成效须同时填写指标、单位和目标值。"]
    html = page.content.decode()
    assert "赋予科研人员职务科技成果所有权或长期使用权" in html  # the typed content is still on the page
    assert book.proposals.count() == 0


def test_stale_edit_keeps_the_users_text_and_says_why(client, cycle, region_a_drc, region_a_scitech):
    book = fp.make_book(cycle, region_a_drc)
    p = book.proposals.first()
    loaded = p.revision
    services.proposal_update(
        proposal=p, revision=loaded, fields={"title": "甲先保存"}, results=fp.RESULTS, by=region_a_drc
    )
    client.force_login(region_a_scitech)
    page = client.post(
        reverse("proposals:proposal_edit", args=[p.pk]),
        form_data(title="乙的标题", content="乙写了很长的改革内容", revision=loaded),
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "您的修改尚未保存" in html and "乙写了很长的改革内容" in html
    p.refresh_from_db()
    assert p.title == "甲先保存"


def test_control_characters_are_stripped(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    client.post(reverse("proposals:proposal_new", args=[book.pk]), form_data(title="赋权\x00改革\u202e试点"))
    assert book.proposals.get().title == "赋权改革试点"


def test_user_text_is_escaped_on_the_page(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    services.proposal_create(
        book=book, fields=fp.proposal_fields(1, title="<script>alert(1)</script>"), by=region_a_drc
    )
    client.force_login(region_a_drc)
    html = client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_sign_and_submit_buttons_walk_the_workflow(client, cycle, region_a_drc, region_a_scitech):
    book = fp.make_book(cycle, region_a_drc)
    client.force_login(region_a_drc)
    client.post(reverse("proposals:book_sign", args=[book.pk]))
    page = client.post(reverse("proposals:book_submit", args=[book.pk]), follow=True)
    assert "须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。" in page.content.decode()
    client.force_login(region_a_scitech)
    client.post(reverse("proposals:book_sign", args=[book.pk]))
    page = client.post(reverse("proposals:book_submit", args=[book.pk]), follow=True)
    assert "建议书已报送国家发展改革委、科技部。" in page.content.decode()
    book.refresh_from_db()
    assert book.state == "submitted"


def test_confirm_button_sends_the_version_read_and_a_newer_version_is_not_confirmed(
    client, cycle, region_a_drc, region_a_scitech
):
    book = fp.make_book(cycle, region_a_drc)
    client.force_login(region_a_scitech)
    page = client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert f'<input type="hidden" name="version" value="{book.version}">' in page
    p = book.proposals.first()
    services.proposal_update(
        proposal=p,
        revision=p.revision,
        fields={"title": "读后才改的标题"},
        results=fp.RESULTS,
        by=region_a_drc,
    )
    page = client.post(
        reverse("proposals:book_sign", args=[book.pk]), {"version": str(book.version)}, follow=True
    )
    assert [str(m) for m in page.context["messages"]] == [
        f"建议书在您查看后已被修改（您看到的是第{book.version}版，现为第{book.version + 1}版），本次确认未生效。"
        "请查看最新内容后再确认联合报送。"
    ]
    book.refresh_from_db()
    assert book.scitech_signed_by is None


def test_reviewer_returns_and_grants_an_extension_from_the_page(
    client, cycle, region_a_drc, region_a_scitech, reviewer
):
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    client.force_login(reviewer)
    page = client.post(
        reverse("proposals:book_return", args=[book.pk]), {"reason": "请补充测算依据"}, follow=True
    )
    assert "已退回修改。" in page.content.decode()
    until = cycle.proposal_deadline + datetime.timedelta(days=5)
    page = client.post(
        reverse("proposals:book_extend", args=[book.pk]),
        {"until": until.isoformat(), "reason": "补充材料"},
        follow=True,
    )
    assert "已批准浙江省延期至" in page.content.decode()
    client.force_login(region_a_drc)
    html = client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert "请补充测算依据" in html and "已延期" in html


def _inbox_queries(client, django_assert_max_num_queries, n):
    with django_assert_max_num_queries(12) as ctx:
        assert client.get(reverse("proposals:inbox")).status_code == 200
    return len(ctx.captured_queries)


def test_inbox_query_count_does_not_grow_with_books(client, cycle, reviewer, django_assert_max_num_queries):
    codes = ["330000", "320000", "440000"]
    client.force_login(reviewer)
    users = [
        (f.regional_user(c, OrgKind.REGIONAL_DRC), f.regional_user(c, OrgKind.REGIONAL_SCITECH))
        for c in codes
    ]
    fp.submitted_book(cycle, *users[0])
    one = _inbox_queries(client, django_assert_max_num_queries, 1)
    for drc, scitech in users[1:]:
        fp.submitted_book(cycle, drc, scitech)
    three = _inbox_queries(client, django_assert_max_num_queries, 3)
    assert one == three


def test_book_page_query_count_does_not_grow_with_proposals(
    client, cycle, region_a_drc, django_assert_max_num_queries
):
    book = fp.make_book(cycle, region_a_drc, n=1)
    client.force_login(region_a_drc)
    url = reverse("proposals:book_detail", args=[book.pk])
    with django_assert_max_num_queries(40) as one:
        client.get(url)
    for i in range(2):
        services.proposal_create(
            book=book, fields=fp.proposal_fields(i + 5), results=fp.RESULTS, by=region_a_drc
        )
    with django_assert_max_num_queries(40) as three:
        client.get(url)
    assert len(one.captured_queries) == len(three.captured_queries)


def test_dashboard_panel_shows_the_book_status(client, cycle, region_a_drc, region_a_scitech, reviewer):
    fp.signed_book(cycle, region_a_drc, region_a_scitech)
    client.force_login(region_a_drc)
    html = client.get(reverse("dashboard")).content.decode()
    assert "已联合确认，待报送" in html and "3 项举措（要求 3—5 项）" in html


def test_reviewer_extends_a_region_whose_draft_is_not_submitted(client, cycle, region_a_drc, reviewer):
    from reform_portal.services import deadline_for

    fp.make_book(cycle, region_a_drc)
    client.force_login(reviewer)
    url = reverse("proposals:region_extend", args=["330000"])
    page = client.post(
        url, {"until": (cycle.proposal_deadline - datetime.timedelta(days=1)).isoformat(), "reason": "x"}
    )
    assert page.context["form"].errors["until"] == ["延长日期不能早于原截止日期。"]
    until = cycle.proposal_deadline + datetime.timedelta(days=7)
    page = client.post(url, {"until": until.isoformat(), "reason": "受灾延误"}, follow=True)
    assert "已批准浙江省延期至" in page.content.decode()
    assert deadline_for(cycle, region_a_drc.region, "proposal") == cycle.closes_at(
        "proposal"
    ) + datetime.timedelta(days=7)
    client.force_login(region_a_drc)
    assert client.get(url).status_code == 403


def test_the_reviewers_inbox_shows_the_extensions_granted(client, cycle, reviewer, region_a_drc):
    """Bug: extensions did not show in the reviewers' inbox (nobody could see who may still file late)."""
    from reform_portal.enums import Stage
    from reform_portal.services import extension_grant

    until = cycle.proposal_deadline + datetime.timedelta(days=7)
    extension_grant(
        cycle=cycle,
        region=region_a_drc.region,
        stage=Stage.PROPOSAL,
        until=until,
        reason="材料补充",
        by=reviewer,
    )
    client.force_login(reviewer)
    page = client.get(reverse("proposals:inbox") + f"?year={cycle.year}")
    rows = {r["region"].code: r for r in page.context["rows"]}
    assert rows["330000"]["extension"].until == until and rows["320000"]["extension"] is None
    html = page.content.decode()
    assert html.count('data-testid="extension"') == 1
    assert f"已延期至{until.year}年{until.month}月{until.day}日" in html


def test_the_book_page_reads_the_users_permissions_of_the_book_once(client, cycle, region_a_drc):
    """建议书页面 (issue 19): four rules ask guardian about one book; its permissions are read once (one query: the
    user's own rows UNION the groups'), not eight times."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    book = fp.make_book(cycle, region_a_drc)
    client.force_login(region_a_drc)
    url = reverse("proposals:book_detail", args=[book.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert sum('FROM "auth_permission"' in q["sql"] for q in ctx.captured_queries) == 1


def test_the_book_page_names_both_signers_and_the_submitter(client, cycle, region_a_drc, region_a_scitech):
    """The signers and the submitter are read in one query of their names (issue 19: no longer three joins of the
    user table); the page still prints who confirmed and who reported."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    client.force_login(region_a_drc)
    url = reverse("proposals:book_detail", args=[book.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    assert f"{region_a_drc.full_name} " in html and f"{region_a_scitech.full_name} " in html
    assert f"（{region_a_drc.full_name}）" in html  # 报送时间 …（报送人）
    user_reads = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "reform_portal_user"')
    ]
    assert len(user_reads) == 2  # the session's user, then the three names in one


def test_the_inbox_reads_its_books_columns_only_and_its_export_no_book_relation(
    client, cycle, reviewer, region_a_drc, region_a_scitech
):
    """Issue 19: the inbox's books are read without joining their year or region (the page has both) and without
    the columns it does not print; the XLSX export of the same rows (state, late or not, returned) reads nothing
    more per book."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("proposals:inbox")).content.decode()
    [books] = [q["sql"] for q in page.captured_queries if 'FROM "proposals_proposalbook"' in q["sql"]]
    assert "JOIN" not in books.split(" WHERE ")[0].replace('LEFT OUTER JOIN "proposals_measureproposal"', "")
    assert '"proposals_proposalbook"."summary"' not in books and '"proposals_proposalbook"."state"' in books
    assert 'data-region="330000"' in html and "已报送" in html
    with CaptureQueriesContext(connection) as export:
        response = client.get(reverse("proposals:inbox_xlsx"))
    assert response.status_code == 200
    assert len(export.captured_queries) <= len(page.captured_queries)  # no query per book (is_late, state)

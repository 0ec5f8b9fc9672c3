"""The catalog pages: query counts, navigation, the public list (page, PDF, XLSX), optimistic locking,
pagination."""

import hashlib
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pdfplumber
import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from catalog import services
from catalog.models import Measure
from tests.factories import ended_proposals

from .. import factories as f
from ..model_counts import models_built
from ..pagination_scenarios import _ids, _link, _login, _queries, pages
from ..reform_portal.scenarios import _assert_refused, _loaded
from . import scenarios as fc

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------------------
# Query counts of every catalog list page with 1 and with 3 items (an N+1 fails here), and the pages'
# navigation.


def _count(client, url, django_assert_max_num_queries, limit=30):
    client.get(url)  # warm the per-process caches (content types, permissions) first
    with django_assert_max_num_queries(limit) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def proposals(cycle):
    books = fc.two_region_books(cycle)
    zj = list(books["330000"][0].proposals.order_by("position"))
    js = list(books["320000"][0].proposals.order_by("position"))
    return [zj[0], js[0], zj[1], js[1], zj[2], js[2]]


def _merge(cycle, reviewer, proposals, n):
    return [fc.measure_from(cycle, reviewer, [p], title=f"举措{i}") for i, p in enumerate(proposals[:n])]


def test_merge_page(client, cycle, reviewer, django_assert_max_num_queries):
    cache.clear()
    fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS)
    client.force_login(reviewer)
    url = reverse("catalog:merge")
    one = _count(client, url, django_assert_max_num_queries)
    fc.submitted_region_book(cycle, "320000", fc.JS_ITEMS)
    fc.submitted_region_book(cycle, "440000", fc.TOPICS[:3])
    three = _count(client, url, django_assert_max_num_queries)
    assert one == three


def test_merge_page_with_outcomes(client, cycle, reviewer, proposals, django_assert_max_num_queries):
    client.force_login(reviewer)
    url = reverse("catalog:merge")
    _merge(cycle, reviewer, proposals, 1)
    services.proposal_reject(proposal=proposals[5], reason="理由", by=reviewer)
    one = _count(client, url, django_assert_max_num_queries)
    _merge(cycle, reviewer, proposals[1:], 2)
    services.proposal_reject(proposal=proposals[4], reason="理由", by=reviewer)
    assert _count(client, url, django_assert_max_num_queries) == one


def test_measures_page(client, cycle, reviewer, expert, proposals, django_assert_max_num_queries):
    client.force_login(reviewer)
    url = reverse("catalog:measures")
    [m] = _merge(cycle, reviewer, proposals, 1)
    fc.score(services.expert_assign(measure=m, expert=expert, by=reviewer), expert)
    one = _count(client, url, django_assert_max_num_queries)
    for m in _merge(cycle, reviewer, proposals[1:], 2):
        fc.score(services.expert_assign(measure=m, expert=expert, by=reviewer), expert)
    assert _count(client, url, django_assert_max_num_queries) == one


def test_measure_detail_page(client, cycle, reviewer, expert, proposals, django_assert_max_num_queries):
    client.force_login(reviewer)
    [m] = _merge(cycle, reviewer, proposals, 1)
    url = reverse("catalog:measure_detail", args=[m.pk])
    fc.score(services.expert_assign(measure=m, expert=expert, by=reviewer), expert)
    one = _count(client, url, django_assert_max_num_queries, 40)
    services.measure_add_sources(measure=m, proposals=proposals[1:3], by=reviewer)
    for code in ("440000", "510000"):
        e = fc.expert_in(code)
        fc.score(services.expert_assign(measure=m, expert=e, by=reviewer), e)
    assert _count(client, url, django_assert_max_num_queries, 40) == one


def test_my_reviews_page(client, cycle, reviewer, expert, proposals, django_assert_max_num_queries):
    client.force_login(expert)
    url = reverse("catalog:my_reviews")
    measures = _merge(cycle, reviewer, proposals, 3)
    services.expert_assign(measure=measures[0], expert=expert, by=reviewer)
    one = _count(client, url, django_assert_max_num_queries)
    for m in measures[1:]:
        services.expert_assign(measure=m, expert=expert, by=reviewer)
    assert len(client.get(url).context["reviews"]) == 3
    assert _count(client, url, django_assert_max_num_queries) == one


def test_lists_consultations_and_public_pages(
    client, cycle, reviewer, liaison, proposals, django_assert_max_num_queries
):
    measures = _merge(cycle, reviewer, proposals, 1)
    urls = {}

    def round_of_consultation():
        draft = services.list_draft(cycle=cycle, by=reviewer)
        [c] = services.consultation_send(measure_list=draft, ministries=[liaison.organization], by=reviewer)
        for m in measures:
            services.opinion_give(consultation=c, measure=m, stance="revise", text="意见", by=liaison)
        ended_proposals(draft.cycle)
        services.list_publish(measure_list=draft, by=reviewer)
        return draft, c

    v1, c1 = round_of_consultation()
    v2, _c2 = round_of_consultation()  # so that the public page has a previous version to diff against

    def counts():
        client.force_login(reviewer)
        result = [
            _count(client, reverse("catalog:lists"), django_assert_max_num_queries),
            _count(client, reverse("catalog:list_manage", args=[v1.pk]), django_assert_max_num_queries),
        ]
        client.force_login(liaison)
        result += [
            _count(client, reverse("catalog:consultations"), django_assert_max_num_queries),
            _count(client, reverse("catalog:consultation", args=[c1.pk]), django_assert_max_num_queries),
        ]
        client.logout()
        result.append(_count(client, urls["public"], django_assert_max_num_queries))
        return result

    urls["public"] = reverse("catalog:public_list", args=[v2.pk])
    one = counts()
    measures += _merge(cycle, reviewer, proposals[1:], 2)
    v3, _c3 = round_of_consultation()
    urls["public"] = reverse("catalog:public_list", args=[v3.pk])
    assert len(v3.entries.all()) == 3
    assert counts() == one


def test_reviewer_navigation_and_dashboard(client, reviewer, cycle):
    client.force_login(reviewer)
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("catalog:merge")}"' in html
    assert f'href="{reverse("catalog:lists")}"' in html


def test_expert_and_liaison_dashboards_link_their_pages(client, expert, liaison, cycle):
    client.force_login(expert)
    assert f'href="{reverse("catalog:my_reviews")}"' in client.get(reverse("dashboard")).content.decode()
    client.force_login(liaison)
    assert f'href="{reverse("catalog:consultations")}"' in client.get(reverse("dashboard")).content.decode()


# ------------------------------------------------------------------------------------------------------------
# The published list: a public page, PDF and XLSX.


@pytest.fixture
def published(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    js = list(books["320000"][0].proposals.order_by("position"))
    fc.measure_from(cycle, reviewer, [zj, js[0]])
    fc.measure_from(
        cycle,
        reviewer,
        [js[1]],
        title="组建产业链创新联合体<b>",
        area="core_tech",
        description='=HYPERLINK("x") 链主企业牵头组建创新联合体。',
        goals="",
        authority_level="provincial",
        coordination_departments="",
    )
    return fc.published_list(cycle, reviewer)


def test_the_published_list_is_a_public_page(client, published, cycle):
    page = client.get(reverse("catalog:public_list", args=[published.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"《{cycle.year}年度全面改革创新举措清单》" in html
    assert f'data-number="{cycle.year}-01"' in html and f'data-number="{cycle.year}-02"' in html
    assert "组建产业链创新联合体&lt;b&gt;" in html and "创新联合体<b>" not in html


def test_home_links_to_the_latest_published_list(client, published):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("catalog:published")}"' in html
    assert client.get(reverse("catalog:published")).url == reverse("catalog:public_list", args=[published.pk])


def test_no_published_list_yet(client, cycle):
    page = client.get(reverse("catalog:published"))
    assert page.status_code == 200
    assert "尚未公布举措清单。" in page.content.decode()


def test_a_draft_is_not_public(client, cycle, reviewer):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    for name in ("catalog:public_list", "catalog:public_pdf", "catalog:public_xlsx"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404


def test_pdf_without_login_has_extractable_chinese_text(client, published, cycle):
    response = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    with pdfplumber.open(BytesIO(response.content)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")
        width, height = pdf.pages[0].width, pdf.pages[0].height
    assert (round(width), round(height)) == (595, 842)  # A4
    assert f"{cycle.year}-01" in text
    assert "赋予科研人员职务科技成果所有权或长期使用权" in text
    assert "组建产业链创新联合体<b>" in text  # user text stays text
    assert "国家发展改革委" in text


def test_xlsx_without_login_opens_with_the_right_rows(client, published, cycle):
    response = client.get(reverse("catalog:public_xlsx", args=[published.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="measure-list-{cycle.year}-v1.xlsx"; '
        f"filename*=UTF-8''{quote(f'{cycle.year}年度全面改革创新举措清单（第1版）.xlsx')}"
    )
    ws = load_workbook(BytesIO(response.content)).active
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0][0] == f"{cycle.year}年度全面改革创新举措清单（第1版）"
    assert rows[1] == (
        "编号",
        "举措名称",
        "改革任务领域",
        "改革内容",
        "改革目标",
        "事权层级",
        "国家协调部门",
        "建议来源地区",
    )
    assert rows[2] == (
        f"{cycle.year}-01",
        fc.MEASURE["title"],
        "促进技术要素市场体系建设",
        fc.MEASURE["description"],
        fc.MEASURE["goals"],
        "需国家层面协调",
        "财政部、教育部",
        "江苏省、浙江省",
    )
    assert rows[3][:3] == (f"{cycle.year}-02", "组建产业链创新联合体<b>", "打好关键核心技术攻坚战")
    # no formula injection, and no visible apostrophe: a string cell that Excel keeps as text when edited
    assert rows[3][3] == '=HYPERLINK("x") 链主企业牵头组建创新联合体。'
    assert (ws["D4"].data_type, ws["D4"].quotePrefix) == ("s", True)
    assert len(rows) == 4


def test_the_pdf_is_rendered_once_and_then_served_from_the_stored_file(
    client, published, django_assert_num_queries
):
    first = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    published.refresh_from_db()
    assert published.pdf.name == f"lists/{published.pk}-{published.pdf_sha256[:16]}.pdf"
    assert hashlib.sha256(first.content).hexdigest() == published.pdf_sha256
    with published.pdf.open("rb") as fh:
        assert fh.read() == first.content
    path = Path(published.pdf.path)
    stamp = path.stat().st_mtime_ns
    assert published.history.first().history_change_reason == "生成清单 PDF 文件"
    with django_assert_num_queries(1):  # the published list; no entries, no lock, no save
        second = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    assert second.content == first.content
    assert path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_the_xlsx_is_written_once_and_then_served_from_the_stored_file(
    client, published, django_assert_num_queries
):
    """公开清单 XLSX (issue 19): a published version is frozen, so its spreadsheet is written on the first download
    and stored like its PDF; later downloads read the file, whatever the list's length, and in any language."""
    url = reverse("catalog:public_xlsx", args=[published.pk])
    first = client.get(url)
    published.refresh_from_db()
    assert published.xlsx.name == f"lists/{published.pk}-{published.xlsx_sha256[:16]}.xlsx"
    assert hashlib.sha256(first.content).hexdigest() == published.xlsx_sha256
    assert published.history.first().history_change_reason == "生成清单 XLSX 文件"
    stamp = Path(published.xlsx.path).stat().st_mtime_ns
    with django_assert_num_queries(1):  # the published list; no entries, no lock, no save
        second = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert second.content == first.content
    assert second["Content-Disposition"] == first["Content-Disposition"]
    assert Path(published.xlsx.path).stat().st_mtime_ns == stamp
    Path(published.xlsx.path).write_bytes(b"PK tampered")  # a file failing its digest is written again
    again = client.get(url)
    assert load_workbook(BytesIO(again.content)).active["B3"].value == fc.MEASURE["title"]
    published.refresh_from_db()
    assert hashlib.sha256(again.content).hexdigest() == published.xlsx_sha256


def test_a_stored_pdf_that_fails_its_digest_is_rendered_again(client, published):
    client.get(reverse("catalog:public_pdf", args=[published.pk]))
    published.refresh_from_db()
    Path(published.pdf.path).write_bytes(b"%PDF-1.4 tampered")
    again = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    assert again.content.startswith(b"%PDF") and again.content != b"%PDF-1.4 tampered"
    published.refresh_from_db()
    assert hashlib.sha256(again.content).hexdigest() == published.pdf_sha256
    with published.pdf.open("rb") as fh:
        assert fh.read() == again.content


def test_a_new_version_gets_its_own_pdf(client, published, cycle, reviewer):
    first = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    fc.measure_from(
        cycle,
        reviewer,
        [cycle.proposal_books.get(region__code="330000").proposals.order_by("position")[1]],
        title="第二版新增举措",
    )
    second_version = fc.published_list(cycle, reviewer)
    assert second_version.version == 2
    second = client.get(reverse("catalog:public_pdf", args=[second_version.pk]))
    published.refresh_from_db()
    second_version.refresh_from_db()
    assert second_version.pdf.name != published.pdf.name
    assert second_version.pdf_sha256 == hashlib.sha256(second.content).hexdigest() != published.pdf_sha256
    with published.pdf.open("rb") as fh:
        assert fh.read() == first.content  # the first version's file is untouched
    with pdfplumber.open(BytesIO(second.content)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")
    assert "第二版新增举措" in text


def test_publishing_stores_the_pdf_before_anyone_asks(cycle, reviewer, django_capture_on_commit_callbacks):
    books = fc.two_region_books(cycle)
    fc.measure_from(cycle, reviewer, [books["330000"][0].proposals.order_by("position").first()])
    draft = services.list_draft(cycle=cycle, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        ended_proposals(draft.cycle)
        services.list_publish(measure_list=draft, by=reviewer, notify=False)
    draft.refresh_from_db()
    assert draft.pdf.name == f"lists/{draft.pk}-{draft.pdf_sha256[:16]}.pdf"
    with draft.pdf.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == draft.pdf_sha256


# ------------------------------------------------------------------------------------------------------------
# Two people editing the same thing: the second save is refused with who saved first and when, the second
# person's text stays on the page, and the database keeps the first save (nothing silently overwritten).


def test_two_reviewers_revising_one_measure(client, cycle, reviewer):
    books = fc.two_region_books(cycle)
    measure = fc.measure_from(cycle, reviewer, [books["330000"][0].proposals.order_by("position").first()])
    colleague = f.national_user(username="most_reviewer", full_name="科技部审核人")
    url = reverse("catalog:measure_detail", args=[measure.pk])
    other = type(client)()
    client.force_login(reviewer)
    other.force_login(colleague)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    data = {**fc.MEASURE, "reason": ""}
    assert client.post(url, {**data, "goals": "发展改革委的目标", "revision": rev_a}).status_code == 302
    page = other.post(url, {**data, "goals": "科技部的目标", "revision": rev_b})
    _assert_refused(page, reviewer, "科技部的目标", "举措")
    assert Measure.objects.get(pk=measure.pk).goals == "发展改革委的目标"


# ------------------------------------------------------------------------------------------------------------
# The long list pages are paginated (the pages and their rows: tests/pagination_scenarios.py): only one page
# of rows is loaded and shown, ?page=2 shows the rest, the GET filters survive in the page links, and the number
# of queries is the same with 1 and with 3 pages of rows.


PAGINATED = pages("catalog")


@pytest.mark.parametrize("page", PAGINATED, ids=repr)
def test_first_page_then_the_rest(client, small_pages, cycle, cast, page):
    cache.clear()
    page.make(cycle, cast, page.size + 1)
    _login(client, cast[page.who])
    url, params = reverse(page.name), page.params(cycle)
    first = client.get(url, params)
    assert first.status_code == 200
    assert len(first.context[page.key]) == page.size
    assert first.context["page"].paginator.count == page.size + 1
    assert _link(params, 2) in first.content.decode()
    second = client.get(url, {**params, "page": 2})
    assert len(second.context[page.key]) == 1
    assert _link(params, 1) in second.content.decode()
    assert len(set(_ids(first.context[page.key]) + _ids(second.context[page.key]))) == page.size + 1


@pytest.mark.parametrize("page", [p for p in PAGINATED if p.filters], ids=repr)
def test_filters_survive_in_the_page_links(client, small_pages, cycle, cast, page):
    cache.clear()
    page.make(cycle, cast, page.size + 1)
    page.make(cycle, cast, page.size + 1)
    _login(client, cast[page.who])
    url, params = reverse(page.name), page.params(cycle, filtered=True)
    first = client.get(url, params)
    assert first.context["page"].paginator.count == page.size + 1
    assert _link(params, 2) in first.content.decode()
    second = client.get(url, {**params, "page": 2})
    assert len(second.context[page.key]) == 1
    assert client.get(url, page.params(cycle)).context["page"].paginator.count == 2 * (page.size + 1)


@pytest.mark.parametrize("page", PAGINATED, ids=repr)
def test_queries_do_not_grow_with_pages(client, small_pages, cycle, cast, page):
    cache.clear()
    url, params = reverse(page.name), page.params(cycle)
    page.make(cycle, cast, page.size)
    _login(client, cast[page.who])
    one, response = _queries(client, url, params)
    assert response.context["page"].paginator.num_pages == 1
    page.make(cycle, cast, 2 * page.size)
    three, response = _queries(client, url, params)
    assert response.context["page"].paginator.num_pages == 3
    assert one == three


# ------------------------------------------------------------------------------------------------------------
# The year's first publication starts 揭榜: it goes through the year page's confirmation, never around it.


def test_a_first_version_posted_directly_to_publish_goes_to_the_years_confirmation(client, cycle, reviewer):
    from catalog.models import MeasureList
    from reform_portal.models import ReformCycle

    books = fc.two_region_books(cycle)
    fc.measure_from(cycle, reviewer, [books["330000"][0].proposals.order_by("position").first()])
    ended_proposals(cycle)  # 结束征集: the year is in 制定清单
    draft = services.list_draft(cycle=cycle, by=reviewer)
    client.force_login(reviewer)

    response = client.post(reverse("catalog:publish", args=[draft.pk]), follow=True)

    confirm = reverse("cycle_action", args=[cycle.year, "publish_list"])
    assert response.redirect_chain == [(confirm, 302)]
    assert "首次公布本年度清单即开始揭榜，请核对未办结事项后确认公布。" in response.content.decode()
    assert not MeasureList.objects.get(pk=draft.pk).is_published
    assert ReformCycle.objects.get(pk=cycle.pk).state == "review"

    # The confirmation publishes it and the year moves to 悬榜揭榜; a later version is published from its page.
    response = client.post(confirm, {"reason": "已核对", "confirmed": "True"})
    assert response.status_code == 302
    assert MeasureList.objects.get(pk=draft.pk).is_published
    assert ReformCycle.objects.get(pk=cycle.pk).state == "bidding"


# The merge page's rows as the template wrote them before they were built in Python (issue 19).
_MERGE_ROW_TEMPLATE = """{% load i18n %}{% for row in rows %}{% with p=row.proposal %}
          <tr id="proposal-{{ p.pk }}" data-proposal="{{ p.pk }}" data-state="{{ row.state }}">
            <td>{% if row.state == "open" %}<input type="checkbox" name="proposals" value="{{ p.pk }}" form="merge-form" aria-label="{% translate '选择' %} {{ p.title }}"{% if p.pk in selected %} checked{% endif %}>{% endif %}</td>
            <td>{{ p.book.region.name }}</td>
            <td>{{ p.get_area_display|default:"—" }}</td>
            <td><strong data-testid="proposal-title">{{ p.title }}</strong><div class="muted">{{ p.content|truncatechars:80 }}</div>{% if row.earlier %}<div data-testid="earlier-mark" class="muted">{% blocktranslate with y=row.earlier.year n=row.earlier.number t=row.earlier.title %}与{{ y }}年度清单 {{ n }}“{{ t }}”相近{% endblocktranslate %}</div>{% endif %}</td>
            <td>{% if row.state == "merged" %}<span class="badge submitted">{% translate "已合并" %}</span> <a href="{% url 'catalog:measure_detail' row.source.measure_id %}">{{ row.source.measure.title }}</a>
            {% elif row.state == "rejected" %}<span class="badge returned">{% translate "未采纳" %}</span> <span class="muted">{{ row.rejection.reason }}</span>
            {% else %}<span class="badge">{% translate "待处理" %}</span>{% endif %}</td>
            <td><ol class="similar" data-testid="similar">{% for other in row.similar %}<li><a href="?year={{ cycle.year }}&amp;region={{ other.region_code }}#proposal-{{ other.pk }}">{{ other.region_name }}·{{ other.title }}</a> <span class="muted">（{{ other.score|floatformat:2 }}）</span> <a href="{% url 'catalog:merge_compare' %}?year={{ cycle.year }}&amp;a={{ p.pk }}&amp;b={{ other.pk }}">{% translate "对照" %}</a></li>{% empty %}<li class="muted">{% translate "无" %}</li>{% endfor %}</ol></td>
            <td>{% if row.state == "open" %}
              <form method="post" action="{% url 'catalog:reject' p.pk %}">{% csrf_token %}<label class="muted" for="reason-{{ p.pk }}">{% translate "未采纳理由" %}</label><textarea id="reason-{{ p.pk }}" name="reason" rows="2" required></textarea><button type="submit">{% translate "标记未采纳" %}</button></form>
            {% elif row.state == "rejected" %}
              <form method="post" action="{% url 'catalog:unreject' p.pk %}">{% csrf_token %}<button type="submit">{% translate "撤销未采纳" %}</button></form>
            {% endif %}</td>
          </tr>{% endwith %}
        {% endfor %}"""


def test_merge_rows_are_the_template_markup(client, cycle, reviewer, proposals):
    """合并同类项 (issue 19): the rows are built in Python from columns; every state (open and selected, open, merged,
    rejected), the similar proposals, the earlier year's mark, an area outside the choices, no area and hostile text
    give exactly what the template gave from the proposals' models."""
    from django.template import engines

    from catalog import fragments, selectors
    from proposals.models import MeasureProposal
    from reform_portal.models import Region

    hostile = '<script>alert("x")</script>&\'甲'
    MeasureProposal.objects.filter(pk__in=[p.pk for p in proposals[:3]]).update(
        title=hostile, content=hostile * 9
    )
    MeasureProposal.objects.filter(pk=proposals[3].pk).update(area="<b>&\"'甲")  # no choice: shown as it is
    MeasureProposal.objects.filter(pk=proposals[4].pk).update(area="")
    Region.objects.filter(code="330000").update(name="<b>\"浙&'江")
    [measure] = _merge(cycle, reviewer, proposals, 1)
    Measure.objects.filter(pk=measure.pk).update(title=hostile)
    services.proposal_reject(proposal=proposals[5], reason=hostile, by=reviewer)
    rows = selectors.merge_rows(
        cycle, selectors.merge_row_values(selectors.merge_proposals(cycle).order_by("pk"))
    )
    assert {row["state"] for row in rows} == {"open", "merged", "rejected"}
    rows[1]["earlier"] = {"year": 2025, "number": "3", "title": hostile}
    rows[2]["similar"] = [
        {
            "pk": proposals[3].pk,
            "title": hostile,
            "region_code": "32&0000",
            "region_name": hostile,
            "score": 0.8765,
        },
        {
            "pk": proposals[4].pk,
            "title": "二",
            "region_code": "320000",
            "region_name": "江苏省",
            "score": 0.5,
        },
        {"pk": proposals[4].pk, "title": "三", "region_code": "3", "region_name": "江苏省", "score": 0.125},
    ]
    rows[3]["similar"] = []
    # the rows as the template read them: each proposal's model with its book's region, source and rejection
    models = MeasureProposal.objects.select_related("book__region", "measure_source__measure", "rejection")
    template_rows = []
    for row in rows:
        p = models.get(pk=row["pk"])
        source, rejection = getattr(p, "measure_source", None), getattr(p, "rejection", None)
        assert row["state"] == ("merged" if source else ("rejected" if rejection else "open"))
        template_rows.append({**row, "proposal": p, "source": source, "rejection": rejection})
    selected = [rows[1]["pk"]]
    token = "T" * 64
    expected = (
        engines["django"]
        .from_string(_MERGE_ROW_TEMPLATE)
        .render({"rows": template_rows, "cycle": cycle, "selected": selected, "csrf_token": token})
    )
    built = "".join(
        row["html"]
        for row in fragments.merge_rows(rows, year=cycle.year, selected=selected, csrf_token=token)
    )
    assert built == expected
    assert (
        "<script>" not in built and "&lt;script&gt;" in built and "（0.88）" in built and "（0.13）" in built
    )

    client.force_login(reviewer)
    page = client.get(reverse("catalog:merge"), {"year": cycle.year}).content.decode()
    assert "<script>alert" not in page
    assert page.count('<tr id="proposal-') == len(rows)
    assert 'data-state="rejected"' in page and 'data-state="merged"' in page
    assert 'name="csrfmiddlewaretoken"' in page.split('data-state="open"')[1]


def test_merge_pages_drop_downs_are_the_template_markup(client, cycle, reviewer, proposals):
    """合并同类项's 地区 filter and 合并到已有举措 options are written in Python (issue 19), exactly as the template loops
    wrote them: hostile names escaped, the filtered region selected, in the same order."""
    from django.template import engines

    from reform_portal.models import Region

    hostile = '<script>alert("x")</script>&\'甲'
    measures = _merge(cycle, reviewer, proposals, 2)
    Measure.objects.filter(pk=measures[0].pk).update(title=hostile)
    Region.objects.filter(code="320000").update(name="<b>\"江&'苏")
    client.force_login(reviewer)
    with models_built(Measure, Region) as built:
        page = client.get(reverse("catalog:merge"), {"year": cycle.year, "region": "330000"}).content.decode()
    # the options are columns, not models (the rows too: test_the_merge_page_builds_no_models_for_its_rows)
    assert page.count('<tr id="proposal-') and built == [Measure]  # the merge form's blank instance
    old = engines["django"].from_string(
        '<select name="region"><option value="">全部</option>{% for r in regions %}<option value="{{ r.code }}"'
        "{% if r.code == region %} selected{% endif %}>{{ r.name }}</option>{% endfor %}</select>"
        '<option value="">新建举措</option>{% for m in measures %}<option value="{{ m.pk }}">{{ m.title }}</option>'
        "{% endfor %}</select>"
    )
    regions_html, measures_html = old.render(
        {
            "regions": Region.objects.filter(active=True).order_by("code"),
            "region": "330000",
            "measures": Measure.objects.filter(cycle=cycle).order_by("position", "pk"),
        }
    ).split("</select>")[:2]
    assert regions_html in page and measures_html in page
    assert '<option value="330000" selected>' in page and "<script>alert" not in page and "<b>" not in page
    assert "&lt;b&gt;&quot;江&amp;&#x27;苏" in regions_html and "&lt;script&gt;" in measures_html


def test_the_merge_page_builds_no_models_for_its_rows(client, cycle, reviewer, proposals):
    """合并同类项 (issue 19): a page's rows are read as columns (``selectors.merge_row_values``): building each
    proposal with its book, region, source, measure and rejection (≈300 models a page of 50) was ≈2 ms of the page.
    Every state is on the page and printed."""

    from catalog.models import MeasureSource, ProposalRejection
    from proposals.models import MeasureProposal, ProposalBook
    from reform_portal.models import Region

    [measure] = _merge(cycle, reviewer, proposals, 1)
    services.proposal_reject(proposal=proposals[5], reason="不在本年度范围", by=reviewer)
    client.force_login(reviewer)
    kinds = (MeasureProposal, ProposalBook, Region, MeasureSource, Measure, ProposalRejection)
    with models_built(*kinds) as built:
        page = client.get(reverse("catalog:merge"), {"year": cycle.year}).content.decode()
    assert built == [Measure]  # the merge form's (a ModelForm) blank instance
    assert page.count('<tr id="proposal-') == 6
    assert f'data-proposal="{proposals[0].pk}" data-state="merged"' in page and measure.title in page
    assert f'data-proposal="{proposals[5].pk}" data-state="rejected"' in page and "不在本年度范围" in page
    assert proposals[1].book.region.name in page and proposals[1].get_area_display() in page


def test_merge_page_reads_no_stamps_and_no_earlier_entries_when_cached(
    client, cycle, reviewer, proposals, django_assert_max_num_queries
):
    """合并同类项 (issue 19): the similarity caches' key is the proposals' digest stored with the year's figures
    (``open_items.merge_stamps``), not a read of every proposal's update time; the earlier years' entries are not
    read at all once their marks are cached (their ids and texts grow with the years), only their versions."""
    from catalog import open_items as oi
    from catalog import selectors

    from .test_merge_groups import _earlier_entry

    _earlier_entry(cycle, reviewer, title=proposals[0].title, description=proposals[0].content, number="1")
    client.force_login(reviewer)
    url = reverse("catalog:merge") + f"?year={cycle.year}"
    client.get(url)  # computes and caches both
    with django_assert_max_num_queries(30) as ctx:
        page = client.get(url).content.decode()
    assert 'data-testid="earlier-mark"' in page
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert not any('"proposals_measureproposal"."updated_at"' in sql for sql in sqls)
    assert not any('FROM "catalog_listentry"' in sql for sql in sqls)
    assert oi.merge_stamps(cycle) == selectors.proposal_stamps(cycle) != ""

"""The catalog lists' rows built in Python (issue 19): the same bytes as the template loops they replaced.

Each reference below is the old loop, copied from its template; the rows are compared on hostile text (markup,
quotes, ampersands, CR/LF line breaks) and on unknown choice values (``get_FOO_display`` prints the value)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import fragments
from catalog.models import Consultation, DepartmentOpinion, ExpertReview, ListEntry, Measure
from reform_portal.models import Organization, ReformCycle

HOSTILE = '<script>alert("x")</script>&amp;\'甲'
TEXT = "第一行<b>\r\n第二行 \"引号\" & '撇'\r第三行\n"


def _render(source, **context):
    return engines["django"].from_string("{% load i18n %}" + source).render(context)


def _entries():
    return [
        ListEntry(
            pk=1,
            number=HOSTILE,
            title=HOSTILE,
            area="core_tech",
            description=TEXT,
            goals=HOSTILE,
            authority_level="central",
            coordination_departments=HOSTILE,
            source_regions=HOSTILE,
        ),
        ListEntry(
            pk=2,
            number="2027-02",
            title="无目标",
            area="not-a-choice",
            description="一行",
            goals="",
            authority_level="<odd>",
            coordination_departments="",
            source_regions="",
        ),
    ]


_MANAGE_ENTRIES = """{% for e in entries %}<tr><td>{{ e.number }}</td><td>{{ e.title }}</td><td>{{ e.source_regions }}</td></tr>{% endfor %}"""  # noqa: E501

_MANAGE_OPINIONS = """{% for o in opinions %}<li>{{ o.consultation.ministry.name }}·{{ o.measure.title }}（{{ o.get_stance_display }}）：{{ o.text }}{% if o.response %} — {% translate "答复" %}：{{ o.response }}{% endif %}</li>{% endfor %}"""  # noqa: E501

_PUBLIC_ENTRIES = """{% for e in entries %}<tr data-number="{{ e.number }}">
        <td data-label="{% translate "编号" %}">{{ e.number }}</td><td data-label="{% translate "举措名称" %}">{{ e.title }}</td><td data-label="{% translate "改革任务领域" %}">{{ e.get_area_display }}</td>
        <td data-label="{% translate "改革内容与目标" %}">{{ e.description|linebreaksbr }}{% if e.goals %}<div class="muted">{% translate "目标" %}：{{ e.goals }}</div>{% endif %}</td>
        <td data-label="{% translate "事权层级" %}">{{ e.get_authority_level_display }}{% if e.coordination_departments %}<div class="muted">{{ e.coordination_departments }}</div>{% endif %}</td>
        <td data-label="{% translate "建议来源地区" %}">{{ e.source_regions }}</td>
      </tr>{% endfor %}"""  # noqa: E501

_CONSULTATION = """{% for row in rows %}{% with m=row.measure %}
      <h2>{{ forloop.counter }}. {{ m.title }}</h2>
      <p>{{ m.description|linebreaksbr }}</p>
      {% if m.goals %}<p class="muted">{% translate "改革目标" %}：{{ m.goals }}</p>{% endif %}
      {% if row.opinion %}<p data-testid="my-opinion">{% translate "本部门意见" %}：{{ row.opinion.get_stance_display }}{% if row.opinion.text %}（{{ row.opinion.text }}）{% endif %}{% if row.opinion.response %}<br>{% translate "答复" %}：{{ row.opinion.response }}{% endif %}</p>{% endif %}
      {% endwith %}|{% endfor %}"""  # noqa: E501

_REVIEWS = """{% for r in reviews %}<tr data-review="{{ r.pk }}">
          <td>{{ r.measure.cycle.year }}</td><td>{{ r.measure.title }}</td><td>{{ r.measure.get_area_display }}</td>
          <td>{% if r.submitted_at %}<span class="ok">{% translate "已提交" %}</span>{% else %}<span class="warn">{% translate "待论证" %}</span>{% endif %}</td>
          <td><a href="{% url 'catalog:review' r.pk %}">{% if r.submitted_at %}{% translate "查看" %}{% else %}{% translate "论证打分" %}{% endif %}</a></td>
        </tr>{% endfor %}"""  # noqa: E501


_CONSULTATION_PAGE = """{% for row in rows %}{% with m=row.measure %}
    <section class="card" id="measure-{{ m.pk }}" data-testid="consult-measure">
      <h2>{{ forloop.counter }}. {{ m.title }}</h2>
      <p>{{ m.description|linebreaksbr }}</p>
      {% if m.goals %}<p class="muted">{% translate "改革目标" %}：{{ m.goals }}</p>{% endif %}
      {% if row.opinion %}<p data-testid="my-opinion">{% translate "本部门意见" %}：{{ row.opinion.get_stance_display }}{% if row.opinion.text %}（{{ row.opinion.text }}）{% endif %}{% if row.opinion.response %}<br>{% translate "答复" %}：{{ row.opinion.response }}{% endif %}</p>{% endif %}
      {% if can_give %}<form method="post" novalidate>{% csrf_token %}<input type="hidden" name="measure" value="{{ m.pk }}">
        {{ row.form.non_field_errors }}
        <p>{{ row.form.stance.label_tag }}{{ row.form.stance }}{{ row.form.stance.errors }}</p>
        <p>{{ row.form.text.label_tag }}{{ row.form.text }}{{ row.form.text.errors }}</p>
        <button type="submit">{% translate "保存意见" %}</button></form>{% endif %}
    </section>{% endwith %}
  {% empty %}<section class="card"><p>{% translate "清单中暂无举措。" %}</p></section>{% endfor %}"""  # noqa: E501


def test_consultation_page_loop_is_the_template_markup_with_and_without_forms():
    """The page's loop (heads from Python, forms from the template) writes what the old loop wrote, forms,
    errors and the empty case included."""
    from pathlib import Path

    from django.conf import settings

    from catalog.forms import OpinionForm

    source = (Path(settings.BASE_DIR) / "templates/catalog/consultation.html").read_text()
    loop = source[source.index("{% for row in rows %}") : source.index("{% endfor %}") + len("{% endfor %}")]
    bad = OpinionForm({"m4-stance": "veto", "m4-text": HOSTILE}, prefix="m4")
    assert not bad.is_valid()
    for can_give in (True, False):
        for rows in (
            [
                {
                    "measure": Measure(pk=3, title=HOSTILE, description=TEXT, goals=HOSTILE),
                    "opinion": _opinions()[0],
                },
                {"measure": Measure(pk=4, title="乙", description="", goals=""), "opinion": None},
            ],
            [],
        ):
            for row in rows:
                row["form"] = bad if row["measure"].pk == 4 else OpinionForm(prefix=f"m{row['measure'].pk}")
            expected = _render(_CONSULTATION_PAGE, rows=rows, can_give=can_give)
            built = _render(loop, rows=fragments.consultation_heads(rows), can_give=can_give)
            assert built == expected
            if rows:
                assert "&lt;script&gt;" in built and "<script>" not in built
                assert ("veto" in built) is can_give


def _opinions():
    ministry = Organization(name=HOSTILE)
    measure = Measure(pk=7, title=HOSTILE)
    return [
        DepartmentOpinion(
            pk=1,
            consultation=Consultation(ministry=ministry),
            measure=measure,
            stance="revise",
            text=HOSTILE,
            response=HOSTILE,
        ),
        DepartmentOpinion(
            pk=2,
            consultation=Consultation(ministry=Organization(name="部")),
            measure=Measure(pk=8, title="乙"),
            stance="<unknown>",
            text="",
            response="",
        ),
    ]


def _assert_same(built, expected):
    assert str(built) == expected
    assert "<script>" not in built and "&lt;script&gt;" in built


def test_manage_rows_are_the_template_markup():
    entries, opinions = _entries(), _opinions()
    _assert_same(fragments.manage_entry_rows(entries), _render(_MANAGE_ENTRIES, entries=entries))
    values = [(o.consultation.ministry.name, o.measure.title, o.stance, o.text, o.response) for o in opinions]
    _assert_same(fragments.manage_opinion_items(values), _render(_MANAGE_OPINIONS, opinions=opinions))


def test_public_rows_are_the_template_markup():
    entries = _entries()
    built = fragments.public_entry_rows(entries)
    _assert_same(built, _render(_PUBLIC_ENTRIES, entries=entries))
    assert "<br>第二行 &quot;引号&quot; &amp; &#x27;撇&#x27;<br>第三行<br>" in built


def test_consultation_heads_are_the_template_markup():
    opinion = _opinions()[0]
    rows = [
        {"measure": Measure(pk=3, title=HOSTILE, description=TEXT, goals=HOSTILE), "opinion": opinion},
        {"measure": Measure(pk=4, title="乙", description="", goals=""), "opinion": None},
        {
            "measure": Measure(pk=5, title="丙", description="x", goals=""),
            "opinion": DepartmentOpinion(stance="agree", text="", response=""),
        },
    ]
    expected = _render(_CONSULTATION, rows=rows)
    built = "".join(row["head"] + "|" for row in fragments.consultation_heads(rows))
    _assert_same(built, expected)


def test_review_rows_are_the_template_markup():
    cycle = ReformCycle(year=2027)
    reviews = [
        ExpertReview(pk=11, measure=Measure(title=HOSTILE, area="core_tech", cycle=cycle), submitted_at=None),
        ExpertReview(
            pk=12,
            measure=Measure(title="乙", area="<odd>", cycle=cycle),
            submitted_at=datetime(2027, 3, 1, tzinfo=UTC),
        ),
    ]
    _assert_same(fragments.review_rows(reviews), _render(_REVIEWS, reviews=reviews))


@pytest.mark.django_db
def test_consultation_and_reviews_pages_load_no_sources(client, cycle, reviewer, measure, liaison, expert):
    """征求意见详情 and 专家论证任务 print no 建议来源: their measures are loaded without them (issue 19), and the
    pages still print the rows (the liaison's page with its form)."""
    from catalog import services

    services.expert_assign(measure=measure, expert=expert, by=reviewer)
    draft = services.list_draft(cycle=cycle, by=reviewer)
    [item] = services.consultation_send(measure_list=draft, ministries=[liaison.organization], by=reviewer)
    for user, url, params in [
        (expert, reverse("catalog:my_reviews"), {"year": cycle.year}),
        (liaison, reverse("catalog:consultation", args=[item.pk]), {}),
    ]:
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url, params)
        assert page.status_code == 200
        html = page.content.decode()
        assert measure.title in html
        assert not [q for q in ctx.captured_queries if "catalog_measuresource" in q["sql"]], url
    assert f'name="measure" value="{measure.pk}"' in html and f'name="m{measure.pk}-stance"' in html


@pytest.mark.django_db
def test_published_list_pages_make_no_query_per_row(client, cycle, reviewer, measure, liaison):
    """清单管理 (a published version), 征求意见详情 and 公开清单 load their rows in a fixed number of queries: a
    narrowed queryset read through a related manager would load a deferred key per row (issue 19)."""
    import re

    from catalog import services
    from tests import factories as f

    for i in range(3):
        Measure.objects.create(
            cycle=cycle,
            title=f"举措{i}",
            area="core_tech",
            description="内容",
            position=5 + i,
            created_by=reviewer,
        )
    draft = services.list_draft(cycle=cycle, by=reviewer)
    [item] = services.consultation_send(measure_list=draft, ministries=[liaison.organization], by=reviewer)
    for m in Measure.objects.filter(cycle=cycle):
        services.opinion_give(consultation=item, measure=m, stance="revise", text=HOSTILE, by=liaison)
    f.ended_proposals(cycle)
    published = services.list_publish(measure_list=draft, by=reviewer)
    for user, url in [
        (reviewer, reverse("catalog:list_manage", args=[published.pk])),
        (liaison, reverse("catalog:consultation", args=[item.pk])),
        (None, reverse("catalog:public_list", args=[published.pk])),
    ]:
        client.logout()
        if user:
            client.force_login(user)
        client.get(url)  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url)
        assert page.status_code == 200 and "举措2" in page.content.decode()
        shapes = [re.sub(r"\d+", "N", q["sql"]) for q in ctx.captured_queries]
        repeated = {s for s in shapes if shapes.count(s) > 1}
        assert not repeated, url

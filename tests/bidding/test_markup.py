"""Stage 3's long tables built in Python (issue 19): bidding.markup writes, byte for byte, what the templates'
loops wrote (the old loops are kept here as references and rendered on hostile text), and the progress figures
counted with per-task subqueries equal the ``Count(distinct)`` joins they replace."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Count, Max, Q
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from bidding import markup, selectors, services
from bidding.enums import MilestoneStatus, TaskState
from bidding.models import Milestone, ProgressReport, Target, Task
from proposals.enums import ReformArea

from . import scenarios as fb

HOSTILE = '<script>alert("x")</script>&\'甲'

# templates/bidding/progress.html's task rows before issue 19
_PROGRESS_TASK_ROWS = """{% load i18n %}{% for t in rows %}<tr data-task="{{ t.pk }}">
        <td>{{ t.region }}</td><td><a href="{% url 'bidding:task_detail' t.pk %}">{{ t.entry.title }}</a></td>
        <td>{{ t.get_state_display }}</td>
        <td>{{ t.n_done }} / {{ t.n_late }} / {{ t.n_risk }} / {{ t.n_milestones }}</td>
        <td data-testid="overdue"{% if t.n_overdue %} class="late"{% endif %}>{{ t.n_overdue }}</td>
        <td>{{ t.last_report|date:"Y-m-d"|default:"—" }}</td>
        <td data-testid="attainment">{% if t.attainment is not None %}{% widthratio t.attainment 1 100 %}%{% else %}—{% endif %}</td>
        <td>{{ t.n_open_requests }}</td>
      </tr>{% endfor %}"""

# … and its per-region rows
_PROGRESS_REGION_ROWS = """{% for r in regions %}<tr data-region="{{ r.region.code }}"><td>{{ r.region }}</td><td>{{ r.tasks }}</td><td>{{ r.done }} / {{ r.milestones }}</td><td{% if r.overdue %} class="late"{% endif %}>{{ r.overdue }}</td></tr>{% endfor %}"""

# templates/bidding/bids.html's rows of a region with a bid set before issue 19
_BID_ROWS = """{% load i18n %}{% for row in rows %}<tr data-entry="{{ row.entry.number }}">
          <td>{{ row.entry.number }}</td>
          <td><strong>{{ row.entry.title }}</strong><div class="muted">{{ row.entry.description|truncatechars:120 }}</div></td>
          <td>{{ row.entry.get_area_display }}</td>
          <td>{% if row.bid %}<span class="ok">{% translate "已揭榜" %}</span><div class="muted">{{ row.bid.approach|truncatechars:60 }}</div><div class="muted">{% translate "联系人" %}：{{ row.bid.contact_name }} {{ row.bid.contact_phone }}</div>{% else %}—{% endif %}</td>
          {% if show_counts %}<td data-testid="entry-count">{{ row.count }}</td>{% endif %}
          <td>{% if editable %}
            <a class="button" href="{% url 'bidding:bid_edit' row.entry.pk %}">{% if row.bid %}{% translate "修改" %}{% else %}{% translate "揭榜" %}{% endif %}</a>
            {% if row.bid %}<form method="post" action="{% url 'bidding:bid_delete' row.entry.pk %}" class="inline">{% csrf_token %}<button type="submit" class="danger">{% translate "取消揭榜" %}</button></form>{% endif %}
          {% endif %}</td>
        </tr>{% endfor %}"""

# … and of a year the region did not bid in
_BID_LIST_ROWS = """{% for row in rows %}<tr data-entry="{{ row.entry.number }}"><td>{{ row.entry.number }}</td><td>{{ row.entry.title }}</td><td>{{ row.entry.get_area_display }}</td>{% if show_counts %}<td data-testid="entry-count">{{ row.count }}</td>{% endif %}</tr>{% endfor %}"""


def _render(source, **context):
    return engines["django"].from_string(source).render(context)


class _Named(SimpleNamespace):
    def __str__(self):
        return self.name


def _task(pk, state, **values):
    return SimpleNamespace(
        pk=pk,
        state=state,
        get_state_display=lambda: TaskState(state).label,
        region=_Named(name=HOSTILE, code=HOSTILE),
        entry=SimpleNamespace(title=f"{HOSTILE} 任务{pk}"),
        **values,
    )


def test_progress_rows_are_the_template_markup_on_hostile_text():
    figures = {"n_done": 1, "n_late": 2, "n_risk": 0, "n_milestones": 5, "n_open_requests": 3}
    tasks = [
        _task(7, TaskState.PLANNING, n_overdue=0, last_report=None, attainment=None, **figures),
        _task(
            12,
            TaskState.IN_PROGRESS,
            n_overdue=2,
            last_report=datetime.date(2027, 3, 9),
            attainment=0.125,
            **figures,
        ),
        _task(
            123456,
            TaskState.IN_PROGRESS,
            n_overdue=1,
            last_report=datetime.date(2027, 12, 31),
            attainment=0.255,
            **figures,
        ),
        _task(9, TaskState.IN_PROGRESS, n_overdue=0, last_report=None, attainment=1.0, **figures),
        _task(10, TaskState.IN_PROGRESS, n_overdue=0, last_report=None, attainment=0.0, **figures),
        _task(11, TaskState.IN_PROGRESS, n_overdue=0, last_report=None, attainment=0.335, **figures),
    ]
    expected = _render(_PROGRESS_TASK_ROWS, rows=tasks)
    built = "".join(t.row_html for t in markup.progress_task_rows(tasks))
    assert built == expected
    # 12.5 → 12 (round half to even, as widthratio)
    assert "<script>" not in built and "&lt;script&gt;" in built and "12%" in built
    regions = [
        {"region": _Named(name=HOSTILE, code=HOSTILE), "tasks": 3, "milestones": 9, "done": 4, "overdue": 0},
        {
            "region": _Named(name="浙江省", code="330000"),
            "tasks": 1,
            "milestones": 2,
            "done": 0,
            "overdue": 2,
        },
    ]
    expected = _render(_PROGRESS_REGION_ROWS, regions=regions)
    assert "".join(r["row_html"] for r in markup.progress_region_rows(regions)) == expected


def _entry(pk, number, area, description):
    return SimpleNamespace(
        pk=pk,
        number=number,
        title=f"{HOSTILE}{number}",
        area=area,
        description=description,
        get_area_display=lambda: ReformArea(area).label,
    )


def test_bid_rows_are_the_template_markup_on_hostile_text():
    # past both cuts, with combining marks (truncatechars does not count them)
    long = HOSTILE * 20 + "e\u0301" * 130
    entries = [
        _entry(3, "2027-01", ReformArea.values[0], long),
        _entry(45, f"2027-02{HOSTILE}", ReformArea.values[-1], HOSTILE),
        _entry(678, "2027-03", ReformArea.values[1], ""),
    ]
    bid = SimpleNamespace(approach=long, contact_name=HOSTILE, contact_phone="0571-1 & <2>")
    rows = [
        {"entry": entries[0], "bid": bid, "count": 4},
        {"entry": entries[1], "bid": None, "count": 0},
        {
            "entry": entries[2],
            "bid": SimpleNamespace(approach="", contact_name="", contact_phone=""),
            "count": 31,
        },
    ]
    token = "tok3n-abc"
    for show_counts in (False, True):
        for editable in (False, True):
            expected = _render(
                _BID_ROWS, rows=rows, show_counts=show_counts, editable=editable, csrf_token=token
            )
            built = markup.bid_rows(
                [dict(r) for r in rows],
                show_counts=show_counts,
                editable=editable,
                csrf_token=token if editable else "",
            )
            assert "".join(r["row_html"] for r in built) == expected, (show_counts, editable)
            expected = _render(_BID_LIST_ROWS, rows=rows, show_counts=show_counts)
            built = markup.bid_list_rows([dict(r) for r in rows], show_counts=show_counts)
            assert "".join(r["row_html"] for r in built) == expected
    assert "<script>" not in expected and "&lt;script&gt;" in expected


def _old_progress_rows(tasks, today):
    """``selectors.progress_rows`` before issue 19: Count(distinct) over the joined relations."""
    overdue = Q(milestones__due_date__lt=today) & ~Q(milestones__status=MilestoneStatus.DONE)
    return tasks.annotate(
        n_milestones=Count("milestones", distinct=True),
        n_done=Count("milestones", filter=Q(milestones__status=MilestoneStatus.DONE), distinct=True),
        n_late=Count("milestones", filter=Q(milestones__status=MilestoneStatus.LATE), distinct=True),
        n_risk=Count("milestones", filter=Q(milestones__status=MilestoneStatus.AT_RISK), distinct=True),
        n_overdue=Count("milestones", filter=overdue, distinct=True),
        last_report=Max("reports__period_end"),
        n_open_requests=Count(
            "coordination_requests", filter=Q(coordination_requests__answered_at__isnull=True), distinct=True
        ),
    ).order_by("pk")


FIGURES = ["n_milestones", "n_done", "n_late", "n_risk", "n_overdue", "last_report", "n_open_requests"]


def test_progress_figures_counted_per_task_equal_the_joined_counts(client, bcycle, entries, reviewer):
    drc, scitech = fb.region_pair("330000")
    tasks = fb.allocated(bcycle, reviewer, drc, scitech, entries[:4])
    for t in tasks[:3]:
        fb.confirmed_plan(t, drc, milestones=3)
    today = timezone.localdate()
    first, second, _third, _empty = tasks
    milestones = list(Milestone.objects.filter(task=first).order_by("pk"))
    Milestone.objects.filter(pk=milestones[0].pk).update(
        status=MilestoneStatus.DONE, due_date=today - datetime.timedelta(days=9)
    )
    Milestone.objects.filter(pk=milestones[1].pk).update(
        status=MilestoneStatus.LATE, due_date=today - datetime.timedelta(days=2)
    )
    Milestone.objects.filter(pk=milestones[2].pk).update(status=MilestoneStatus.AT_RISK)
    for days in (40, 10, 25):  # several reports × milestones × requests: the joins multiplied them
        ProgressReport.objects.create(
            task=first, period_end=today - datetime.timedelta(days=days), narrative="进展", submitted_by=drc
        )
    ProgressReport.objects.create(task=second, period_end=today, narrative="进展", submitted_by=drc)
    for i in range(3):
        services.coordination_raise(task=first, subject=f"事项{i}", detail="内容", by=drc)
    request = services.coordination_raise(task=second, subject="事项", detail="内容", by=drc)
    type(request).objects.filter(pk=request.pk).update(answered_at=timezone.now())
    Target.objects.filter(task=first).update(latest_actual=Decimal("25"))
    Target.objects.create(
        task=first,
        indicator="二",
        unit="项",
        baseline=Decimal("10"),
        target=Decimal("10"),
        latest_actual=Decimal("10"),
    )
    Target.objects.create(task=second, indicator="三", unit="项", baseline=Decimal("0"), target=Decimal("8"))

    tasks_qs = selectors.progress_tasks(bcycle)
    new = {t.pk: t for t in selectors.with_attainment(selectors.progress_rows(tasks_qs, today=today))}
    old = list(_old_progress_rows(Task.objects.filter(cycle=bcycle), today))
    assert len(new) == len(old) == 4
    for t in old:
        assert [getattr(new[t.pk], k) for k in FIGURES] == [getattr(t, k) for k in FIGURES]
        values = [a for a in (tg.attainment for tg in t.targets.all()) if a is not None]
        assert new[t.pk].attainment == (sum(values) / len(values) if values else None)
    assert (new[first.pk].n_milestones, new[first.pk].n_open_requests, new[first.pk].attainment) == (
        3,
        3,
        0.625,
    )
    assert new[second.pk].n_open_requests == 0 and new[second.pk].attainment is None
    listed = {t.pk: t for t in selectors.task_list(reviewer).filter(cycle=bcycle)}
    for t in old:
        assert (listed[t.pk].n_milestones, listed[t.pk].n_done, listed[t.pk].last_report) == (
            t.n_milestones,
            t.n_done,
            t.last_report,
        )
    client.force_login(reviewer)
    html = client.get(reverse("bidding:progress"), {"sort": "-requests"}).content.decode()
    assert html.index(f'data-task="{first.pk}"') < html.index(f'data-task="{second.pk}"')
    assert "62%" in html  # 0.625: round half to even, as widthratio


# templates/bidding/task_detail.html's progress reports before issue 19's report_articles
_REPORTS = """{% load i18n %}{% for r in reports %}<article class="report" data-testid="report">
      <h3>{% blocktranslate with d=r.period_end|date:"Y-m-d" %}截至 {{ d }}{% endblocktranslate %} <span class="muted">{{ r.submitted_by }} {{ r.submitted_at|date:"Y-m-d H:i" }}</span></h3>
      <p>{{ r.narrative|linebreaksbr }}</p>
      <ul>{% for a in r.actual_rows %}<li>{{ a.target.indicator }}：{{ a.value }}{{ a.target.unit }}</li>{% endfor %}
        {% for u in r.update_rows %}<li>{{ u.milestone.title }}：{{ u.get_status_display }}{% if u.note %}（{{ u.note }}）{% endif %}</li>{% endfor %}</ul>
      {% for att in r.attachment_rows %}<div><a href="{% url 'bidding:report_attachment' att.pk %}">{{ att.original_name }}</a> <span class="muted">{{ att.size|filesizeformat }}</span></div>{% endfor %}
    </article>{% endfor %}"""


def test_report_articles_are_the_template_markup_on_hostile_text(
    bcycle, entries, reviewer, settings, tmp_path
):
    """揭榜任务详情's reports written in Python equal the template loop they replaced (zh-hans and en): hostile
    narrative (line breaks), indicator, unit, milestone title, note, file name and reporter escaped; a decimal and a
    file size localised; the submission time in Asia/Shanghai."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    from reform_portal.models import User

    settings.MEDIA_ROOT = tmp_path
    drc, scitech = fb.region_pair("330000")
    task = fb.allocated(bcycle, reviewer, drc, scitech, entries[:3])[0]
    services.milestone_add(task=task, fields=fb.milestone_fields(days=30, title=HOSTILE), by=drc)
    services.milestone_add(task=task, fields=fb.milestone_fields(days=60, title="节点二"), by=drc)
    services.target_add(task=task, fields=fb.target_fields(indicator=HOSTILE, unit="<i>项</i>"), by=drc)
    services.plan_confirm(task=task, by=drc)
    User.objects.filter(pk=drc.pk).update(full_name=HOSTILE)
    drc.refresh_from_db()
    ms, tg = list(task.milestones.order_by("due_date")), task.targets.get()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    for days_ago, note in ((40, HOSTILE), (3, "")):
        services.report_file(
            task=task,
            by=drc,
            period_end=timezone.localdate() - datetime.timedelta(days=days_ago),
            narrative=f"第一行{HOSTILE}\n第二行",
            actuals={tg.pk: Decimal("1234.5")},
            statuses={ms[0].pk: ("at_risk", note), ms[1].pk: ("on_track", "")},
            uploads=[SimpleUploadedFile(f"{HOSTILE}.pdf", pdf * 40)],
        )
    for language in ("zh-hans", "en"):
        with translation.override(language):
            reports = selectors.task_rows(task).reports
            expected = engines["django"].from_string(_REPORTS).render({"reports": reports})
            built = "".join(r.html for r in markup.report_articles(reports))
        assert built == expected
        assert (
            len(reports) == 2
            and "<script>" not in built
            and "第一行&lt;script&gt;" in built
            and "<br>" in built
        )

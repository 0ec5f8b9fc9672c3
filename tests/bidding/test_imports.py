"""Excel import of a task's 实施方案: milestones and targets (issue 18 §5)."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bidding import imports, services
from bidding.models import Milestone, Target

from . import scenarios as fb

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def planning(bcycle, entries, reviewer):
    drc, scitech = fb.region_pair("330000")
    task = fb.allocated(bcycle, reviewer, drc, scitech, entries[:3])[0]
    return task, drc, scitech


def _template(client, task):
    response = client.get(reverse("bidding:plan_template", args=[task.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _fill(wb, milestones=(), targets=()):
    for title, rows in ((imports.MILESTONES, milestones), (imports.TARGETS, targets)):
        ws = wb[title]
        columns = {str(c.value).lstrip("*"): c.column for c in ws[1] if c.value}
        for values in rows:
            number = ws.max_row + 1
            for label, value in values.items():
                ws.cell(row=number, column=columns[label], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _milestone(title="出台实施办法", days=90, **extra):
    row = {
        "节点": title,
        "完成时限": datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=days), datetime.time()
        ),
        "标志性成果": "省政府办公厅印发实施办法",
        "责任人": "李明",
        "职务": "处长",
        "电话": "0571-87050000",
    }
    row.update(extra)
    return row


TARGET = {"指标": "赋权成果数", "单位": "项", "基期值": 0, "目标值": 120}


def _upload(client, task, data, name="方案.xlsx"):
    page = client.get(reverse("bidding:plan_import", args=[task.pk]))
    revision = page.context["upload_form"]["revision"].value()
    return client.post(
        reverse("bidding:plan_import", args=[task.pk]),
        {"file": SimpleUploadedFile(name, data, content_type=XLSX), "revision": revision},
    )


def _confirm(client, task, preview):
    form = preview.context["confirm_form"]
    return client.post(
        reverse("bidding:plan_import", args=[task.pk]),
        {"payload": form["payload"].value(), "revision": form["revision"].value()},
    )


def _errors(response):
    plan = response.context.get("plan")
    return [str(e) for e in plan.errors] if plan else list(response.context.get("file_errors") or [])


def test_a_good_file_saves_every_milestone_and_target(client, planning):
    task, drc, _scitech = planning
    client.force_login(drc)
    data = _fill(
        _template(client, task),
        milestones=[_milestone(), _milestone("完成首批试点", days=200, 电话="13800001111")],
        targets=[TARGET, {**TARGET, "指标": "转化金额", "单位": "亿元", "目标值": 3.5}],
    )
    preview = _upload(client, task, data)
    assert _errors(preview) == []
    assert not task.milestones.exists()
    assert _confirm(client, task, preview).status_code == 302
    assert list(task.milestones.values_list("title", "responsible_phone")) == [
        ("出台实施办法", "0571-87050000"),
        ("完成首批试点", "13800001111"),
    ]
    assert [(t.indicator, str(t.target)) for t in task.targets.all()] == [
        ("赋权成果数", "120.00"),
        ("转化金额", "3.50"),
    ]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({"完成时限": "明年六月"}, "完成时限", "日期"),
        ({"完成时限": datetime.datetime(2001, 1, 1)}, "完成时限", "不能早于揭榜确认日期"),
        ({"电话": "打我电话"}, "电话", "有效的电话号码"),
        ({"责任人": "李" * 31}, "责任人", "30"),
        ({"标志性成果": "印发\U000f0000办法"}, "标志性成果", "U+F0000"),
    ],
)
def test_one_bad_milestone_saves_nothing_and_names_row_and_column(client, planning, row, column, message):
    task, drc, _scitech = planning
    client.force_login(drc)
    data = _fill(
        _template(client, task), milestones=[_milestone(), _milestone("第二个节点", **row)], targets=[TARGET]
    )
    errors = _errors(_upload(client, task, data))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"「里程碑」表第3行「{column}」："), errors
    assert message in errors[0]
    assert not Milestone.objects.filter(task=task).exists() and not Target.objects.filter(task=task).exists()


def test_a_formula_target_is_refused(client, planning):
    task, drc, _scitech = planning
    client.force_login(drc)
    data = _fill(_template(client, task), targets=[{**TARGET, "目标值": "=10*12"}])
    assert _errors(_upload(client, task, data)) == ["「量化目标」表：第2行「目标值」是公式，请填写数值或文字"]
    assert not task.targets.exists()


def test_importing_twice_updates_instead_of_duplicating(client, planning):
    task, drc, _scitech = planning
    services.milestone_add(task=task, fields=fb.milestone_fields(title="出台实施办法"), by=drc)
    client.force_login(drc)
    data = _fill(_template(client, task), targets=[TARGET])  # the template holds the milestone already
    for _round in range(2):
        preview = _upload(client, task, data)
        assert _errors(preview) == []
        assert _confirm(client, task, preview).status_code == 302
    assert task.milestones.count() == 1 and task.targets.count() == 1
    wb = _template(client, task)
    wb[imports.TARGETS]["D2"] = 150  # 目标值 of the target, changed
    preview = _upload(client, task, _fill(wb))
    assert "更新" in preview.content.decode()
    _confirm(client, task, preview)
    assert task.targets.get().target == 150


def test_a_plan_changed_since_the_preview_is_refused(client, planning):
    task, drc, scitech = planning
    client.force_login(drc)
    preview = _upload(client, task, _fill(_template(client, task), targets=[TARGET]))
    services.milestone_add(task=task, fields=fb.milestone_fields(title="别人加的节点"), by=scitech)
    response = _confirm(client, task, preview)
    assert "在预览后已被修改" in response.content.decode()
    assert not task.targets.exists()


def test_who_may_import(client, planning, region_b_drc, implementer, bcycle):
    task, drc, _scitech = planning
    client.force_login(region_b_drc)
    assert client.get(reverse("bidding:plan_import", args=[task.pk])).status_code == 404
    assert client.get(reverse("bidding:plan_template", args=[task.pk])).status_code == 404
    client.force_login(drc)
    html = client.get(reverse("bidding:task_detail", args=[task.pk])).content.decode()
    assert reverse("bidding:plan_import", args=[task.pk]) in html
    fb.confirmed_plan(task, drc)  # the plan confirmed: no more edits
    assert client.get(reverse("bidding:plan_import", args=[task.pk])).status_code == 403

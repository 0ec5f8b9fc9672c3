"""The public outcomes library: anonymous, searchable by keyword, area, region and year; drafts invisible.
Outcomes come only from recommended tasks; incentives name a region and/or unit."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evaluation import services
from evaluation.enums import IncentiveKind, OutcomeState

from . import factories as f
from . import factories_evaluation as fe

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    zj = fe.make_task(cycle, reviewer, region_code="330000", position=1)        # tech_market
    js = fe.make_task(cycle, reviewer, region_code="320000", position=2)        # core_tech
    gd = fe.make_task(cycle, reviewer, region_code="440000", position=5)        # tech_market
    c = fe.commission(cycle, reviewer, org, [zj, js, gd])
    out = {}
    for key, task, title in [("zj", zj, "职务科技成果赋权改革经验"), ("js", js, "揭榜挂帅项目组织经验"),
                             ("gd", gd, "技术转移机构市场化运营经验")]:
        fe.submitted_assessment(c, task, user)
        out[key] = services.outcome_create(task=task, values=dict(fe.OUTCOME_VALUES, title=title), by=reviewer)
    services.outcome_publish(outcome=out["zj"], by=reviewer)
    services.outcome_publish(outcome=out["js"], by=reviewer)  # gd stays unpublished
    return out


def titles(response):
    return [o.title for o in response.context["outcomes"]]


def test_anonymous_visitors_read_the_library_without_login(client, library):
    response = client.get(reverse("evaluation:library"))
    assert response.status_code == 200
    assert sorted(titles(response)) == ["揭榜挂帅项目组织经验", "职务科技成果赋权改革经验"]
    detail = client.get(reverse("evaluation:library_detail", args=[library["zj"].pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "制定赋权办法，单列管理赋权成果，建立尽职免责机制。" in html and "浙江省" in html


def test_unpublished_outcomes_are_invisible(client, library, reviewer):
    assert "技术转移机构市场化运营经验" not in client.get(reverse("evaluation:library")).content.decode()
    assert client.get(reverse("evaluation:library_detail", args=[library["gd"].pk])).status_code == 404
    services.outcome_unpublish(outcome=library["zj"], by=reviewer)
    assert titles(client.get(reverse("evaluation:library"))) == ["揭榜挂帅项目组织经验"]
    assert client.get(reverse("evaluation:library_detail", args=[library["zj"].pk])).status_code == 404


def test_search_by_area_region_year_and_keyword(client, cycle, library):
    url = reverse("evaluation:library")
    assert titles(client.get(url, {"area": "tech_market"})) == ["职务科技成果赋权改革经验"]
    assert titles(client.get(url, {"region": "320000"})) == ["揭榜挂帅项目组织经验"]
    assert titles(client.get(url, {"region": "440000"})) == []
    assert len(titles(client.get(url, {"year": cycle.year}))) == 2
    assert titles(client.get(url, {"year": cycle.year - 1})) == []
    assert titles(client.get(url, {"q": "揭榜挂帅"})) == ["揭榜挂帅项目组织经验"]
    assert titles(client.get(url, {"q": "揭榜挂帅", "area": "tech_market"})) == []


def test_home_page_links_to_the_library(client, cycle):
    assert f'href="{reverse("evaluation:library")}"' in client.get(reverse("home")).content.decode()


def test_outcome_copies_source_region_area_and_task(cycle, library):
    o = library["zj"]
    o.refresh_from_db()
    assert (o.region.code, o.area, o.cycle, o.state) == ("330000", "tech_market", cycle, OutcomeState.PUBLISHED)


def test_outcome_needs_a_recommending_submitted_assessment(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    c = fe.commission(cycle, reviewer, org, [task])
    with pytest.raises(PermissionDenied) as exc:
        services.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer)
    assert str(exc.value) == "该任务尚无已提交的评估报告。"
    fe.submitted_assessment(c, task, user, recommend=False)
    with pytest.raises(PermissionDenied) as exc:
        services.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer)
    assert str(exc.value) == "第三方评估未建议复制推广该任务。"


def test_reviewer_turns_a_recommended_task_into_an_outcome_through_the_page(client, cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    fe.submitted_assessment(fe.commission(cycle, reviewer, org, [task]), task, user)
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:outcomes"))
    assert list(page.context["candidates"]) == [task]
    response = client.post(reverse("evaluation:outcome_new", args=[task.pk]), dict(fe.OUTCOME_VALUES, title=""))
    assert response.context["form"].errors["title"] == ["这个字段是必填项。"]
    client.post(reverse("evaluation:outcome_new", args=[task.pk]), fe.OUTCOME_VALUES)
    outcome = task.__class__.objects.get(pk=task.pk).outcome
    assert outcome.state == OutcomeState.DRAFT
    client.post(reverse("evaluation:outcome_publish", args=[outcome.pk]), {"action": "publish"})
    outcome.refresh_from_db()
    assert (outcome.state, outcome.published_by) == (OutcomeState.PUBLISHED, reviewer)


def test_incentives_for_a_region_and_or_a_unit(client, cycle, reviewer):
    task = fe.make_task(cycle, reviewer)
    unit = f.OrganizationFactory(name="杭州市人民政府", kind="local_gov")
    client.force_login(reviewer)
    response = client.post(reverse("evaluation:incentives"), {"kind": "commendation", "reason": ""})
    assert response.context["form"].errors == {"reason": ["请填写激励理由。"],
                                               "region": ["请选择受激励的地区或单位（至少一项）。"]}
    client.post(reverse("evaluation:incentives"), {
        "kind": IncentiveKind.PRIORITY_SUPPORT, "region": f.region("330000").pk, "organization": unit.pk,
        "tasks": [task.pk], "reason": "改革任务完成较好，优先支持承担创新创业创造重大项目。"})
    incentive = cycle.incentives.get()
    assert (incentive.kind, incentive.region.code, incentive.organization, list(incentive.tasks.all())) == (
        IncentiveKind.PRIORITY_SUPPORT, "330000", unit, [task])
    with pytest.raises(ValidationError):
        services.incentive_create(cycle=cycle, kind=IncentiveKind.OTHER, reason="x", by=reviewer)

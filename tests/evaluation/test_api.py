"""The outcomes library and yearly results over the API (DECISIONS §18): public once published, 404 before."""

import pytest
from rest_framework.test import APIClient

from evaluation import services as es
from evaluation.enums import OutcomeState
from evaluation.models import Outcome

from . import scenarios as fe

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessed(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    commission = fe.commission(cycle, reviewer, org, [task])
    fe.submitted_assessment(commission, task, user)
    return task


def test_only_published_outcomes_are_listed_and_readable(assessed, reviewer):
    outcome = es.outcome_create(task=assessed, values=fe.OUTCOME_VALUES, by=reviewer)
    client = APIClient()
    assert client.get("/api/v1/outcomes/").json()["results"] == []
    assert client.get(f"/api/v1/outcomes/{outcome.pk}/").status_code == 404
    es.outcome_publish(outcome=outcome, by=reviewer)
    [row] = client.get("/api/v1/outcomes/").json()["results"]
    assert row["title"] == fe.OUTCOME_VALUES["title"] and row["region"] == "330000"
    assert client.get(f"/api/v1/outcomes/{outcome.pk}/").json()["id"] == outcome.pk


def test_the_library_filters_are_the_pages_and_a_wrong_value_is_400_at_its_field(assessed, reviewer):
    outcome = es.outcome_create(task=assessed, values=fe.OUTCOME_VALUES, by=reviewer)
    es.outcome_publish(outcome=outcome, by=reviewer)
    client = APIClient()
    assert len(client.get("/api/v1/outcomes/", {"q": "赋权"}).json()["results"]) == 1
    assert client.get("/api/v1/outcomes/", {"q": "不存在的词"}).json()["results"] == []
    assert client.get("/api/v1/outcomes/", {"region": "320000"}).json()["results"] == []
    bad = client.get("/api/v1/outcomes/", {"year": "abc"})
    assert bad.status_code == 400 and "year" in bad.json()
    bad = client.get("/api/v1/outcomes/", {"q": "成果\ue000"})
    assert bad.status_code == 400 and "私用区字符" in bad.json()["q"][0]


def test_results_are_404_until_an_assessment_is_submitted(cycle, reviewer):
    client = APIClient()
    assert client.get(f"/api/v1/results/{cycle.year}/").status_code == 404
    assert client.get("/api/v1/results/1999/").status_code == 404


def test_submitted_assessments_stay_404_until_the_reviewers_publish_the_results(assessed, cycle, reviewer):
    """Issue 17 §10: a submitted assessment alone does not make the year's grades public."""
    client = APIClient()
    assert client.get(f"/api/v1/results/{cycle.year}/").status_code == 404
    es.results_publish(cycle=cycle, by=reviewer)
    assert client.get(f"/api/v1/results/{cycle.year}/").status_code == 200
    es.results_unpublish(cycle=cycle, by=reviewer, reason="更正一份评估报告")
    assert client.get(f"/api/v1/results/{cycle.year}/").status_code == 404


def test_published_results_give_the_ranking(assessed, cycle, reviewer):
    es.results_publish(cycle=cycle, by=reviewer)
    data = APIClient().get(f"/api/v1/results/{cycle.year}/").json()
    assert data["year"] == cycle.year
    [row] = data["rows"]
    assert row["region"] == "330000" and row["rank"] == 1 and row["evaluated"] == 1
    assert "grades" not in row
    assert Outcome.objects.filter(state=OutcomeState.PUBLISHED).count() == row["outcomes"]

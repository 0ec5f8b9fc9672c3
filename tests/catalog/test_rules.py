"""Every catalog URL for every role: anonymous, regional staff, expert, ministry liaison, evaluator,
implementer and national reviewer."""

import pytest
from django.urls import reverse

from catalog import services
from catalog.models import DepartmentOpinion, Measure, ProposalRejection
from tests.factories import ended_proposals

from . import scenarios as fc

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "regional_staff",
    "expert",
    "ministry_liaison",
    "evaluator",
    "implementer",
    "national_reviewer",
]


@pytest.fixture
def world(cycle, reviewer, expert, liaison):
    books = fc.two_region_books(cycle)
    zj = list(books["330000"][0].proposals.order_by("position"))
    js = books["320000"][0].proposals.order_by("position").first()
    measure = fc.measure_from(cycle, reviewer, [zj[0], js])
    review = services.expert_assign(measure=measure, expert=expert, by=reviewer)
    v1 = services.list_draft(cycle=cycle, by=reviewer)
    [consultation] = services.consultation_send(
        measure_list=v1, ministries=[liaison.organization], by=reviewer
    )
    opinion = services.opinion_give(
        consultation=consultation, measure=measure, stance="agree", text="", by=liaison
    )
    ended_proposals(v1.cycle)
    services.list_publish(measure_list=v1, by=reviewer)
    v2 = services.list_draft(cycle=cycle, by=reviewer)
    return {
        "measure": measure,
        "review": review,
        "v1": v1,
        "v2": v2,
        "consultation": consultation,
        "opinion": opinion,
        "proposal": zj[1],
        "rejected": zj[2],
    }


def _login(client, role, role_users):
    if role != "anonymous":
        client.force_login(role_users[role])


REVIEWER_GET = [
    ("catalog:merge", None),
    ("catalog:measures", None),
    ("catalog:measure_detail", "measure"),
    ("catalog:lists", None),
    ("catalog:list_manage", "v2"),
]


@pytest.mark.parametrize("role", ROLES)
def test_reviewer_pages(client, role_users, world, role):
    _login(client, role, role_users)
    expected = {"anonymous": 302, "national_reviewer": 200}.get(role, 403)
    for name, obj in REVIEWER_GET:
        response = client.get(reverse(name, args=[world[obj].pk] if obj else []))
        assert (name, response.status_code) == (name, expected)
        if role == "anonymous":
            assert response.url.startswith(reverse("login"))


REVIEWER_POST = [
    ("catalog:reject", "proposal", {"reason": "理由"}),
    ("catalog:unreject", "rejected", {}),
    ("catalog:unmerge", "measure", {}),
    ("catalog:assign", "measure", {"expert": 0}),
    ("catalog:include", "measure", {"included": "0"}),
    ("catalog:send", "v2", {}),
    ("catalog:publish", "v2", {}),
    ("catalog:respond", "opinion", {"response": "答复"}),
]


@pytest.mark.parametrize("role", ROLES[:-1])
def test_reviewer_actions_are_refused_to_everyone_else(client, role_users, world, role):
    services.proposal_reject(proposal=world["rejected"], reason="已有", by=role_users["national_reviewer"])
    _login(client, role, role_users)
    for name, obj, data in REVIEWER_POST:
        response = client.post(reverse(name, args=[world[obj].pk]), data)
        assert (name, response.status_code) == (name, 302 if role == "anonymous" else 403)
    assert Measure.objects.filter(pk=world["measure"].pk).exists()
    assert list(ProposalRejection.objects.values_list("proposal_id", flat=True)) == [world["rejected"].pk]
    assert DepartmentOpinion.objects.get().response == ""
    world["v2"].refresh_from_db()
    assert world["v2"].state == "draft"


def test_reviewer_actions_work_for_the_reviewer(client, role_users, world):
    client.force_login(role_users["national_reviewer"])
    for name, obj, data in [
        ("catalog:reject", "proposal", {"reason": "理由"}),
        ("catalog:include", "measure", {"included": "0", "note": ""}),
        ("catalog:respond", "opinion", {"response": "答复"}),
    ]:
        assert client.post(reverse(name, args=[world[obj].pk]), data).status_code == 302
    assert ProposalRejection.objects.get().proposal == world["proposal"]
    assert DepartmentOpinion.objects.get().response == "答复"


@pytest.mark.parametrize("role", ROLES)
def test_expert_liaison_and_public_pages(client, role_users, world, role):
    _login(client, role, role_users)
    for url, allowed in [
        (reverse("catalog:my_reviews"), "expert"),
        (reverse("catalog:review", args=[world["review"].pk]), "expert"),
        (reverse("catalog:consultations"), "ministry_liaison"),
        (reverse("catalog:consultation", args=[world["consultation"].pk]), "ministry_liaison"),
    ]:
        assert (url, client.get(url).status_code) == (url, {"anonymous": 302, allowed: 200}.get(role, 403))
    assert client.get(reverse("catalog:published")).status_code == 302
    for name in ("catalog:public_list", "catalog:public_xlsx"):
        assert client.get(reverse(name, args=[world["v1"].pk])).status_code == 200
    # the working draft is not public, whoever asks
    assert client.get(reverse("catalog:public_list", args=[world["v2"].pk])).status_code == 404


def test_a_review_of_another_expert_is_404(client, world):
    other = fc.expert_in("440000")
    client.force_login(other)
    assert client.get(reverse("catalog:review", args=[world["review"].pk])).status_code == 404
    assert client.post(reverse("catalog:review", args=[world["review"].pk]), {}).status_code == 404


def test_another_ministrys_consultation_is_404(client, world):
    client.force_login(fc.liaison_of("财政部"))
    assert client.get(reverse("catalog:consultation", args=[world["consultation"].pk])).status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "regional_staff"])
def test_public_pdf_needs_no_login(client, role_users, world, role):
    _login(client, role, role_users)
    assert client.get(reverse("catalog:public_pdf", args=[world["v1"].pk])).status_code == 200

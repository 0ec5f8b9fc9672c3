"""基层征集 pages: the region's desk, the invited unit's page, 转为建议, the public form and follow link."""

import datetime
import io
import re

import pdfplumber
import pytest
from django.test import Client
from django.urls import reverse

from grassroots import services
from grassroots.enums import Moderation, SuggestionState
from grassroots.models import Suggestion
from proposals.models import ProposalBook
from reform_portal.enums import OrgKind
from tests.factories import close_file

from . import scenarios as s

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def two(collection, university, enterprise):
    a = services.suggestion_submit(
        collection=collection, fields=s.suggestion_fields("赋予科研人员职务科技成果所有权试点"), by=university
    )
    b = services.suggestion_submit(
        collection=collection,
        fields=s.suggestion_fields("赋予科研人员职务科技成果所有权的试点"),
        by=enterprise,
    )
    return a, b


def test_the_desk_lists_filters_and_groups_near_duplicates(collection, two, region_a_scitech):
    page = client_for(region_a_scitech).get(reverse("grassroots:desk", args=[collection.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="suggestion-row"') == 2
    assert 'data-testid="duplicate-group"' in html
    # 杭州某创新企业 and 浙江工业大学 have active users: no invitation link; a unit without one gets it
    assert 'data-testid="invite-contact"' not in html
    only_universities = client_for(region_a_scitech).get(
        reverse("grassroots:desk", args=[collection.pk]), {"kind": OrgKind.UNIVERSITY, "state": "nonsense"}
    )
    assert only_universities.content.decode().count('data-testid="suggestion-row"') == 1


def test_another_region_and_another_unit_see_nothing(collection, two, region_b_drc, enterprise, reviewer):
    a, _b = two
    for user in (region_b_drc, reviewer):
        assert client_for(user).get(reverse("grassroots:desk", args=[collection.pk])).status_code == 404
        assert client_for(user).get(reverse("grassroots:suggestion", args=[a.pk])).status_code == 404
    # 杭州某创新企业 is invited too, but 浙江工业大学's suggestion is not theirs
    assert client_for(enterprise).get(reverse("grassroots:suggestion", args=[a.pk])).status_code == 404
    unit_page = client_for(enterprise).get(reverse("grassroots:unit", args=[collection.pk])).content.decode()
    assert a.title not in unit_page


def test_two_suggestions_become_one_proposal_whose_book_shows_the_provenance(
    collection, two, region_a_drc, university
):
    a, b = two
    response = client_for(region_a_drc).post(
        reverse("grassroots:convert", args=[collection.pk]), {"suggestions": [a.pk, b.pk]}
    )
    assert response.status_code == 302
    book = ProposalBook.objects.get(region=collection.region, cycle=collection.cycle)
    proposal = book.proposals.get()
    assert response.url == reverse("proposals:proposal_edit", args=[proposal.pk])
    page = client_for(region_a_drc).get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert "来源：2 条基层建议（" in page
    assert "王老师" not in page and "0571-87951234" not in page  # counts only, never contact data
    mine = client_for(university).get(reverse("grassroots:suggestion", args=[a.pk])).content.decode()
    assert "已采纳" in mine and proposal.title in mine


def test_convert_refuses_a_forged_or_foreign_id(collection, two, region_a_drc):
    c = client_for(region_a_drc)
    assert (
        c.post(reverse("grassroots:convert", args=[collection.pk]), {"suggestions": ["x"]}).status_code == 302
    )
    assert (
        c.post(reverse("grassroots:convert", args=[collection.pk]), {"suggestions": [99999]}).status_code
        == 404
    )
    assert not ProposalBook.objects.exists()


def test_reply_page_declines_with_a_reason_the_unit_reads(collection, two, region_a_drc, university):
    a, _b = two
    client_for(region_a_drc).post(
        reverse("grassroots:suggestion_reply", args=[a.pk]),
        {"action": "decline", "reason": "已有同类政策<b>"},
    )
    a.refresh_from_db()
    assert a.state == SuggestionState.DECLINED
    unit_page = client_for(university).get(reverse("grassroots:unit", args=[collection.pk])).content.decode()
    assert "暂不采纳" in unit_page and "已有同类政策&lt;b&gt;" in unit_page


def test_the_open_form_keeps_the_text_and_refuses_a_late_closing_date_at_the_field(cycle, region_a_drc):
    too_late = cycle.proposal_deadline.isoformat()
    page = client_for(region_a_drc).post(
        reverse("grassroots:collection_new"),
        {"title": "全省基层改革建议征集", "description": "说明文字", "closes_on": too_late},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "早于本地区建议书报送截止" in html and "全省基层改革建议征集" in html


def test_public_form_honeypot_required_fields_and_the_follow_link(collection, region_a_drc):
    url = reverse("grassroots:public", args=[collection.pk])
    anon = Client()
    fields = s.public_fields()
    trap = anon.post(url, {**fields, "website": "http://spam.example"})
    assert "提交未被接受" in trap.content.decode() and not Suggestion.objects.exists()
    missing = anon.post(url, {**fields, "contact_phone": ""})
    assert "请填写手机或电话" in missing.content.decode() and fields["measure"] in missing.content.decode()
    done = anon.post(url, fields)
    link = re.search(r'data-testid="follow-link"><a href="([^"]+)"', done.content.decode()).group(1)
    followed = anon.get(link)
    assert followed.status_code == 200 and fields["title"] in followed.content.decode()
    assert anon.get(link[:-3] + "abc/").status_code == 404
    sug = Suggestion.objects.get()
    assert sug.moderation == Moderation.PENDING
    # held for moderation: the invited units do not see it; the region's staff do
    assert (
        fields["title"]
        in client_for(region_a_drc).get(reverse("grassroots:desk", args=[collection.pk])).content.decode()
    )


def test_public_rate_limit_is_said_on_the_form(collection, settings):
    settings.GRASSROOTS_PUBLIC_LIMITS = (1, 5)
    url = reverse("grassroots:public", args=[collection.pk])
    anon = Client()
    anon.post(url, s.public_fields("第一条", phone="13700000001"))
    second = anon.post(url, s.public_fields("第二条", phone="13700000002"))
    assert "过于频繁" in second.content.decode()
    assert Suggestion.objects.count() == 1


def test_a_public_form_that_is_not_opened_is_404(cycle, region_b_drc):
    c = s.open_collection(cycle, region_b_drc, public=False)
    assert Client().get(reverse("grassroots:public", args=[c.pk])).status_code == 404


def test_the_provenance_survives_the_national_merge_as_counts_only(
    collection, two, region_a_drc, region_a_scitech, reviewer
):
    from proposals import services as proposal_services
    from tests.proposals import scenarios as fp

    book = fp.make_book(collection.cycle, region_a_drc, n=3)
    proposal = services.suggestions_to_proposal(collection=collection, suggestions=list(two), by=region_a_drc)
    fields = fp.proposal_fields(4, title=proposal.title)
    proposal_services.proposal_update(
        proposal=proposal, revision=proposal.revision, fields=fields, results=fp.RESULTS, by=region_a_drc
    )
    proposal_services.book_sign(book=book, by=region_a_drc)
    proposal_services.book_sign(book=book, by=region_a_scitech)
    proposal_services.book_submit(book=book, by=region_a_drc)
    reviewer_client = client_for(reviewer)
    book_page = reviewer_client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert "来源：2 条基层建议（" in book_page
    pdf = reviewer_client.get(reverse("proposals:book_pdf", args=[book.pk]))
    with pdfplumber.open(io.BytesIO(close_file(pdf))) as document:
        text = "".join(p.extract_text() or "" for p in document.pages).replace("\n", "")
    assert "来源：2 条基层建议（" in text and "王老师" not in text
    from tests.catalog import scenarios as fc

    measure = fc.measure_from(collection.cycle, reviewer, [proposal, book.proposals.get(position=1)])
    page = reviewer_client.get(reverse("catalog:measure_detail", args=[measure.pk])).content.decode()
    assert "来源：2 条基层建议（" in page
    assert "王老师" not in page and "0571-87951234" not in page


def test_the_units_hear_when_the_book_is_submitted_and_when_the_measure_is_listed(
    collection, two, university, enterprise, region_a_drc, region_a_scitech, reviewer
):
    from catalog import services as catalog_services
    from proposals import services as proposal_services
    from reform_portal.models import Notification
    from tests.catalog import scenarios as fc
    from tests.proposals import scenarios as fp

    book = fp.make_book(collection.cycle, region_a_drc, n=3)
    proposal = services.suggestions_to_proposal(collection=collection, suggestions=[two[0]], by=region_a_drc)
    services.suggestion_reply(suggestion=two[1], action="merge", merged_into=two[0], by=region_a_drc)
    proposal_services.proposal_update(
        proposal=proposal,
        revision=proposal.revision,
        fields=fp.proposal_fields(4, title=proposal.title),
        results=fp.RESULTS,
        by=region_a_drc,
    )
    proposal_services.book_sign(book=book, by=region_a_drc)
    proposal_services.book_sign(book=book, by=region_a_scitech)
    proposal_services.book_submit(book=book, by=region_a_drc)
    told = Notification.objects.filter(kind="grassroots_book_submitted")
    assert sorted(n.recipient.username for n in told) == sorted([university.username, enterprise.username])
    fc.measure_from(collection.cycle, reviewer, [proposal])
    draft = catalog_services.list_draft(cycle=collection.cycle, by=reviewer)
    from tests.factories import ended_proposals

    ended_proposals(collection.cycle)  # 结束征集: a list is published only after it (issue 14)
    catalog_services.list_publish(measure_list=draft, by=reviewer, notify=False)
    listed = Notification.objects.filter(kind="grassroots_listed")
    assert sorted(n.recipient.username for n in listed) == sorted([university.username, enterprise.username])


def test_an_invited_unit_without_users_gets_an_invitation_link(cycle, region_a_drc):
    from reform_portal.models import Organization

    lab = Organization.objects.create(name="之江实验室", kind=OrgKind.INSTITUTE, region=region_a_drc.region)
    c = services.collection_open(
        cycle=cycle,
        region=region_a_drc.region,
        fields={
            "title": "征集",
            "description": "说明",
            "closes_on": cycle.proposal_deadline - datetime.timedelta(days=3),
        },
        invited=[lab],
        by=region_a_drc,
    )
    html = client_for(region_a_drc).get(reverse("grassroots:desk", args=[c.pk])).content.decode()
    assert f"?organization={lab.pk}&amp;role=implementer" in html


def test_two_departments_replying_to_one_suggestion(collection, two, region_a_drc, region_a_scitech):
    """Issue 17 §4: the second reply (loaded before the first was saved) is refused, its text kept."""
    a, _b = two
    drc, scitech = client_for(region_a_drc), client_for(region_a_scitech)
    page = reverse("grassroots:suggestion", args=[a.pk])
    rev_a = drc.get(page).context["reply_form"]["revision"].value()
    rev_b = scitech.get(page).context["reply_form"]["revision"].value()
    url = reverse("grassroots:suggestion_reply", args=[a.pk])
    first = drc.post(url, {"action": "decline", "reason": "与现行政策重复", "revision": rev_a})
    assert first.status_code == 302
    refused = scitech.post(url, {"action": "decline", "reason": "科技厅另拟的理由", "revision": rev_b})
    assert refused.status_code == 200
    [error] = refused.context["reply_form"].non_field_errors()
    assert error.startswith(f"该建议已被{region_a_drc}于") and error.endswith(
        "请复制您的内容，刷新页面后重新修改。"
    )
    assert "科技厅另拟的理由" in refused.content.decode()
    a.refresh_from_db()
    assert (a.state, a.reply) == (SuggestionState.DECLINED, "与现行政策重复")


def test_a_file_attached_twice_is_stored_once(collection, two, university, settings):
    """Issue 17 §10: a double upload (double click, resend) keeps one attachment and one stored file."""
    import os

    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    a, _b = two
    c = client_for(university)
    url = reverse("grassroots:suggestion_attach", args=[a.pk])
    first = c.post(url, {"file": SimpleUploadedFile("材料.pdf", pdf)}, follow=True)
    assert [str(m) for m in first.context["messages"]] == ["附件已上传。"]
    again = c.post(url, {"file": SimpleUploadedFile("材料.pdf", pdf)}, follow=True)
    assert [str(m) for m in again.context["messages"]] == ["附件“材料.pdf”已上传，未重复保存。"]
    assert a.attachments.count() == 1
    root = os.path.join(settings.MEDIA_ROOT, "grassroots")
    assert sum(len(names) for _d, _s, names in os.walk(root)) == 1

"""基层征集 rules through the services: the closing date, editing until the close, replies, provenance."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grassroots import services
from grassroots.enums import Moderation, SuggestionState
from proposals.models import MeasureProposal, ProposalBook
from reform_portal.enums import OrgKind, Stage
from reform_portal.models import DeadlineExtension, Notification
from reform_portal.services import end_of_day

from . import scenarios as s

pytestmark = pytest.mark.django_db


def test_the_closing_date_must_fall_before_the_book_deadline(cycle, region_a_drc):
    with pytest.raises(ValidationError) as refused:
        s.open_collection(
            cycle, region_a_drc, closes_in_days=(cycle.proposal_deadline - datetime.date.today()).days
        )
    assert "closes_on" in refused.value.error_dict
    assert "早于本地区建议书报送截止" in refused.value.messages[0]
    day_before = s.open_collection(
        cycle, region_a_drc, closes_in_days=(cycle.proposal_deadline - datetime.date.today()).days - 1
    )
    assert day_before.closes_on == cycle.proposal_deadline - datetime.timedelta(days=1)


def test_an_extension_of_the_book_deadline_allows_a_later_closing_date(cycle, region_a_drc, reviewer):
    DeadlineExtension.objects.create(
        cycle=cycle,
        region=region_a_drc.region,
        stage=Stage.PROPOSAL,
        until=cycle.proposal_deadline + datetime.timedelta(days=10),
        reason="因故延期",
        granted_by=reviewer,
    )
    c = s.open_collection(
        cycle, region_a_drc, closes_in_days=(cycle.proposal_deadline - datetime.date.today()).days + 5
    )
    assert c.closes_on > cycle.proposal_deadline


def test_a_past_closing_date_is_refused(cycle, region_a_drc):
    with pytest.raises(ValidationError, match="不能早于今天"):
        s.open_collection(cycle, region_a_drc, closes_in_days=-1)


def test_only_the_regions_staff_open_a_collection_and_invite_from_its_library(
    cycle, region_b_drc, university
):
    with pytest.raises(PermissionDenied):
        s.open_collection(cycle, university)
    with pytest.raises(ValidationError, match="单位库"):
        s.open_collection(cycle, region_b_drc, invited=[university])  # 浙江大学 is not in 江苏's library


def test_invited_units_users_are_told_when_it_opens(collection, university, enterprise, implementer):
    told = set(
        Notification.objects.filter(kind="grassroots_invited").values_list("recipient__username", flat=True)
    )
    assert told == {university.username, enterprise.username}


def test_the_submitter_edits_until_the_close_and_not_after(collection, university):
    sug = services.suggestion_submit(collection=collection, fields=s.suggestion_fields(), by=university)
    services.suggestion_update(
        suggestion=sug, revision=sug.revision, fields={"title": "改后的标题"}, by=university
    )
    after_close = end_of_day(collection.closes_on) + datetime.timedelta(minutes=1)
    with pytest.raises(PermissionDenied, match="已于.*截止"):
        services.suggestion_update(
            suggestion=sug, revision=None, fields={"title": "截止后再改"}, by=university, now=after_close
        )
    with pytest.raises(PermissionDenied, match="截止"):
        services.suggestion_submit(
            collection=collection, fields=s.suggestion_fields("晚到的"), by=university, now=after_close
        )
    sug.refresh_from_db()
    assert sug.title == "改后的标题"


def test_closing_the_collection_stops_edits(collection, university, region_a_scitech):
    sug = services.suggestion_submit(collection=collection, fields=s.suggestion_fields(), by=university)
    services.collection_close(collection=collection, by=region_a_scitech)
    with pytest.raises(PermissionDenied):
        services.suggestion_update(suggestion=sug, revision=None, fields={"title": "x"}, by=university)


def test_another_unit_may_not_edit_and_a_stale_revision_is_refused(collection, university, enterprise):
    sug = services.suggestion_submit(collection=collection, fields=s.suggestion_fields(), by=university)
    with pytest.raises(PermissionDenied):
        services.suggestion_update(
            suggestion=sug, revision=sug.revision, fields={"title": "x"}, by=enterprise
        )
    services.suggestion_update(
        suggestion=sug, revision=sug.revision, fields={"title": "第一次"}, by=university
    )
    with pytest.raises(ValidationError, match="已被"):
        services.suggestion_update(
            suggestion=sug, revision=sug.revision, fields={"title": "旧页面"}, by=university
        )


def test_an_uninvited_unit_cannot_submit(collection, region_a_drc):
    outsider = s.unit_user("未受邀研究院", kind=OrgKind.INSTITUTE)
    with pytest.raises(PermissionDenied, match="受邀"):
        services.suggestion_submit(collection=collection, fields=s.suggestion_fields(), by=outsider)


def test_decline_needs_a_reason_and_the_reply_reaches_only_the_submitter(
    collection, university, enterprise, region_a_drc
):
    sug = services.suggestion_submit(collection=collection, fields=s.suggestion_fields(), by=university)
    with pytest.raises(ValidationError, match="理由"):
        services.suggestion_reply(suggestion=sug, action="decline", reason=" ", by=region_a_drc)
    services.suggestion_reply(suggestion=sug, action="decline", reason="与现行政策重复", by=region_a_drc)
    sug.refresh_from_db()
    assert sug.state == SuggestionState.DECLINED and sug.reply == "与现行政策重复"
    replied = Notification.objects.filter(kind="grassroots_replied")
    assert [n.recipient for n in replied] == [university]
    with pytest.raises(ValidationError, match="已答复"):
        services.suggestion_reply(suggestion=sug, action="adopt", by=region_a_drc)


def test_turning_suggestions_into_a_proposal_keeps_the_provenance(
    collection, university, enterprise, region_a_drc
):
    a = services.suggestion_submit(collection=collection, fields=s.suggestion_fields(), by=university)
    b = services.suggestion_submit(
        collection=collection, fields=s.suggestion_fields("成果转化收益分配"), by=enterprise
    )
    c = services.suggestion_submit(
        collection=collection, fields=s.suggestion_fields("同上的建议"), by=university
    )
    proposal = services.suggestions_to_proposal(collection=collection, suggestions=[a, b], by=region_a_drc)
    book = ProposalBook.objects.get(cycle=collection.cycle, region=collection.region)
    assert proposal.book == book and proposal.title == a.title
    assert proposal.consulted_universities == "浙江工业大学"
    assert proposal.consulted_enterprises == "杭州某创新企业"
    assert proposal.provenance == {"count": 2, "kinds": {"university": 1, "innovative_enterprise": 1}}
    services.suggestion_reply(suggestion=c, action="merge", merged_into=a, by=region_a_drc)
    proposal.refresh_from_db()
    assert proposal.provenance["count"] == 3
    assert proposal.provenance_summary() == "来源：3 条基层建议（高等院校 2 条、创新型企业 1 条）"
    a.refresh_from_db()
    assert a.state == SuggestionState.ADOPTED and a.adopted_into == proposal
    services.suggestion_reply(suggestion=a, action="reconsider", by=region_a_drc)
    assert MeasureProposal.objects.get(pk=proposal.pk).provenance["count"] == 1  # b only: c follows a


def test_another_regions_staff_cannot_reply_or_convert(collection, university, region_b_drc):
    sug = services.suggestion_submit(collection=collection, fields=s.suggestion_fields(), by=university)
    with pytest.raises(PermissionDenied):
        services.suggestion_reply(suggestion=sug, action="decline", reason="x", by=region_b_drc)
    with pytest.raises(PermissionDenied):
        services.suggestions_to_proposal(collection=collection, suggestions=[sug], by=region_b_drc)


def test_a_public_suggestion_is_held_for_moderation_and_followed_by_its_token(collection, region_a_drc):
    sug, token = services.suggestion_submit_public(
        collection=collection, fields=s.public_fields(), ip_address="10.0.0.1"
    )
    assert sug.moderation == Moderation.PENDING and sug.organization is None
    assert services.suggestion_from_token(token) == sug
    assert services.suggestion_from_token(token[:-2] + "xx") is None
    services.suggestion_update(
        suggestion=sug, revision=sug.revision, fields={"title": "改"}, by=None, token_ok=True
    )
    with pytest.raises(PermissionDenied):
        services.suggestion_update(suggestion=sug, revision=None, fields={"title": "改"}, by=None)
    services.suggestion_moderate(suggestion=sug, action="approve", by=region_a_drc)
    sug.refresh_from_db()
    assert sug.moderation == Moderation.APPROVED


def test_public_limits_per_address_and_per_phone(collection, settings):
    settings.GRASSROOTS_PUBLIC_LIMITS = (3, 2)
    for i in range(2):
        services.suggestion_submit_public(
            collection=collection,
            fields=s.public_fields(f"建议{i}", phone="13900000000"),
            ip_address="10.0.0.2",
        )
    with pytest.raises(ValidationError, match="已达上限"):
        services.suggestion_submit_public(
            collection=collection, fields=s.public_fields("建议x", phone="13900000000"), ip_address="10.0.0.3"
        )
    services.suggestion_submit_public(
        collection=collection, fields=s.public_fields("建议y", phone="13900000001"), ip_address="10.0.0.2"
    )
    with pytest.raises(ValidationError, match="过于频繁"):
        services.suggestion_submit_public(
            collection=collection, fields=s.public_fields("建议z", phone="13900000002"), ip_address="10.0.0.2"
        )


def test_public_form_needs_name_unit_phone_and_an_opened_form(cycle, collection, region_b_drc):
    with pytest.raises(ValidationError) as refused:
        services.suggestion_submit_public(
            collection=collection, fields=s.public_fields(unit_name=" "), ip_address=None
        )
    assert "unit_name" in refused.value.error_dict
    closed_form = s.open_collection(cycle, region_b_drc, public=False)
    with pytest.raises(PermissionDenied):
        services.suggestion_submit_public(collection=closed_form, fields=s.public_fields(), ip_address=None)

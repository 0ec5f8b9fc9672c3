"""Permission matrix generated from the URL conf: every named URL × every actor.

Every named pattern (except the admin, login/logout and single sign-on, set_language, healthz and static) must have an entry in
MATRIX, so a new view without one fails ``test_every_url_is_in_the_matrix`` naming it. Each entry says how to
build the URL's arguments from one world (objects of 浙江 = region A in every stage), the method (GET for
pages, an empty POST for POST-only views) and which actors may use it:

- allowed actors get a status below 400 (an empty POST may answer 200 with form errors or redirect);
- anonymous users are sent to the login page, except on public pages (200 for everyone);
- every other actor gets 403 or 404 — never 200 and never 500; for an object of region A, region B's staff
  get 404 (the object does not exist for them), or 403 on a reviewer-only action."""

import datetime
import hashlib
from decimal import Decimal
from typing import NamedTuple

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from bidding import services as bs
from bidding.enums import MilestoneStatus, TaskState
from bidding.models import Milestone, NoticeBatch, Task
from catalog import services as cs
from evaluation import services as es
from evaluation.models import Assessment, Outcome
from grassroots import services as gs
from proposals import services as ps
from reform_portal import listing
from reform_portal.enums import OrgKind, Role, Stage
from reform_portal.models import ExportJob, Notification
from reform_portal.services import api_token_create, user_invite
from tests.factories import ended_proposals

from .. import factories as f
from ..bidding import scenarios as fb
from ..catalog import scenarios as fc
from ..evaluation import scenarios as fe
from ..grassroots import scenarios as fg
from ..proposals import scenarios as fp

pytestmark = pytest.mark.django_db

PDF = fe.PDF
# The login machinery, single sign-on's included (404 unless switched on; tests/reform_portal/test_sso.py).
EXCLUDED = {
    "set_language", "login", "logout", "healthz", "static",
    "oidc_authentication_init", "oidc_authentication_callback", "cas_ng_login",
}  # fmt: skip

# ---- actors -------------------------------------------------------------------------------------

ANON = "anonymous"
A = "region_a_staff"  # 浙江省发展改革委: owns every regional object of the world
B = "region_b_staff"  # 江苏省发展改革委
REVIEWER = "reviewer"
EXPERT = "expert"
LIAISON = "liaison"
EVALUATOR = "evaluator"  # of the agency the evaluation is commissioned to
EVALUATOR_B = "evaluator_other_agency"
IMPLEMENTER = "implementer"  # 浙江大学, an implementing entity of the world's task
PUBLIC = "public"  # a registered user without any role
ACTORS = [ANON, A, B, REVIEWER, EXPERT, LIAISON, EVALUATOR, EVALUATOR_B, IMPLEMENTER, PUBLIC]
LOGGED_IN = frozenset(ACTORS) - {ANON}
EVERYONE = frozenset(ACTORS)


class Access(NamedTuple):
    kwargs: object  # world -> reverse() kwargs
    method: str  # "get" or "post" (an empty POST)
    allowed: frozenset
    owned: bool = False  # an object of region A: region B's staff get 404 (403 if reviewer_only)
    reviewer_only: bool = False
    prepare: object = None  # world -> None: puts the world in the state where the allowed actors may act
    state_refused: frozenset = frozenset()  # actors who may use the URL but whom this state refuses: 403


def get(allowed, kwargs=None, **kw):
    return Access(kwargs or (lambda w: {}), "get", frozenset(allowed), **kw)


def post(allowed, kwargs=None, **kw):
    return Access(kwargs or (lambda w: {}), "post", frozenset(allowed), **kw)


def pk(key):
    return lambda w: {"pk": w[key].pk}


def reviewer_get(kwargs=None):
    return get({REVIEWER}, kwargs, reviewer_only=True)


def reviewer_post(kwargs=None, owned=False):
    return post({REVIEWER}, kwargs, reviewer_only=True, owned=owned)


STAFF = {A, B}
OWN = {A}


def _synonym_group():
    """A group of the merge page's synonym table (seeded by catalog's data migration)."""
    from catalog.models import SynonymGroup

    return SynonymGroup.objects.order_by("pk").first()


def _cycle(w):
    return type(w["cycle"]).objects.get(pk=w["cycle"].pk)


def stage(name):
    return lambda w: _set_stage(_cycle(w), name)


def open_book(w):
    """The proposal window open again and 浙江's book withdrawn to 草稿, so it can be edited."""
    _set_stage(_cycle(w), Stage.PROPOSAL)
    ps.book_withdraw(book=type(w["book"]).objects.get(pk=w["book"].pk), by=w["users"][A])


def region_b_bids(w):
    """The bidding window open; 江苏 has a draft bid set (浙江's is submitted and locked)."""
    cycle = _cycle(w)
    _set_stage(cycle, Stage.BIDDING)
    fb.make_bid_set(cycle, w["users"][B], [w["bid_entry"], w["free_entry"]])


def region_b_submitted_bids(w):
    """The bidding window open; 江苏's bid set is submitted and not yet awarded, so it may be withdrawn."""
    region_b_bids(w)
    cycle = _cycle(w)
    bid_set = cycle.bid_sets.get(region=w["users"][B].region)
    type(bid_set).objects.filter(pk=bid_set.pk).update(state="submitted")


def milestones_done(w):
    Milestone.objects.filter(task=w["task"]).update(status=MilestoneStatus.DONE)


def reopen_requested(w):
    es.assessment_request_reopen(
        assessment=Assessment.objects.get(pk=w["assessment"].pk),
        reason="评分录入有误。",
        by=w["users"][EVALUATOR],
    )


def reopened(w):
    reopen_requested(w)
    es.assessment_decide_reopen(
        assessment=Assessment.objects.get(pk=w["assessment"].pk), approve=True, by=w["users"][REVIEWER]
    )


def no_outcome(w):
    Outcome.objects.filter(task=w["evaluated_task"]).delete()


def region_action(method, kwargs, prepare):
    return Access(kwargs, method, frozenset(OWN), owned=True, prepare=prepare)


BIDS = {"prepare": region_b_bids, "state_refused": frozenset(OWN)}

MATRIX = {
    # kernel
    "home": get(EVERYONE),
    "dashboard": get(LOGGED_IN),
    "archive": get(EVERYONE),
    "search": get(EVERYONE),  # each kind within what the actor may see (tests/reform_portal/test_search.py)
    "notifications": get(LOGGED_IN),
    "notifications_xlsx": get(LOGGED_IN),  # the user's own messages
    "notifications_csv": get(LOGGED_IN),
    "notifications_read_all": post(LOGGED_IN),
    "notification_read": post(OWN, pk("notification"), owned=True),
    "notification_open": post(OWN, pk("notification"), owned=True),
    "reminder_log": reviewer_get(),
    "reminder_log_xlsx": reviewer_get(),
    "reminder_log_csv": reviewer_get(),
    "mail_log": reviewer_get(),
    "mail_log_xlsx": reviewer_get(),
    "mail_log_csv": reviewer_get(),
    "export_download": get(OWN, pk("export_job"), owned=True),  # a queued export: its user's alone
    # kernel: accounts (password reset and change, two-factor login, invitations; DECISIONS §14, §17)
    "login_otp": get(
        LOGGED_IN
    ),  # the code step: anonymous visitors without a pending login go to the login page
    "password_reset": get(EVERYONE),
    "password_reset_done": get(EVERYONE),
    "password_reset_confirm": get(EVERYONE, lambda w: {"uidb64": "MQ", "token": "c3vuj4-0123456789abcdef"}),
    "password_reset_complete": get(EVERYONE),
    "password_change": get(LOGGED_IN),
    "totp_setup": get(LOGGED_IN),
    "totp_disable": post(LOGGED_IN),
    "account_users": get(STAFF | {REVIEWER}),
    "account_users_xlsx": get(STAFF | {REVIEWER}),  # each the accounts the page shows them
    "account_users_csv": get(STAFF | {REVIEWER}),
    "account_invite": get(STAFF | {REVIEWER}),
    # 浙江's invited 实施主体 user: 浙江's staff and reviewers may send the invitation again, 江苏's get 404
    "account_invite_resend": post(OWN | {REVIEWER}, pk("invited_user"), owned=True),
    "account_totp_reset": reviewer_post(pk("totp_user")),
    "account_settings": get(LOGGED_IN),
    # kernel: API tokens (DECISIONS §18): everyone keeps their own; 浙江's token does not exist for 江苏 (404)
    "api_tokens": get(LOGGED_IN),
    "api_tokens_all": reviewer_get(),
    "api_tokens_all_xlsx": reviewer_get(),
    "api_tokens_all_csv": reviewer_get(),
    "api_token_revoke": post(OWN | {REVIEWER}, pk("api_token"), owned=True),
    # kernel: organisations (DECISIONS §14): reviewers keep all, a region its library; 江苏 gets 404 on 浙江大学
    "organizations": get(STAFF | {REVIEWER}),
    "organizations_xlsx": get(STAFF | {REVIEWER}),  # each the organisations the page shows them
    "organizations_csv": get(STAFF | {REVIEWER}),
    "organization_new": get(STAFF | {REVIEWER}),
    "organization_detail": get(OWN | {REVIEWER}, pk("entity"), owned=True),
    "organization_edit": get(OWN | {REVIEWER}, pk("entity"), owned=True),
    "experts": reviewer_get(),
    "experts_xlsx": reviewer_get(),
    "experts_csv": reviewer_get(),
    # kernel: 年度工作安排 (DECISIONS §14): national reviewers only
    "cycle_years": reviewer_get(),
    "cycle_years_xlsx": reviewer_get(),
    "cycle_years_csv": reviewer_get(),
    "cycle_year": reviewer_get(lambda w: {"year": w["cycle"].year}),
    "cycle_action": reviewer_get(lambda w: {"year": w["cycle"].year, "action": "close_proposals"}),
    "expert_edit": reviewer_get(lambda w: {"pk": w["users"][EXPERT].pk}),
    # 基层征集 (DECISIONS §20): 浙江's 征集 with 浙江大学 invited; its suggestion; the public form and follow link
    "grassroots:home": get(LOGGED_IN),
    "grassroots:collection_new": get(STAFF),
    "grassroots:desk": get(OWN | {IMPLEMENTER}, pk("collection"), owned=True),
    "grassroots:desk_xlsx": get(OWN, pk("collection"), owned=True),  # the region's staff alone
    "grassroots:desk_csv": get(OWN, pk("collection"), owned=True),
    "grassroots:collection_edit": get(OWN, pk("collection"), owned=True),
    "grassroots:collection_close": post(OWN, pk("collection"), owned=True),
    "grassroots:collection_reopen": post(OWN, pk("collection"), owned=True),
    "grassroots:convert": post(OWN, pk("collection"), owned=True),
    "grassroots:unit": get(OWN | {IMPLEMENTER}, pk("collection"), owned=True),
    "grassroots:suggestion_new": get({IMPLEMENTER}, pk("collection"), owned=True),
    "grassroots:suggestion": get(OWN | {IMPLEMENTER}, pk("suggestion"), owned=True),
    "grassroots:suggestion_edit": get({IMPLEMENTER}, pk("suggestion"), owned=True),
    "grassroots:suggestion_attach": post({IMPLEMENTER}, pk("suggestion"), owned=True),
    "grassroots:suggestion_review": post(OWN, pk("suggestion"), owned=True),
    "grassroots:suggestion_reply": post(OWN, pk("suggestion"), owned=True),
    "grassroots:suggestion_moderate": post(OWN, pk("public_suggestion"), owned=True),
    "grassroots:attachment_download": get(OWN | {IMPLEMENTER}, pk("grassroots_attachment"), owned=True),
    "grassroots:public": get(EVERYONE, pk("collection")),
    "grassroots:follow": get(EVERYONE, lambda w: {"token": w["follow_token"]}),
    # stage 1: 建议书
    "proposals:book": get(STAFF | {REVIEWER}),
    "proposals:inbox": reviewer_get(),
    "proposals:inbox_xlsx": reviewer_get(),
    "proposals:inbox_csv": reviewer_get(),
    "proposals:region_extend": get({REVIEWER}, lambda w: {"code": "330000"}, reviewer_only=True),
    "proposals:book_detail": get(OWN | {REVIEWER}, pk("book"), owned=True),
    "proposals:book_cover": region_action("get", pk("book"), open_book),
    "proposals:proposal_new": region_action("get", pk("book"), open_book),
    "proposals:book_sign": region_action("post", pk("book"), open_book),
    "proposals:book_submit": region_action("post", pk("book"), open_book),
    "proposals:book_withdraw": region_action("post", pk("book"), stage(Stage.PROPOSAL)),
    "proposals:book_return": reviewer_post(pk("book"), owned=True),
    "proposals:book_extend": reviewer_post(pk("book"), owned=True),
    "proposals:book_pdf": get(OWN | {REVIEWER}, pk("book"), owned=True),
    # Excel import (issue 18 §5): the template (filled with the book) for whoever sees the book; the import for
    # the region's staff while the book may be edited
    "proposals:import_template": get(OWN | {REVIEWER}, pk("book"), owned=True),
    "proposals:book_import": region_action("get", pk("book"), open_book),
    "proposals:book_docx": get(OWN | {REVIEWER}, pk("book"), owned=True),
    "proposals:proposal_edit": region_action("get", pk("proposal"), open_book),
    "proposals:proposal_delete": region_action("post", pk("proposal"), open_book),
    "proposals:proposal_move": region_action("post", pk("proposal"), open_book),
    "proposals:attachment_upload": region_action("post", pk("proposal"), open_book),
    "proposals:attachment_download": get(OWN | {REVIEWER}, pk("attachment"), owned=True),
    "proposals:attachment_delete": region_action("post", pk("attachment"), open_book),
    # stage 2: 清单
    "catalog:merge": reviewer_get(),
    "catalog:merge_xlsx": reviewer_get(),
    "catalog:merge_csv": reviewer_get(),
    "catalog:proposal_summary": reviewer_get(),  # 年度建议汇总 (issue 18 §4)
    "catalog:merge_groups": reviewer_get(),
    "catalog:merge_prefill": reviewer_get(),  # without proposals: back to the groups
    "catalog:merge_compare": reviewer_get(),
    "catalog:synonyms": reviewer_get(),
    "catalog:synonyms_xlsx": reviewer_get(),
    "catalog:synonyms_csv": reviewer_get(),
    "catalog:synonym_edit": reviewer_get(lambda w: {"pk": _synonym_group().pk}),
    "catalog:synonym_delete": reviewer_post(lambda w: {"pk": _synonym_group().pk}),
    "catalog:reject": reviewer_post(pk("proposal_other")),
    "catalog:unreject": reviewer_post(pk("rejected")),
    "catalog:measures": reviewer_get(),
    "catalog:measures_xlsx": reviewer_get(),
    "catalog:measures_csv": reviewer_get(),
    "catalog:measure_detail": reviewer_get(pk("measure")),
    "catalog:unmerge": reviewer_post(pk("measure")),
    "catalog:assign": reviewer_post(pk("measure")),
    "catalog:unassign": reviewer_post(pk("review")),
    "catalog:include": reviewer_post(pk("measure")),
    "catalog:my_reviews": get({EXPERT}),
    "catalog:my_reviews_xlsx": get({EXPERT}),
    "catalog:my_reviews_csv": get({EXPERT}),
    "catalog:review": get({EXPERT}, pk("review")),
    "catalog:lists": reviewer_get(),
    "catalog:lists_xlsx": reviewer_get(),
    "catalog:lists_csv": reviewer_get(),
    "catalog:list_manage": reviewer_get(pk("draft_list")),
    "catalog:send": reviewer_post(pk("draft_list")),
    "catalog:publish": reviewer_post(pk("draft_list")),
    "catalog:respond": reviewer_post(pk("opinion")),
    "catalog:consultations": get({LIAISON}),
    "catalog:consultations_xlsx": get({LIAISON}),
    "catalog:consultations_csv": get({LIAISON}),
    "catalog:consultation": get({LIAISON}, pk("consultation")),
    "catalog:published": get(EVERYONE),
    "catalog:public_list": get(EVERYONE, pk("published_list")),
    "catalog:public_pdf": get(EVERYONE, pk("published_list")),
    "catalog:public_docx": get(EVERYONE, pk("published_list")),
    "catalog:public_xlsx": get(EVERYONE, pk("published_list")),
    # stage 3: 揭榜
    "bidding:bids": get(STAFF | {REVIEWER}),
    "bidding:bids_xlsx": get(STAFF),  # each region its own bids; reviewers read the matrix
    "bidding:bids_csv": get(STAFF),
    "bidding:bid_edit": get(STAFF, lambda w: {"entry_pk": w["free_entry"].pk}, **BIDS),
    "bidding:bid_delete": post(STAFF, lambda w: {"entry_pk": w["bid_entry"].pk}, **BIDS),
    "bidding:bid_set_sign": post(STAFF, **BIDS),
    "bidding:bid_set_submit": post(STAFF, **BIDS),
    "bidding:bid_set_withdraw": post(STAFF, prepare=region_b_submitted_bids, state_refused=frozenset(OWN)),
    "bidding:matrix": reviewer_get(),
    "bidding:matrix_xlsx": reviewer_get(),
    "bidding:award": reviewer_post(),
    "bidding:extend": reviewer_post(),
    "bidding:notices_issue": reviewer_post(),
    "bidding:notice_progress": reviewer_get(pk("batch")),
    "bidding:notice_issue_one": reviewer_get(),
    "bidding:doc_number_register": reviewer_get(),
    "bidding:doc_number_register_xlsx": reviewer_get(),
    "bidding:doc_number_register_csv": reviewer_get(),
    "bidding:notice_download": get(OWN | {REVIEWER}, pk("notice"), owned=True),
    "bidding:notice_docx": get(OWN | {REVIEWER}, pk("notice"), owned=True),
    "bidding:tasks": get(STAFF | {REVIEWER, IMPLEMENTER}),
    # the list's exports (issue 18 §4): the page's own permission checks (江苏's rows are its own: empty)
    "bidding:tasks_xlsx": get(STAFF | {REVIEWER, IMPLEMENTER}),
    "bidding:tasks_csv": get(STAFF | {REVIEWER, IMPLEMENTER}),
    "bidding:task_detail": get(OWN | {REVIEWER, IMPLEMENTER}, pk("task"), owned=True),
    "bidding:plan_pdf": get(OWN | {REVIEWER, IMPLEMENTER}, pk("task"), owned=True),
    "bidding:plan_docx": get(OWN | {REVIEWER, IMPLEMENTER}, pk("task"), owned=True),
    "bidding:task_entities": post(OWN, pk("planning"), owned=True),
    "bidding:milestone_add": post(OWN, pk("planning"), owned=True),
    "bidding:target_add": post(OWN, pk("planning"), owned=True),
    "bidding:plan_confirm": post(OWN, pk("planning"), owned=True),
    "bidding:plan_template": get(OWN | {REVIEWER}, pk("planning"), owned=True),
    "bidding:plan_import": get(OWN, pk("planning"), owned=True),
    "bidding:report_new": get(OWN | {IMPLEMENTER}, pk("task"), owned=True),
    "bidding:coordination_new": post(OWN | {IMPLEMENTER}, pk("task"), owned=True),
    "bidding:summary": region_action("get", pk("task"), milestones_done),
    "bidding:milestone_delete": post(OWN, pk("milestone"), owned=True),
    "bidding:target_delete": post(OWN, pk("target"), owned=True),
    "bidding:report_attachment": get(OWN | {REVIEWER, IMPLEMENTER}, pk("report_attachment"), owned=True),
    "bidding:coordination_answer": reviewer_post(pk("coordination"), owned=True),
    "bidding:progress": reviewer_get(),
    "bidding:progress_xlsx": reviewer_get(),
    "bidding:progress_csv": reviewer_get(),
    # stage 4: 评估
    "evaluation:commissions": get({REVIEWER, EVALUATOR, EVALUATOR_B}),
    "evaluation:commissions_xlsx": reviewer_get(),  # evaluators export their own list (assignments) instead
    "evaluation:commissions_csv": reviewer_get(),
    "evaluation:commission_new": reviewer_get(),
    "evaluation:commission_detail": get({REVIEWER, EVALUATOR}, pk("commission")),
    # the world's commission has a submitted assessment, so withdrawing it is refused even to reviewers
    "evaluation:commission_withdraw": post(
        {REVIEWER}, pk("commission"), reviewer_only=True, state_refused=frozenset({REVIEWER})
    ),
    "evaluation:assignments": get({EVALUATOR, EVALUATOR_B}),
    # each agency's own tasks only (the other agency's export is empty)
    "evaluation:assignments_xlsx": get({EVALUATOR, EVALUATOR_B}),
    "evaluation:assignments_csv": get({EVALUATOR, EVALUATOR_B}),
    "evaluation:task_detail": get({REVIEWER, EVALUATOR}, pk("evaluated_task"), owned=True),
    "evaluation:task_export": get({REVIEWER, EVALUATOR}, pk("evaluated_task"), owned=True),
    "evaluation:assessment_edit": get({EVALUATOR}, pk("evaluated_task"), owned=True, prepare=reopened),
    "evaluation:report_attachment": get({REVIEWER, EVALUATOR}, pk("evaluated_attachment"), owned=True),
    "evaluation:assessments": reviewer_get(),
    "evaluation:assessments_xlsx": reviewer_get(),
    "evaluation:assessments_csv": reviewer_get(),
    "evaluation:assessment_detail": get({REVIEWER, EVALUATOR}, pk("assessment"), owned=True),
    "evaluation:assessment_report": get({REVIEWER, EVALUATOR}, pk("assessment"), owned=True),
    "evaluation:assessment_request_reopen": post({EVALUATOR}, pk("assessment"), owned=True),
    "evaluation:assessment_decide_reopen": Access(
        pk("assessment"),
        "post",
        frozenset({REVIEWER}),
        owned=True,
        reviewer_only=True,
        prepare=reopen_requested,
    ),
    "evaluation:scheme": reviewer_get(),
    "evaluation:outcomes": reviewer_get(),
    "evaluation:outcomes_xlsx": reviewer_get(),
    "evaluation:outcomes_csv": reviewer_get(),
    "evaluation:outcome_new": get(
        {REVIEWER},
        lambda w: {"task_pk": w["evaluated_task"].pk},
        owned=True,
        reviewer_only=True,
        prepare=no_outcome,
    ),
    "evaluation:outcome_edit": reviewer_get(pk("outcome")),
    "evaluation:outcome_publish": reviewer_post(pk("outcome")),
    "evaluation:incentives": reviewer_get(),
    "evaluation:incentives_xlsx": reviewer_get(),
    "evaluation:incentives_csv": reviewer_get(),
    "evaluation:results": reviewer_get(),
    "evaluation:results_export": reviewer_get(),
    "evaluation:results_publish": reviewer_get(),
    "evaluation:results_unpublish": reviewer_post(),
    "evaluation:library": get(EVERYONE),
    "evaluation:library_xlsx": get(EVERYONE),  # published outcomes only, like the page
    "evaluation:library_csv": get(EVERYONE),
    "evaluation:library_detail": get(EVERYONE, pk("published_outcome")),
    "evaluation:public_results": get(EVERYONE),
}

# (url name, actor) pairs where the portal currently answers wrongly; each one is reported, not hidden:
# see test_known_bugs_are_still_bugs.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


# ---- the URL conf ---------------------------------------------------------------------------------


def url_names(resolver=None, prefix=""):
    """Every named pattern of the URL conf, with its namespaces (``catalog:measures``)."""
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            names |= url_names(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    # The API's routes (namespace ``api``) have their own matrix, every method under session and token
    # authentication: tests/config/test_api_urls.py.
    return {n for n in names if not n.startswith(("admin:", "api:")) and n not in EXCLUDED}


def test_every_url_is_in_the_matrix():
    names = url_names()
    missing = sorted(names - set(MATRIX))
    assert not missing, f"views without a permission-matrix entry: {', '.join(missing)}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"matrix entries for URLs that no longer exist: {', '.join(stale)}"


def test_the_collector_sees_namespaces_and_skips_the_excluded():
    names = url_names()
    assert {"home", "catalog:measures", "bidding:task_detail", "evaluation:library"} <= names
    assert not {n for n in names if n.startswith("admin:")}
    assert not names & EXCLUDED
    assert len(names) == len(MATRIX)


# ---- one world --------------------------------------------------------------------------------------


def _set_stage(cycle, stage):
    for name, value in f.cycle_dates(stage).items():
        setattr(cycle, name, value)
    cycle.save()


def _stored_notice_pdf(notice):
    """The letter's file as notice_render stores it (WeasyPrint is not what this module tests)."""
    notice.sha256 = hashlib.sha256(PDF).hexdigest()
    notice.pdf.save(f"{notice.year}-{notice.sequence}-{notice.region.code}.pdf", ContentFile(PDF), save=False)
    notice.save()
    return notice


def _cast():
    """The standard cast of tests/conftest.py, built here because the world is built once per module."""
    expert = f.UserFactory(
        username="expert",
        role=Role.EXPERT,
        organization=f.OrganizationFactory(
            name="中国科学院某研究所", kind=OrgKind.INSTITUTE, region=f.region("110000")
        ),
    )
    liaison = f.UserFactory(
        username="liaison",
        role=Role.MINISTRY_LIAISON,
        organization=f.OrganizationFactory(name="工业和信息化部", kind=OrgKind.MINISTRY, region=None),
    )
    evaluator = fe.evaluator_user(fe.agency("某评估中心"), username="evaluator")
    implementer = f.UserFactory(
        username="implementer",
        role=Role.IMPLEMENTER,
        organization=f.OrganizationFactory(
            name="浙江大学", kind=OrgKind.UNIVERSITY, region=f.region("330000")
        ),
    )
    return {
        A: f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zj_drc"),
        B: f.regional_user("320000", OrgKind.REGIONAL_DRC, username="js_drc"),
        REVIEWER: f.national_user(username="ndrc"),
        EXPERT: expert,
        LIAISON: liaison,
        EVALUATOR: evaluator,
        EVALUATOR_B: fe.evaluator_user(fe.agency("国家科技评估中心"), username="evaluator_b"),
        IMPLEMENTER: implementer,
        PUBLIC: f.UserFactory(username="public", organization=f.OrganizationFactory(name="某科技公司")),
    }


def build_world():
    users = _cast()
    a, reviewer, expert, liaison, evaluator, implementer = (
        users[A],
        users[REVIEWER],
        users[EXPERT],
        users[LIAISON],
        users[EVALUATOR],
        users[IMPLEMENTER],
    )
    region_a_scitech = f.regional_user("330000", OrgKind.REGIONAL_SCITECH, username="zj_scitech")
    cycle = f.CycleFactory(stage=Stage.PROPOSAL)

    # stage 1: 浙江's book with three proposals and an attachment, signed and submitted
    book = fp.make_book(cycle, a, n=3)
    proposals = list(book.proposals.order_by("position"))
    attachment = ps.attachment_add(
        proposal=proposals[0], by=a, upload=SimpleUploadedFile("佐证材料.pdf", PDF, "application/pdf")
    )
    ps.book_sign(book=book, by=a)
    ps.book_sign(book=book, by=region_a_scitech)
    book = ps.book_submit(book=book, by=a)

    # 基层征集: 浙江's, 浙江大学 invited, one suggestion of it with an attachment, one public suggestion
    collection = fg.open_collection(cycle, a, invited=[implementer])
    suggestion = gs.suggestion_submit(collection=collection, fields=fg.suggestion_fields(), by=implementer)
    grassroots_attachment = gs.attachment_add(
        suggestion=suggestion,
        by=implementer,
        upload=SimpleUploadedFile("建议材料.pdf", PDF, "application/pdf"),
    )
    public_suggestion, follow_token = gs.suggestion_submit_public(
        collection=collection, fields=fg.public_fields(), ip_address="192.0.2.1"
    )

    # stage 2: a measure with an expert review, a consultation with an opinion, a published and a draft list
    measure = fc.measure_from(cycle, reviewer, [proposals[0]])
    review = cs.expert_assign(measure=measure, expert=expert, by=reviewer)
    rejected = cs.proposal_reject(proposal=proposals[2], reason="与国家已出台政策重复。", by=reviewer)
    v1 = cs.list_draft(cycle=cycle, by=reviewer)
    [consultation] = cs.consultation_send(measure_list=v1, ministries=[liaison.organization], by=reviewer)
    opinion = cs.opinion_give(consultation=consultation, measure=measure, stance="agree", text="", by=liaison)
    ended_proposals(v1.cycle)
    published = cs.list_publish(measure_list=v1, by=reviewer, notify=False)
    draft = cs.list_draft(cycle=cycle, by=reviewer)

    # stage 3: 浙江's submitted bid set, three tasks, the notice, a plan, a report and a coordination request
    _set_stage(cycle, Stage.BIDDING)
    entries = fb.publish_list(cycle, n=4, version=draft.version + 1)
    tasks = fb.awarded_tasks(cycle, reviewer, a, region_a_scitech, entries[:3])
    notice = _stored_notice_pdf(bs.notice_allocate(cycle=cycle, region=a.region, by=reviewer))
    task, planning, evaluated = (Task.objects.get(pk=t.pk) for t in tasks)
    bs.plan_set_entities(task=task, organizations=[implementer.organization], by=a)
    for t in (task, evaluated):
        fb.confirmed_plan(t, a)
    reports = {}
    for t in (task, evaluated):
        m, tg = t.milestones.get(), t.targets.get()
        reports[t.pk] = bs.report_file(
            task=t,
            by=a,
            period_end=timezone.localdate(),
            narrative="已完成首批试点。",
            actuals={tg.pk: Decimal("80")},
            statuses={m.pk: ("on_track", "")},
            uploads=[SimpleUploadedFile("进展材料.pdf", PDF, "application/pdf")],
        )
    coordination = bs.coordination_raise(
        task=task, subject="需国家部委协调", detail="涉及国有资产管理规定。", by=a
    )
    milestone = bs.milestone_add(task=planning, fields=fb.milestone_fields(), by=a)
    target = bs.target_add(task=planning, fields=fb.target_fields(), by=a)
    batch = NoticeBatch.objects.create(cycle=cycle, started_by=reviewer)

    # stage 4: the third task commissioned to the evaluator's agency, assessed; a published outcome
    _set_stage(cycle, Stage.EVALUATION)
    Task.objects.filter(pk=evaluated.pk).update(state=TaskState.PENDING_EVALUATION)
    evaluated.refresh_from_db()
    commission = fe.commission(
        cycle,
        reviewer,
        evaluator.organization,
        [evaluated],
        due=timezone.localdate() + datetime.timedelta(days=60),
    )
    assessment = fe.submitted_assessment(commission, evaluated, evaluator)
    outcome = es.outcome_create(task=evaluated, values=fe.OUTCOME_VALUES, by=reviewer)
    es.outcome_publish(outcome=outcome, by=reviewer)

    notification = Notification.objects.create(recipient=a, title="建议书已报送", url=reverse("dashboard"))
    invited_user = user_invite(
        organization=implementer.organization,
        username="zju_new",
        full_name="新用户",
        email="zju_new@example.cn",
        role=Role.IMPLEMENTER,
        by=a,
    )
    TOTPDevice.objects.create(user=implementer, name="验证器", confirmed=True)
    api_token, _secret = api_token_create(user=a, name="省科技管理信息系统", days=90, by=a)
    # 浙江's staff asked for a list export too long for the request: built by the worker, theirs alone
    export_job = ExportJob.objects.create(
        user=a, path=reverse("bidding:tasks_csv"), query=f"year={cycle.year}"
    )
    export_job = listing.build_export(export_job.pk)
    assert export_job.state == "done", export_job.error
    return {
        "api_token": api_token,
        "export_job": export_job,
        "users": users,
        "cycle": cycle,
        "bid_entry": entries[0],
        "book": book,
        "proposal": proposals[1],
        "proposal_other": proposals[1],
        "rejected": rejected.proposal,
        "attachment": attachment,
        "measure": measure,
        "review": review,
        "consultation": consultation,
        "opinion": opinion,
        "published_list": published,
        "draft_list": draft,
        "free_entry": entries[3],
        "notice": notice,
        "task": task,
        "planning": planning,
        "milestone": milestone,
        "target": target,
        "report_attachment": reports[task.pk].attachments.get(),
        "coordination": coordination,
        "batch": batch,
        "commission": commission,
        "evaluated_task": evaluated,
        "assessment": assessment,
        "evaluated_attachment": reports[evaluated.pk].attachments.get(),
        "outcome": outcome,
        "published_outcome": outcome,
        "notification": notification,
        "invited_user": invited_user,
        "totp_user": implementer,
        "entity": implementer.organization,
        "collection": collection,
        "suggestion": suggestion,
        "grassroots_attachment": grassroots_attachment,
        "public_suggestion": public_suggestion,
        "follow_token": follow_token,
    }


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the whole module, inside a transaction rolled back at the end; every test runs in a
    savepoint of it (pytest-django's ``db``), so what a test's requests change is undone after it."""
    from config.celery import app

    media = tmp_path_factory.mktemp("matrix-media")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
    ):
        with transaction.atomic():
            yield media, build_world()
            transaction.set_rollback(True)
    app.conf.task_always_eager = eager


@pytest.fixture
def world(_world, db, settings):
    media, w = _world
    settings.MEDIA_ROOT = media
    return w


# ---- the matrix ------------------------------------------------------------------------------------


def expected(access: Access, actor: str) -> str:
    if actor in access.state_refused:
        return "403"
    if actor in access.allowed:
        return "allowed"
    if actor == ANON:
        return "login"
    if actor == B and access.owned:
        return "403" if access.reviewer_only else "404"
    return "refused"


def outcome_of(access: Access, actor: str, response) -> str:
    """What the response means, in the terms of ``expected``."""
    status = response.status_code
    if actor == ANON and status == 302 and response.url.startswith(reverse("login")):
        return "login"
    if expected(access, actor) == "allowed" and status < 400 and actor not in access.state_refused:
        return "allowed"
    if expected(access, actor) in ("403", "404"):
        return str(status)
    if status in (403, 404):
        return "refused"
    return f"status {status}"


def request_as(world, name, access, actor, method=None):
    client = Client()
    if actor != ANON:
        client.force_login(world["users"][actor])
    url = reverse(name, kwargs=access.kwargs(world))
    response = client.get(url) if (method or access.method) == "get" else client.post(url, {})
    f.close_file(response)
    return response


POST_PROBES = {B, PUBLIC}  # refused actors who also POST to the pages (kept to two: the module stays fast)


def _actor_order(access):
    # Refused actors first: an allowed empty POST may change the world (e.g. withdraw the book).
    return sorted(ACTORS, key=lambda actor: actor in access.allowed)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_permissions(world, name):
    access = MATRIX[name]
    wrong = []
    if access.prepare:
        access.prepare(world)
    for actor in _actor_order(access):
        if (name, actor) in KNOWN_BUGS:
            continue
        response = request_as(world, name, access, actor)
        got, want = outcome_of(access, actor, response), expected(access, actor)
        if got != want:
            wrong.append(f"{actor}: {response.status_code} (expected {want})")
        if access.method == "get" and actor in POST_PROBES and want != "allowed":
            # A page that also takes a form must refuse the POST too (405 where the view is GET-only).
            response = request_as(world, name, access, actor, method="post")
            got = outcome_of(access, actor, response)
            if got != want and response.status_code != 405:
                wrong.append(f"{actor} POST: {response.status_code} (expected {want})")
    assert not wrong, f"{name} {access.method.upper()}: " + "; ".join(wrong)


@pytest.mark.parametrize("case", sorted(KNOWN_BUGS), ids="{0[0]}-{0[1]}".format)
def test_known_bugs_are_still_bugs(world, case):
    """A listed bug that gets fixed fails here, so it is taken off the list (and checked by the matrix)."""
    name, actor = case
    access = MATRIX[name]
    if access.prepare:
        access.prepare(world)
    response = request_as(world, name, access, actor)
    assert outcome_of(access, actor, response) != expected(access, actor), KNOWN_BUGS[case]


# ---- the year of a page (DECISIONS §14): a value that is not a year gives the default, never an error --------

BAD_YEARS = ["²", "\x00", "99999", "-1", "abc"]
ACTOR_PREFERENCE = [REVIEWER, A, B, EXPERT, LIAISON, EVALUATOR, IMPLEMENTER, PUBLIC, ANON]


@pytest.mark.parametrize("name", sorted(n for n, access in MATRIX.items() if access.method == "get"))
def test_a_bad_year_gives_the_default_year(world, name):
    access = MATRIX[name]
    actor = next(a for a in ACTOR_PREFERENCE if a in access.allowed and a not in access.state_refused)
    if access.prepare:
        access.prepare(world)
    client = Client()
    if actor != ANON:
        client.force_login(world["users"][actor])
    url = reverse(name, kwargs=access.kwargs(world))
    response = client.get(url)
    baseline = response.status_code
    f.close_file(response)
    got = {}
    for bad in BAD_YEARS:
        response = client.get(url, {"year": bad})
        f.close_file(response)
        got[bad] = response.status_code
    assert baseline < 400
    assert got == dict.fromkeys(BAD_YEARS, baseline)

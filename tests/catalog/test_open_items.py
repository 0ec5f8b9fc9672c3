"""Stage 2's open items on the 工作台 (catalog/open_items.py), each equal to what its page lists, in every year:
experts' reviews, liaisons' consultations, reviewers' proposals to merge and opinions to answer; and the year of
the stage's pages (year N and N+1 both alive)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services as cs
from reform_portal.enums import CycleState, Stage
from reform_portal.models import ReformCycle
from reform_portal.services import local_today
from tests.factories import ended_proposals

from .. import factories as f
from . import scenarios as fc

pytestmark = pytest.mark.django_db


def two_years():
    now = local_today().year
    return f.CycleFactory(year=now, stage=Stage.PROPOSAL), f.CycleFactory(year=now + 1, stage=Stage.PROPOSAL)


def items(client, user, kind):
    client.force_login(user)
    return [(i.year, i.count) for i in client.get(reverse("dashboard")).context["items"] if i.kind == kind]


def item_urls(client, user, kind):
    client.force_login(user)
    return {i.year: i.url for i in client.get(reverse("dashboard")).context["items"] if i.kind == kind}


def dashboard_queries(client, user):
    client.force_login(user)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("dashboard"))
    return len(ctx.captured_queries)


def measures(cycle, reviewer, code, topics):
    book, _drc, _sci = fc.submitted_region_book(cycle, code, topics)
    return [fc.measure_from(cycle, reviewer, [p], title=p.title) for p in book.proposals.order_by("position")]


def test_expert_count_equals_the_reviews_page_in_each_year(client, reviewer, expert):
    n, n1 = two_years()
    m1, m2, m3 = measures(n, reviewer, "330000", fc.ZJ_ITEMS)
    [m4, *_rest] = measures(n1, reviewer, "320000", fc.JS_ITEMS)
    mine = [cs.expert_assign(measure=m, expert=expert, by=reviewer) for m in (m1, m2, m3, m4)]
    fc.score(mine[2], expert)  # done
    other = fc.expert_in("440000")
    theirs = cs.expert_assign(measure=m1, expert=other, by=reviewer)  # someone else's

    assert items(client, expert, "expert_review") == [(n.year, 2), (n1.year, 1)]
    urls = item_urls(client, expert, "expert_review")
    for year, count in [(n.year, 2), (n1.year, 1)]:
        page = client.get(urls[year])
        assert page.context["cycle"].year == year and page.context["n_pending"] == count
        shown = [r.submitted_at is None for r in page.context["reviews"]]
        assert shown == sorted(shown, reverse=True)  # pending first (NULLs first on PostgreSQL too)
        assert shown.count(True) == count
    assert client.get(reverse("catalog:my_reviews")).context["cycle"] == n  # the year where work waits
    assert f"{n.year}年度待论证 2 项" in client.get(urls[n.year]).content.decode()
    assert client.get(reverse("catalog:review", args=[theirs.pk])).status_code == 404  # not ours
    one = dashboard_queries(client, expert)
    for m in measures(n1, reviewer, "440000", fc.TOPICS[2:5]):
        cs.expert_assign(measure=m, expert=expert, by=reviewer)
    assert items(client, expert, "expert_review") == [(n.year, 2), (n1.year, 4)]
    assert dashboard_queries(client, expert) == one


def test_liaison_count_equals_the_consultations_page_in_each_year(client, reviewer, liaison):
    n, n1 = two_years()
    done = f.CycleFactory(year=n.year - 1, stage=Stage.PROPOSAL)
    other_ministry = fc.liaison_of("教育部")
    lists = {}
    for cycle, code in ((done, "110000"), (n, "330000"), (n1, "320000")):
        measures(cycle, reviewer, code, fc.TOPICS[:3])
        lists[cycle.year] = cs.list_draft(cycle=cycle, by=reviewer)
        cs.consultation_send(
            measure_list=lists[cycle.year],
            ministries=[liaison.organization, other_ministry.organization],
            by=reviewer,
        )
    ended_proposals(lists[done.year].cycle)
    cs.list_publish(measure_list=lists[done.year], by=reviewer, notify=False)  # done: published
    consultation = lists[n.year].consultations.get(ministry=liaison.organization)
    first = consultation.measure_list.cycle.measures.order_by("position").first()
    cs.opinion_give(consultation=consultation, measure=first, stance="agree", text="", by=liaison)

    assert items(client, liaison, "consultation") == [(n.year, 1), (n1.year, 1)]
    page = client.get(item_urls(client, liaison, "consultation")[n.year])
    assert page.context["n_open"] == 1
    [row] = page.context["consultations"]
    assert (row.waiting, row.n_given, row.n_measures) == (True, 1, 3)
    assert page.context["cycle"] == n
    # the year's 待反馈 count does not depend on the state filter: counted from the rows, or by a query when a
    # filter narrows them
    answered = client.get(reverse("catalog:consultations"), {"year": n.year, "state": "answered"})
    assert answered.context["consultations"] == [] and answered.context["n_open"] == 1
    assert "待反馈 1 份" in answered.content.decode()
    # once every measure has its opinion, nothing waits in that year
    for measure in consultation.measure_list.cycle.measures.order_by("position")[1:]:
        cs.opinion_give(consultation=consultation, measure=measure, stance="agree", text="", by=liaison)
    assert items(client, liaison, "consultation") == [(n1.year, 1)]
    page = client.get(reverse("catalog:consultations"), {"year": n.year})
    assert page.context["n_open"] == 0 and "待反馈 0 份" in page.content.decode()
    assert items(client, other_ministry, "consultation") == [(n.year, 1), (n1.year, 1)]
    page = client.get(reverse("catalog:consultations"), {"year": done.year})
    assert [c.waiting for c in page.context["consultations"]] == [False]  # published: nothing more to say
    # the other ministry's consultation stays invisible to this liaison
    theirs = lists[n.year].consultations.get(ministry=other_ministry.organization)
    client.force_login(liaison)
    assert client.get(reverse("catalog:consultation", args=[theirs.pk])).status_code == 404


def test_reviewer_counts_equal_the_merge_and_list_pages(client, reviewer, liaison):
    n, n1 = two_years()
    published = f.CycleFactory(year=n.year - 1, stage=Stage.PROPOSAL)
    old_book, _d, _s = fc.submitted_region_book(published, "110000", fc.TOPICS[:3])
    fc.measure_from(published, reviewer, [old_book.proposals.order_by("position").first()])
    fc.published_list(published, reviewer)  # a published year: its 2 leftovers wait for nobody
    zj, _d, _s = fc.submitted_region_book(n, "330000", fc.ZJ_ITEMS)
    js, _d, _s = fc.submitted_region_book(n, "320000", fc.JS_ITEMS)
    zj_p = list(zj.proposals.order_by("position"))
    js_p = list(js.proposals.order_by("position"))
    measure = fc.measure_from(n, reviewer, [zj_p[0], js_p[0]])  # 2 merged
    cs.proposal_reject(proposal=zj_p[1], reason="与国家已出台政策重复。", by=reviewer)  # 1 set aside
    fc.submitted_region_book(n1, "440000", fc.TOPICS[2:5])  # 3 open in N+1

    assert items(client, reviewer, "merge") == [(n.year, 3), (n1.year, 3)]
    urls = item_urls(client, reviewer, "merge")
    page = client.get(urls[n.year])
    assert page.context["counts"]["open"] == 3 and page.context["page"].paginator.count == 3
    assert client.get(reverse("catalog:merge")).context["cycle"] == n

    measure_list = cs.list_draft(cycle=n, by=reviewer)
    [consultation] = cs.consultation_send(
        measure_list=measure_list, ministries=[liaison.organization], by=reviewer
    )
    other = fc.measure_from(n, reviewer, [zj_p[2]])
    for m in (measure, other):
        cs.opinion_give(consultation=consultation, measure=m, stance="agree", text="", by=liaison)
    assert items(client, reviewer, "opinion_response") == [(n.year, 2)]
    opinion = consultation.opinions.get(measure=measure)
    cs.opinion_respond(opinion=opinion, response="已采纳。", by=reviewer)
    assert items(client, reviewer, "opinion_response") == [(n.year, 1)]
    page = client.get(item_urls(client, reviewer, "opinion_response")[n.year])
    assert page.context["unanswered"] == 1
    assert "待答复的部门意见 1 条" in page.content.decode()
    assert client.get(reverse("catalog:lists")).context["cycle"] == n

    one = dashboard_queries(client, reviewer)
    fc.submitted_region_book(n1, "310000", fc.TOPICS[:3])
    assert items(client, reviewer, "merge") == [(n.year, 2), (n1.year, 6)]
    assert dashboard_queries(client, reviewer) == one
    ReformCycle.objects.filter(pk=n.pk).update(state=CycleState.CLOSED)  # 关闭年度: N waits for nobody
    assert items(client, reviewer, "merge") == [(n1.year, 6)]
    assert items(client, reviewer, "opinion_response") == []
    assert dashboard_queries(client, reviewer) == one


def test_stage_pages_show_the_year_asked_for(client, reviewer):
    n, n1 = two_years()
    measures(n, reviewer, "330000", fc.ZJ_ITEMS[:3])
    measures(n1, reviewer, "320000", fc.JS_ITEMS[:3])
    client.force_login(reviewer)
    for name in ("catalog:merge", "catalog:measures", "catalog:lists"):
        for cycle in (n, n1):
            page = client.get(reverse(name), {"year": cycle.year})
            assert page.context["cycle"] == cycle, name
            html = page.content.decode()
            assert (
                'data-testid="year-switch"' in html
                and f'<strong aria-current="page" data-year="{cycle.year}">' in html
            )
        assert client.get(reverse(name), {"year": "1999"}).status_code == 404
    assert [
        m.cycle for m in client.get(reverse("catalog:measures"), {"year": n.year}).context["measures"]
    ] == [n] * 3


def test_reviewer_counts_are_stored_and_follow_each_service(client, reviewer):
    """The reviewers' stage-2 counts are stored per year (issue 19, DECISIONS §19): setting a proposal aside,
    taking that back and merging each invalidate them through the service's own save."""
    from catalog.open_items import REVIEWER_OPEN, reviewer_open
    from reform_portal.models import CycleTally

    n, _n1 = two_years()
    zj, _d, _s = fc.submitted_region_book(n, "330000", fc.ZJ_ITEMS)
    proposals = list(zj.proposals.order_by("position"))

    def fresh():
        row = CycleTally.objects.get(cycle=n, key=REVIEWER_OPEN)
        return row.generation == row.data_generation and row.data == reviewer_open(n)

    assert items(client, reviewer, "merge") == [(n.year, len(proposals))]
    assert fresh()
    cs.proposal_reject(proposal=proposals[0], reason="与国家已出台政策重复。", by=reviewer)
    assert not fresh()
    assert items(client, reviewer, "merge") == [(n.year, len(proposals) - 1)]
    cs.proposal_unreject(proposal=proposals[0], by=reviewer)
    assert items(client, reviewer, "merge") == [(n.year, len(proposals))]
    fc.measure_from(n, reviewer, proposals[:2])
    assert items(client, reviewer, "merge") == [(n.year, len(proposals) - 2)]
    assert fresh()


def test_the_merge_pages_figures_are_the_stored_ones_and_follow_each_service(client, reviewer):
    """汇总与合并's figures (共 / 待处理 / 已合并 / 未采纳) are the year's stored figures, equal to counting the
    proposals, after setting aside, taking back, merging and unmerging; the page counts no proposals for them."""
    from catalog.models import Measure
    from catalog.services import OPEN_BOOK_STATES
    from proposals.models import MeasureProposal

    n, _n1 = two_years()
    zj, _d, _s = fc.submitted_region_book(n, "330000", fc.ZJ_ITEMS)
    fc.submitted_region_book(n, "320000", fc.JS_ITEMS)
    proposals = list(zj.proposals.order_by("position"))
    client.force_login(reviewer)

    def figures():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("catalog:merge"), {"year": n.year})
        aggregate = [q for q in ctx.captured_queries if 'COUNT("proposals_measureproposal"."id")' in q["sql"]]
        assert aggregate == []
        shown = page.context["counts"]
        reported = MeasureProposal.objects.filter(book__cycle=n, book__state__in=OPEN_BOOK_STATES)
        merged = reported.filter(measure_source__isnull=False).count()
        rejected = reported.filter(measure_source__isnull=True, rejection__isnull=False).count()
        assert shown == {
            "total": reported.count(),
            "merged": merged,
            "rejected": rejected,
            "open": reported.count() - merged - rejected,
        }
        return shown["total"], shown["merged"], shown["rejected"], shown["open"]

    total = len(fc.ZJ_ITEMS) + len(fc.JS_ITEMS)
    assert figures() == (total, 0, 0, total)
    cs.proposal_reject(proposal=proposals[0], reason="与国家已出台政策重复。", by=reviewer)
    assert figures() == (total, 0, 1, total - 1)
    cs.proposal_unreject(proposal=proposals[0], by=reviewer)
    assert figures() == (total, 0, 0, total)
    fc.measure_from(n, reviewer, proposals[:2])
    assert figures() == (total, 2, 0, total - 2)
    cs.measure_unmerge(measure=Measure.objects.get(cycle=n), by=reviewer)
    assert figures() == (total, 0, 0, total)


def test_a_regions_draft_does_not_touch_the_reviewers_counts(client, reviewer):
    """Proposals saved while their 建议书 is the region's draft are not counted: those saves take no lock on the
    year's tallies (regions write at the same time); reporting the book invalidates the counts."""
    from catalog.open_items import REVIEWER_OPEN
    from proposals import services as ps
    from reform_portal import tallies
    from reform_portal.enums import OrgKind
    from reform_portal.models import CycleTally

    n, _n1 = two_years()
    assert items(client, reviewer, "merge") == []
    generations = dict(CycleTally.objects.filter(cycle=n).values_list("key", "generation"))
    drc = f.regional_user("330000", OrgKind.REGIONAL_DRC)
    scitech = f.regional_user("330000", OrgKind.REGIONAL_SCITECH)
    book = ps.book_get_or_create(cycle=n, region=drc.region, by=drc)
    book = ps.book_update_cover(
        book=book, contact_name="联系人", contact_phone="010-68501985", summary="改革举措建议。", by=drc
    )
    for title, pain, content in fc.ZJ_ITEMS:
        ps.proposal_create(book=book, fields=fc.fields(title, pain, content), results=fc.fp.RESULTS, by=drc)
    ps.book_sign(book=book, by=drc)
    after = dict(CycleTally.objects.filter(cycle=n).values_list("key", "generation"))
    assert after[REVIEWER_OPEN] == generations[REVIEWER_OPEN]
    assert after.get(tallies.CYCLE_LOCK) == generations.get(tallies.CYCLE_LOCK)  # no lock taken for the year
    fc.submitted_region_book(n, "320000", fc.JS_ITEMS)  # another region reports: counted at once
    assert items(client, reviewer, "merge") == [(n.year, len(fc.JS_ITEMS))]
    ps.book_sign(book=book, by=scitech)
    ps.book_submit(book=book, by=drc)  # reported: its proposals are counted
    assert items(client, reviewer, "merge") == [(n.year, len(fc.JS_ITEMS) + len(fc.ZJ_ITEMS))]


def test_the_liaisons_waiting_query_counts_each_thing_once(reviewer, liaison):
    """The liaison's waiting consultations (工作台, the 征求意见 page's default year) compare the two counts in WHERE
    only: each counting subquery is written once in the SQL, not in SELECT, a CASE and WHERE (issue 19)."""
    from catalog.selectors import consultations_waiting

    sql = str(consultations_waiting(liaison).query)
    assert sql.count('FROM "catalog_departmentopinion"') == 1
    assert sql.count('FROM "catalog_measure"') == 1
    assert "CASE" not in sql


def test_the_merge_pages_stored_stamps_follow_every_change_of_the_reported_proposals(client, reviewer):
    """The digest keying 汇总与合并's similarity caches is stored with the year's figures (``merge_stamps``); it stays
    the digest of the reported proposals as they stand after a 建议书 is reported, a reported proposal is edited or
    deleted, a 建议书 is returned; a merge or a setting aside leaves it as it was (the cached ranking stays)."""
    from catalog import selectors
    from catalog.open_items import merge_stamps
    from proposals import services as ps
    from proposals.models import MeasureProposal

    n, _n1 = two_years()
    zj, _d, _s = fc.submitted_region_book(n, "330000", fc.ZJ_ITEMS)
    seen = [merge_stamps(n)]

    def follows():
        stored = merge_stamps(n)
        assert stored == selectors.proposal_stamps(n) != seen[-1]
        seen.append(stored)

    js, _d, _s = fc.submitted_region_book(n, "320000", fc.JS_ITEMS)
    follows()
    proposal = MeasureProposal.objects.filter(book=js).order_by("position").first()
    proposal.title = "开展职务科技成果赋权改革试点（修改）"
    proposal.save()
    follows()
    proposals = list(zj.proposals.order_by("position"))
    cs.proposal_reject(proposal=proposals[0], reason="与国家已出台政策重复。", by=reviewer)
    fc.measure_from(n, reviewer, proposals[1:3])
    assert merge_stamps(n) == seen[-1] == selectors.proposal_stamps(n)
    proposal.delete()
    follows()
    ps.book_return(book=js, reason="请补充材料。", by=reviewer)
    follows()
    assert seen[-1] == seen[0]  # 浙江省's proposals only, as before 江苏省 reported
    client.force_login(reviewer)
    page = client.get(reverse("catalog:merge"), {"year": n.year}).content.decode()
    assert "江苏省" not in page.split('data-testid="merge-table"')[1].split("</table>")[0]

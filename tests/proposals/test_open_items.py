"""Stage 1's open items on the 工作台 (proposals/open_items.py) and the year of the 建议书 pages: a region's book waits
in every year whose window is open for it and that it has not reported; the page the item links to is that
year's book."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals import services
from proposals.enums import BookState
from proposals.models import ProposalBook
from reform_portal.enums import OrgKind, Stage
from reform_portal.models import DeadlineExtension
from reform_portal.services import extension_grant, local_today

from .. import factories as f
from . import scenarios as fp

pytestmark = pytest.mark.django_db


def cycles(*stages):
    """One cycle per stage, years counted from this year: the first is the oldest."""
    first = local_today().year - len(stages) + 2
    return [f.CycleFactory(year=first + i, stage=stage) for i, stage in enumerate(stages)]


def set_stage(cycle, stage):
    """Move a cycle on (its dates as if ``stage`` were today's)."""
    for name, value in f.cycle_dates(stage).items():
        setattr(cycle, name, value)
    cycle.save()


def dashboard_items(client, user, kind):
    client.force_login(user)
    page = client.get(reverse("dashboard"))
    return [(i.year, i.count, i.url) for i in page.context["items"] if i.kind == kind]


def test_the_region_sees_each_year_whose_book_waits(client, region_a_drc, region_a_scitech, region_b_drc):
    done, n, n1 = cycles(Stage.PROPOSAL, Stage.PROPOSAL, Stage.PROPOSAL)
    fp.submitted_book(done, region_a_drc, region_a_scitech)  # done: reported
    set_stage(done, Stage.REVIEW)
    fp.make_book(n, region_a_drc)  # a draft: waits
    fp.make_book(n1, region_b_drc)  # another region's book: not ours; ours for n1 is not even started
    closed = f.CycleFactory(year=n.year - 5, stage=Stage.PROPOSAL)
    fp.make_book(closed, region_a_drc)  # a draft whose window closed long ago: nothing can be done
    set_stage(closed, Stage.EVALUATION)

    items = dashboard_items(client, region_a_drc, "book")
    book_url = reverse("proposals:book")
    assert items == [(n.year, 1, f"{book_url}?year={n.year}"), (n1.year, 1, f"{book_url}?year={n1.year}")]
    # the item opens that year's book, in a state the region can still report
    for year, _count, url in items:
        page = client.get(url)
        book = ProposalBook.objects.get(pk=int(page["Location"].rstrip("/").rsplit("/", 1)[1]))
        assert (book.cycle.year, book.region, book.state) == (year, region_a_drc.region, BookState.DRAFT)
    assert dashboard_items(client, region_b_drc, "book") == items  # its own: none started in n, a draft in n1


def test_an_extension_keeps_the_book_open_and_a_returned_book_waits(
    client, region_a_drc, region_a_scitech, reviewer
):
    past = f.CycleFactory(year=local_today().year - 1, stage=Stage.PROPOSAL)
    book = fp.signed_book(past, region_a_drc, region_a_scitech)
    set_stage(past, Stage.REVIEW)
    assert dashboard_items(client, region_a_drc, "book") == []
    extension_grant(
        cycle=past,
        region=region_a_drc.region,
        stage=Stage.PROPOSAL,
        until=local_today() + datetime.timedelta(days=3),
        reason="补充材料",
        by=reviewer,
    )
    [(year, count, _url)] = dashboard_items(client, region_a_drc, "book")
    assert (year, count) == (past.year, 1)
    assert client.get(reverse("dashboard")).context["items"][0].due == local_today() + datetime.timedelta(
        days=3
    )
    book = services.book_submit(book=book, by=region_a_drc)
    assert dashboard_items(client, region_a_drc, "book") == []
    services.book_return(book=book, reason="请补充量化指标。", by=reviewer)
    [(year, count, _url)] = dashboard_items(client, region_a_drc, "book")
    assert (year, count) == (past.year, 1)
    assert "被退回" in client.get(reverse("dashboard")).context["items"][0].title


def dashboard_queries(client, user):
    client.get(reverse("dashboard"))  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("dashboard"))
    return len(ctx.captured_queries), page.context["items"]


def test_dashboard_queries_do_not_grow_with_open_books(client, region_a_drc):
    years = cycles(*[Stage.PROPOSAL] * 3)
    fp.make_book(years[0], region_a_drc)
    client.force_login(region_a_drc)
    one, items = dashboard_queries(client, region_a_drc)
    assert [i.year for i in items] == [years[0].year, years[1].year, years[2].year]  # 2 not started yet
    for cycle in years[1:]:
        fp.make_book(cycle, region_a_drc)
    three, items = dashboard_queries(client, region_a_drc)
    assert len(items) == 3 and three == one


# ---- the pages take the year ----------------------------------------------------------------------------


def test_book_page_and_inbox_show_the_year_asked_for(
    client, region_a_drc, region_a_scitech, region_b_drc, reviewer
):
    n, n1 = cycles(Stage.PROPOSAL, Stage.PROPOSAL)
    old = fp.submitted_book(n, region_a_drc, region_a_scitech)
    set_stage(n, Stage.REVIEW)
    new = fp.make_book(n1, region_a_drc)
    client.force_login(region_a_drc)
    assert client.get(reverse("proposals:book"), {"year": n.year})["Location"] == old.get_absolute_url()
    assert client.get(reverse("proposals:book"), {"year": n1.year})["Location"] == new.get_absolute_url()
    # without ?year=: the year whose book waits (n1), not the one already reported
    assert client.get(reverse("proposals:book"))["Location"] == new.get_absolute_url()
    page = client.get(old.get_absolute_url())
    html = page.content.decode()
    assert f'href="/proposals/book/?year={n1.year}"' in html  # the year switch on the book's page
    # a closed year without a book is not created after the fact
    older = f.CycleFactory(year=n.year - 1, stage=Stage.EVALUATION)
    page = client.get(reverse("proposals:book"), {"year": older.year})
    assert page.status_code == 200 and 'data-testid="no-book"' in page.content.decode()
    assert not ProposalBook.objects.filter(cycle=older).exists()
    assert client.get(reverse("proposals:book"), {"year": "1999"}).status_code == 404
    # another region's book of either year stays invisible
    client.force_login(region_b_drc)
    assert client.get(old.get_absolute_url()).status_code == 404
    assert client.get(new.get_absolute_url()).status_code == 404

    client.force_login(reviewer)
    rows = client.get(reverse("proposals:inbox"), {"year": n.year}).context["rows"]
    assert {r["region"].code: r["status"] for r in rows if r["book"]} == {"330000": BookState.SUBMITTED}
    page = client.get(reverse("proposals:inbox"))
    assert page.context["cycle"] == n1  # the latest year: the one collecting 建议书
    assert f'href="/proposals/inbox/330000/extend/?year={n1.year}"' in page.content.decode()


def test_an_extension_is_granted_for_the_year_of_the_inbox(client, reviewer):
    n, n1 = cycles(Stage.REVIEW, Stage.PROPOSAL)
    client.force_login(reviewer)
    until = n.proposal_deadline + datetime.timedelta(days=30)
    page = client.post(
        f"{reverse('proposals:region_extend', args=['330000'])}?year={n.year}",
        {"until": until.isoformat(), "reason": "疫情影响，申请延期。", "year": n.year},
    )
    assert page["Location"] == f"{reverse('proposals:inbox')}?year={n.year}"
    assert list(DeadlineExtension.objects.values_list("cycle__year", "region__code", "until")) == [
        (n.year, "330000", until)
    ]


def test_regional_staff_of_an_unrelated_kind_are_not_asked(client):
    """A department that is not a region's DRC or 科技厅 has no region's book to report."""
    cycles(Stage.PROPOSAL)
    user = f.UserFactory(
        organization=f.OrganizationFactory(kind=OrgKind.EVALUATOR, region=None), role="regional_staff"
    )
    assert dashboard_items(client, user, "book") == []

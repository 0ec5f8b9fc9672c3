"""Who may see and do what with 建议书: regions see only their own; reviewers see submitted books."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals import services
from proposals.selectors import books_visible_to
from reform_portal.enums import OrgKind, Role

from .. import factories as f
from ..factories import close_file
from . import scenarios as fp

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def books(cycle, region_a_drc, region_a_scitech, region_b_drc):
    """Zhejiang's submitted book with an attachment, Jiangsu's draft."""
    region_b_scitech = f.regional_user("320000", OrgKind.REGIONAL_SCITECH)
    zj = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    js = fp.make_book(cycle, region_b_drc)
    services.book_withdraw(book=zj, by=region_a_drc)
    att = services.attachment_add(
        proposal=zj.proposals.first(),
        by=region_a_drc,
        upload=SimpleUploadedFile("方案.pdf", PDF, "application/pdf"),
    )
    services.book_sign(book=zj, by=region_a_drc)
    services.book_sign(book=zj, by=region_a_scitech)
    zj = services.book_submit(book=zj, by=region_a_drc)
    return {"zj": zj, "js": js, "att": att, "js_scitech": region_b_scitech}


def urls(book, att):
    p = book.proposals.first()
    return {
        "detail": ("get", reverse("proposals:book_detail", args=[book.pk])),
        "pdf": ("get", reverse("proposals:book_pdf", args=[book.pk])),
        "cover": ("get", reverse("proposals:book_cover", args=[book.pk])),
        "new": ("get", reverse("proposals:proposal_new", args=[book.pk])),
        "edit": ("get", reverse("proposals:proposal_edit", args=[p.pk])),
        "sign": ("post", reverse("proposals:book_sign", args=[book.pk])),
        "submit": ("post", reverse("proposals:book_submit", args=[book.pk])),
        "withdraw": ("post", reverse("proposals:book_withdraw", args=[book.pk])),
        "return": ("post", reverse("proposals:book_return", args=[book.pk])),
        "delete": ("post", reverse("proposals:proposal_delete", args=[p.pk])),
        "attachment": ("get", reverse("proposals:attachment_download", args=[att.pk])) if att else None,
    }


@pytest.mark.parametrize("role", [Role.EXPERT, Role.MINISTRY_LIAISON, Role.EVALUATOR, Role.IMPLEMENTER])
def test_other_roles_never_see_a_book(client, books, role_users, role):
    client.force_login(role_users[role])
    for name, spec in urls(books["zj"], books["att"]).items():
        method, url = spec
        response = getattr(client, method)(url)
        close_file(response)
        assert response.status_code in (403, 404), (name, response.status_code)
    assert client.get(reverse("proposals:inbox")).status_code == 403
    assert client.get(reverse("proposals:book")).status_code == 403


def test_region_b_cannot_read_or_touch_region_a(client, books, region_b_drc):
    client.force_login(region_b_drc)
    for name, (method, url) in urls(books["zj"], books["att"]).items():
        expected = 403 if name == "return" else 404  # reviewer-only action: refused before any lookup
        assert getattr(client, method)(url).status_code == expected, name
    assert list(books_visible_to(region_b_drc)) == [books["js"]]


def test_region_a_sees_its_own_book_and_files(client, books, region_a_scitech):
    client.force_login(region_a_scitech)
    book = books["zj"]
    assert client.get(reverse("proposals:book_detail", args=[book.pk])).status_code == 200
    download = client.get(reverse("proposals:attachment_download", args=[books["att"].pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert client.get(reverse("proposals:book")).url == reverse("proposals:book_detail", args=[book.pk])


def test_submitted_book_cannot_be_edited_by_its_region(client, books, region_a_drc):
    client.force_login(region_a_drc)
    u = urls(books["zj"], None)
    assert client.get(u["cover"][1]).status_code == 403
    assert client.get(u["edit"][1]).status_code == 403


def test_reviewer_reads_submitted_books_but_not_drafts(client, books, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("proposals:book_detail", args=[books["zj"].pk])).status_code == 200
    download = client.get(reverse("proposals:attachment_download", args=[books["att"].pk]))
    assert download.status_code == 200
    close_file(download)
    assert client.get(reverse("proposals:book_detail", args=[books["js"].pk])).status_code == 404
    # read-only: no edit pages
    u = urls(books["zj"], None)
    assert client.get(u["cover"][1]).status_code == 403
    assert client.get(u["edit"][1]).status_code == 403


def test_reviewer_inbox_lists_every_region(client, books, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("proposals:inbox"))
    rows = {r["region"].code: r["status"] for r in page.context["rows"]}
    assert len(rows) == 13
    assert rows["330000"] == "submitted" and rows["320000"] == "draft" and rows["110000"] == "none"


def test_anonymous_is_sent_to_login(client, books):
    for name, (method, url) in urls(books["zj"], books["att"]).items():
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_region_staff_of_the_region_get_object_permissions_when_the_book_is_created(
    cycle, region_a_drc, region_a_scitech
):
    book = fp.make_book(cycle, region_a_drc, n=0)
    later_colleague = f.regional_user("330000", OrgKind.REGIONAL_SCITECH)
    for user in (region_a_drc, region_a_scitech, later_colleague):
        assert user.has_perm("proposals.view_proposalbook", book)
        assert user.has_perm("proposals.change_proposalbook", book)

import io
import logging

import pdfplumber
import pytest
from django.urls import reverse

from proposals import services
from proposals.documents import render_book_pdf

from . import scenarios as fp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    """A request from an English session leaves English active in this thread: the next test starts in Chinese."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


def pdf_text(data):
    """Every page's text (pypdf), whitespace removed."""
    import re

    from pypdf import PdfReader

    return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages))


def text_of(pdf_bytes):
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return "".join((page.extract_text() or "") for page in pdf.pages).replace("\n", "")


def test_the_pdf_carries_the_titles_in_extractable_chinese(client, cycle, region_a_drc, region_a_scitech):
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    client.force_login(region_a_drc)
    response = client.get(reverse("proposals:book_pdf", args=[book.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert f"浙江省{cycle.year}年度全面创新改革举措建议书" in text
    for i in (1, 2, 3):
        assert f"科技成果赋权改革试点{i}" in text
    assert "国家发展改革委创新和高技术发展司" in text
    assert (
        text.index("一、科技成果赋权改革试点1") < text.index("二、科技成果赋权改革试点2") < text.index("三、")
    )


def test_user_markup_is_printed_literally_and_fetches_nothing(cycle, region_a_drc, caplog):
    book = fp.make_book(cycle, region_a_drc, n=0)
    services.proposal_create(
        book=book,
        by=region_a_drc,
        fields=fp.proposal_fields(
            1,
            title="<script>alert(1)</script>",
            content='<img src="http://127.0.0.1:9/x.png"><img src="file:///etc/passwd">',
        ),
    )
    with caplog.at_level(logging.WARNING, logger="reform_portal.pdf"):
        text = text_of(render_book_pdf(book))
    assert "<script>alert(1)</script>" in text
    assert '<img src="http://127.0.0.1:9/x.png">' in text
    assert not [r for r in caplog.records if "127.0.0.1" in r.getMessage() or "passwd" in r.getMessage()]


def test_fonts_are_embedded(cycle, region_a_drc):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(render_book_pdf(fp.make_book(cycle, region_a_drc))))
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object().get("/DescendantFonts")
            obj = descriptor[0].get_object() if descriptor else font.get_object()
            fd = obj["/FontDescriptor"].get_object()
            fonts.append(any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")))
    assert fonts and all(fonts)


def test_the_pdf_is_rendered_once_per_state_of_the_book(client, cycle, region_a_drc):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    book = fp.make_book(cycle, region_a_drc)
    client.force_login(region_a_drc)
    url = reverse("proposals:book_pdf", args=[book.pk])
    with CaptureQueriesContext(connection) as first:
        one = client.get(url).content
    with CaptureQueriesContext(connection) as second:
        two = client.get(url).content
    assert one == two
    assert len(second) < len(first)  # the proposals are not read again: the stored rendering is served
    p = book.proposals.order_by("position").first()
    services.proposal_update(
        proposal=p,
        revision=p.revision,
        fields={"title": "修改后的举措名称"},
        results=fp.RESULTS,
        by=region_a_drc,
    )
    text = text_of(client.get(url).content)
    assert "修改后的举措名称" in text and "科技成果赋权改革试点1" not in text


def test_the_book_is_chinese_under_an_english_session(client, cycle, region_a_drc, region_a_scitech):
    from django.utils import translation

    from proposals.enums import AuthorityLevel, ReformArea

    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    client.force_login(region_a_drc)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("proposals:book_pdf", args=[book.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    proposal = book.proposals.first()
    for label in (ReformArea(proposal.area).label, AuthorityLevel(proposal.authority_level).label):
        with translation.override("zh-hans"):
            assert str(label) in text
        with translation.override("en"):
            assert str(label).replace(" ", "") not in text

"""The 建议书 as Word (.docx) (issue 15 §9): the same context as its PDF (``book_context``), a 公文 per GB/T 9704 that
opens in python-docx and LibreOffice, 草稿 in every page's header until it is submitted, user text exactly as typed,
Chinese under an English session; the download keeps the PDF's permissions."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from proposals import services
from proposals.documents import book_context, render_book_docx
from reform_portal.docx import DOCX_CONTENT_TYPE

from ..reform_portal import docx_checks as dc
from . import scenarios as fp

pytestmark = pytest.mark.django_db

DUMP = os.environ.get("PORTAL_DUMP_PDF")  # a directory: the tests leave their documents there to look at
URL = "https://example.org/" + "a" * 100  # 120 characters, unbroken
ODD = "<b>粗体</b>𠮷𡈽🚀"


def dump(name, data):
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        (Path(DUMP) / name).write_bytes(data)


def filled(n):
    """A typed text of exactly ``n`` characters: markup, Ext-B, an emoji, the URL, then typed paragraphs."""
    text = f"{ODD}{URL}\n第二段：段落照录。\n第三段"
    return text + "汉" * (n - len(text))


def line(n):
    """A one-line field of exactly ``n`` characters, starting with the same hostile characters (and as much of the
    URL as fits)."""
    return (ODD + URL + "汉" * n)[:n]


def hostile_fields():
    return fp.proposal_fields(
        1,
        title=line(60),
        keywords=line(100),
        pain_points=filled(3000),
        content=filled(5000),
        steps=filled(3000),
        coordination_departments=line(300),
        consulted_bases=line(300),
        consulted_departments=line(300),
    )


def test_a_submitted_book_is_a_gongwen_without_the_draft_mark(
    cycle, region_a_drc, region_a_scitech, libreoffice, tmp_path
):
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    data = render_book_docx(book)
    dump("book-submitted.docx", data)
    ctx = book_context(book)
    document = dc.check_gongwen(
        data,
        title=f"浙江省{cycle.year}年度全面创新改革举措建议书",
        recipients="国家发展改革委创新和高技术发展司、科技部成果转化与区域创新司",
        rows=[["1", "赋权成果数", "100项"]],
        draft=False,
    )
    text = dc.body_paragraphs(document)
    for i in (1, 2, 3):
        assert f"{'一二三'[i - 1]}、科技成果赋权改革试点{i}" in text
    assert len(document.tables) == 3  # one 预期成效 table per proposal
    for name in ctx["head_issuers"]:
        assert name in text  # red 版头 and 署名
    assert "（联系人：王建国；电话：0571-87051234）" in text
    # one LibreOffice conversion of this kind: it opens, and its text holds the title and the first section
    pdf = dc.convert(libreoffice, {"book": data}, (Path(DUMP) if DUMP else tmp_path) / "docx-book")["book"]
    dump("book-submitted-lo.pdf", pdf)
    extracted = dc.pdf_text(pdf)
    assert f"浙江省{cycle.year}年度全面创新改革举措建议书" in extracted
    assert "一、科技成果赋权改革试点1" in extracted


def test_a_draft_book_has_the_draft_mark_in_the_header_of_every_page(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc)
    assert book.submitted_at is None
    data = render_book_docx(book)
    dump("book-draft.docx", data)
    dc.check_gongwen(data, title=f"浙江省{cycle.year}年度全面创新改革举措建议书", draft=True)


def test_hostile_text_is_held_exactly_as_typed(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    book = services.book_update_cover(
        book=book, contact_name=line(30), contact_phone="0571-87051234",
        summary=filled(2000), by=region_a_drc,
    )  # fmt: skip
    fields = hostile_fields()
    services.proposal_create(
        book=book,
        fields=fields,
        results=[{"indicator": line(100), "unit": line(20), "target": 100}],
        by=region_a_drc,
    )
    book.refresh_from_db()
    proposal = book.proposals.get()
    assert len(proposal.content) == 5000 and len(proposal.title) == 60
    document = dc.open_docx(render_book_docx(book))
    text = dc.body_paragraphs(document)
    # typed paragraphs are paragraphs of their own, each holding exactly its line
    for field, heading in (
        ("pain_points", "（二）拟解决的痛点堵点"),
        ("content", "（三）改革内容"),
        ("steps", "（四）实施步骤及时间安排"),
    ):
        start = text.index(heading) + 1
        assert text[start : start + 3] == fields[field].splitlines()
    assert text.count(f"{ODD}{URL}") >= 4  # summary, 痛点, 内容, 步骤
    assert f"一、{line(60)}" in text
    assert any(fields["coordination_departments"] in t for t in text)
    assert any(t.endswith(f"商议的同级相关部门：{fields['consulted_departments']}。") for t in text)
    assert dc.table_rows(document)[0][1] == ["1", line(100), f"100{line(20)}"]
    # and no markup became formatting: no run is bold outside the defaults
    assert not [r for p in document.paragraphs for r in p.runs if r.bold]


def test_an_english_session_downloads_a_chinese_document(client, cycle, region_a_drc, region_a_scitech):
    from django.utils import translation

    from proposals.enums import ReformArea

    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    client.force_login(region_a_drc)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("proposals:book_docx", args=[book.pk]))
    assert response.status_code == 200
    text = dc.all_text(dc.open_docx(response.content))
    with translation.override("en"):
        english = str(ReformArea("tech_market").label)
    with translation.override("zh-hans"):
        chinese = str(ReformArea("tech_market").label)
    assert english != chinese
    assert chinese in text and english not in text
    translation.activate("zh-hans")


def test_the_download_is_a_docx_with_a_chinese_name_and_the_pdfs_permissions(
    client, cycle, region_a_drc, region_a_scitech, region_b_drc
):
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    url = reverse("proposals:book_docx", args=[book.pk])
    client.force_login(region_a_drc)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"book-330000-{cycle.year}.docx\"; filename*=UTF-8''"
        + __import__("urllib.parse").parse.quote(f"浙江省{cycle.year}年度全面创新改革举措建议书.docx")
    )
    assert "no-store" in response["Cache-Control"]
    client.force_login(region_b_drc)
    assert client.get(url).status_code == 404
    # the link sits next to the PDF's on the book's page
    client.force_login(region_a_drc)
    page = client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert url in page and "下载Word版（.docx）" in page


def test_the_upward_head_and_the_signature_follow_the_confirmations(cycle, region_a_drc, region_a_scitech):
    """发文字号 left and 签发人 right on one line of the 版头 (a right tab); an unconfirmed draft claims no 署名 and
    no 成文日期; once submitted the 版记 names the lead department's office."""
    from django.utils import timezone

    from reform_portal.pdf import gongwen_date

    book = fp.make_book(cycle, region_a_drc)
    book = services.book_update_cover(
        book=book, contact_name="王建国", contact_phone="0571-87051234", summary="第一段\n第二段",
        doc_number="浙发改高技〔2027〕12号", drc_signer="张三", scitech_signer="李四", by=region_a_drc,
    )  # fmt: skip
    title = f"浙江省{cycle.year}年度全面创新改革举措建议书"
    draft = dc.check_gongwen(
        render_book_docx(book), title=title, doc_number="浙发改高技〔2027〕12号", draft=True
    )
    texts = dc.body_paragraphs(draft)
    assert "浙发改高技〔2027〕12号\t签发人：张三\u3000李四" in texts
    assert ["第一段", "第二段"] == texts[texts.index("第一段") : texts.index("第一段") + 2]
    today = gongwen_date(timezone.now())
    assert today not in texts and "浙江省科技厅" not in texts[-6:]
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_scitech)
    book.refresh_from_db()
    book = services.book_submit(book=book, by=region_a_drc)
    data = render_book_docx(book)
    dump("book-upward.docx", data)
    final = dc.check_gongwen(data, title=title, doc_number="浙发改高技〔2027〕12号", draft=False)
    texts = dc.body_paragraphs(final)
    date = gongwen_date(book.submitted_at)
    assert date in texts
    assert texts[-1] == f"浙江省发展改革委办公室\t{date}印发"

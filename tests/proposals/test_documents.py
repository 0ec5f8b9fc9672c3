import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

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


# --- the 建议书 as an 上行文 (issue 15 §5) ------------------------------------------------------------------------

CHECKER = Path(settings.BASE_DIR) / "tests" / "tools" / "gongwen_check.py"
DUMP = os.environ.get("PORTAL_DUMP_PDF")  # a directory: the tests leave their PDFs there to look at
URL = "https://example.org/" + "a" * 100  # 120 characters, unbroken
ODD = "<b>粗体</b>𠮷𡈽"


def dump(name, data):
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        (Path(DUMP) / name).write_bytes(data)


def run_checker(data, tmp_path, *flags):
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    run = subprocess.run(
        [sys.executable, str(CHECKER), str(path), "--json", *flags],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return {row["check"]: row for row in json.loads(run.stdout)["rows"]}


def failing(rows):
    return {name: row["got"] for name, row in rows.items() if not row["ok"]}


def filled(n):
    """A typed text of exactly ``n`` characters: markup, Ext-B, the URL, then typed paragraphs."""
    text = f"{ODD}{URL}\n第二段：段落照录。\n第三段"
    return text + "汉" * (n - len(text))


def line(n):
    return (ODD + URL + "汉" * n)[:n]


def upward(book, by, **fields):
    """The cover with the 上行文's 发文字号 and both 签发人 (as the cover form saves them)."""
    values = {
        "contact_name": book.contact_name,
        "contact_phone": book.contact_phone,
        "summary": book.summary,
        "doc_number": "浙发改高技〔2027〕12号",
        "drc_signer": "张三",
        "scitech_signer": "李四",
        **fields,
    }
    return services.book_update_cover(book=book, by=by, **values)


def test_a_draft_is_marked_on_every_page_and_claims_no_signature(cycle, region_a_drc, tmp_path):
    """--head --draft: 24 checks on a multi-page draft. It holds every one that applies: the 成文日期 and the 版记 are
    not there to be checked (no 署名 until both departments confirm, no 印发 before it is submitted)."""
    book = upward(fp.make_book(cycle, region_a_drc), region_a_drc)
    data = render_book_pdf(book)
    dump("book-draft.pdf", data)
    rows = run_checker(data, tmp_path, "--head", "--draft")
    assert len(rows) == 24
    assert set(failing(rows)) == {"成文日期", "版记"}, failing(rows)
    assert rows["草稿 mark on every page (--draft)"]["ok"]
    assert "浙发改高技〔2027〕12号" in rows["发文字号 (机关代字〔年份〕序号号)"]["got"]
    assert "签发人：张三李四" in rows["发文字号 (机关代字〔年份〕序号号)"]["got"]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) > 1
        for page in pdf.pages:
            assert "草稿" in "".join(c["text"] for c in page.chars)
    text = pdf_text(data)
    assert "浙江省发展改革委浙江省科技厅" not in text.split("签发人")[-1]  # no 署名 after the 版头
    assert "年" not in text[-30:] or "（联系人：王建国；电话：0571-87051234）" in text[-40:]


def test_one_confirmation_is_not_a_signature(cycle, region_a_drc, region_a_scitech):
    from reform_portal.pdf import gongwen_date

    book = fp.make_book(cycle, region_a_drc)
    services.book_sign(book=book, by=region_a_drc)
    book.refresh_from_db()
    lines = [ln.replace(" ", "") for ln in text_of_lines(render_book_pdf(book))]
    today = gongwen_date(timezone.now())
    assert today not in lines
    services.book_sign(book=book, by=region_a_scitech)
    book.refresh_from_db()
    lines = [ln.replace(" ", "") for ln in text_of_lines(render_book_pdf(book))]
    assert today in lines  # both confirmed: 署名 and 成文日期, still a draft
    assert lines[lines.index(today) - 1] in ("浙江省科技厅", "科技厅")


def text_of_lines(data):
    """Every page's lines, without the 草稿 watermark (its glyphs are large)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [
            page.filter(lambda o: o.get("object_type") != "char" or o["size"] < 30) for page in pdf.pages
        ]
        return [ln for page in pages for ln in (page.extract_text() or "").splitlines()]


def test_a_submitted_book_is_an_upward_gongwen(cycle, region_a_drc, region_a_scitech, tmp_path):
    """--head --no-draft: 24 checks, all hold: 发文字号 left and 签发人 right in the 版头, 署名 and 成文日期, 版记."""
    book = upward(fp.make_book(cycle, region_a_drc), region_a_drc)
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_scitech)
    book.refresh_from_db()
    book = services.book_submit(book=book, by=region_a_drc)
    data = render_book_pdf(book)
    dump("book-submitted.pdf", data)
    rows = run_checker(data, tmp_path, "--head", "--no-draft")
    assert len(rows) == 24
    assert not failing(rows), failing(rows)
    title = f"浙江省{cycle.year}年度全面创新改革举措建议书"
    assert title in pdf_text(data) and title in text_of(data)


def test_without_its_own_number_the_head_has_none(cycle, region_a_drc, region_a_scitech, tmp_path):
    """The 发文字号 is optional: a submitted book without one holds every other check of --head --no-draft."""
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    data = render_book_pdf(book)
    rows = run_checker(data, tmp_path, "--head", "--no-draft")
    assert len(rows) == 24
    assert set(failing(rows)) <= {"发文字号 (机关代字〔年份〕序号号)", "lines on each full page"}, failing(
        rows
    )
    assert rows["发文字号 (机关代字〔年份〕序号号)"]["got"] == "none on page 1"
    assert "签发人" not in pdf_text(data)
    assert_short_pages_are_the_closings(rows)


def assert_short_pages_are_the_closings(rows):
    """ "lines on each full page" may fail only on the page before the last: the closing group (署名, 成文日期, 联系人,
    版记) is unbreakable and moves to the last page with the last body lines."""
    counts = [int(n) for n in rows["lines on each full page"]["got"].split(",")]
    assert max(counts) <= 22
    assert all(n >= 20 for n in counts[1:-2]), counts


def test_hostile_content_at_every_maximum_renders(cycle, region_a_drc, region_a_scitech, tmp_path):
    from proposals.models import MeasureProposal, ProposalBook

    def max_length(model, name):
        return model._meta.get_field(name).max_length or next(
            v.limit_value for v in model._meta.get_field(name).validators if hasattr(v, "limit_value")
        )

    book = fp.make_book(cycle, region_a_drc, n=2)
    book = services.book_update_cover(
        book=book,
        contact_name=line(max_length(ProposalBook, "contact_name")),
        contact_phone="0571-87051234",
        summary=filled(max_length(ProposalBook, "summary")),
        doc_number="浙发改高技〔2027〕1号",
        drc_signer=line(max_length(ProposalBook, "drc_signer")),
        scitech_signer="𠮷𡈽" + "汉" * (max_length(ProposalBook, "scitech_signer") - 2),
        by=region_a_drc,
    )
    fields = fp.proposal_fields(3)
    for name in ("title", "keywords", "coordination_departments", "consulted_bases", "consulted_departments"):
        fields[name] = line(max_length(MeasureProposal, name))
    for name in ("pain_points", "content", "steps"):
        fields[name] = filled(max_length(MeasureProposal, name))
    services.proposal_create(
        book=book,
        fields=fields,
        results=[{"indicator": line(100), "unit": line(20), "target": 100}],
        by=region_a_drc,
    )
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_scitech)
    book.refresh_from_db()
    book = services.book_submit(book=book, by=region_a_drc)
    data = render_book_pdf(book)
    dump("book-hostile.pdf", data)
    rows = run_checker(data, tmp_path, "--head", "--no-draft")
    assert len(rows) == 24
    # the 签发人 line carries two 20-character names: it is the 版头's, on one line, and every other check holds
    assert set(failing(rows)) <= {"发文字号 (机关代字〔年份〕序号号)", "lines on each full page"}, failing(
        rows
    )
    assert_short_pages_are_the_closings(rows)
    assert rows["nothing off the paper"]["ok"] and rows["text extractable"]["ok"]
    text = pdf_text(data)
    assert f"浙江省{cycle.year}年度全面创新改革举措建议书" in text
    assert f"三、{fields['title']}" in text
    assert text.count(ODD) >= 4 and URL in text
    # typed paragraphs are paragraphs of their own: each starts a line, indented two characters
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        starts = [
            ln
            for page in pdf.pages
            for ln in page.extract_text_lines()
            if ln["text"].replace(" ", "").startswith("第二段：段落照录。")
        ]
    assert len(starts) == 4  # 总体说明, 痛点, 内容, 步骤
    assert all(28 * 72 / 25.4 + 25 < ln["x0"] < 28 * 72 / 25.4 + 40 for ln in starts)


def test_the_cover_form_edits_the_number_and_the_signers(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc)
    client.force_login(region_a_drc)
    url = reverse("proposals:book_cover", args=[book.pk])
    page = client.get(url).content.decode()
    assert 'name="doc_number"' in page and 'maxlength="30"' in page
    assert 'name="drc_signer"' in page and 'name="scitech_signer"' in page and 'maxlength="20"' in page
    data = {
        "contact_name": "王建国",
        "contact_phone": "0571-87051234",
        "summary": "第一段\n第二段",
        "doc_number": "浙发改高技[2027]12号",
        "drc_signer": "张三",
        "scitech_signer": "李四",
        "revision": book.version,
    }
    assert client.post(url, data).status_code == 302
    book.refresh_from_db()
    assert (book.doc_number, book.drc_signer, book.scitech_signer) == (
        "浙发改高技〔2027〕12号",
        "张三",
        "李四",
    )
    # a stale page is refused and keeps what was typed
    stale = client.post(url, {**data, "drc_signer": "王五", "revision": book.version - 1})
    assert stale.status_code == 200 and "王五" in stale.content.decode()
    book.refresh_from_db()
    assert book.drc_signer == "张三"
    # a number not in the standard's form is refused at the field
    bad = client.post(url, {**data, "doc_number": "浙发改〔2027〕第012号", "revision": book.version})
    assert bad.status_code == 200 and "机关代字〔年份〕序号号" in bad.content.decode()


def test_a_returned_book_is_a_draft_again(cycle, region_a_drc, region_a_scitech, reviewer, tmp_path):
    """退回修改 keeps the old submission time, but the book is a draft again: 草稿 on every page, no 署名 (the
    sign-offs are cleared) and no 版记."""
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech)
    book = services.book_return(book=book, reason="请补充预期成效。", by=reviewer)
    assert book.submitted_at is not None
    data = render_book_pdf(book)
    rows = run_checker(data, tmp_path, "--head", "--draft")
    assert rows["草稿 mark on every page (--draft)"]["ok"]
    assert not rows["成文日期"]["ok"] and not rows["版记"]["ok"]
    assert "印发" not in pdf_text(data)

"""The published 清单's documents are Chinese whatever the interface language (issue 15 §1)."""

import io

import pytest
from django.urls import reverse
from django.utils import translation

from catalog.documents import list_xlsx
from proposals.enums import ReformArea

from . import scenarios as fc

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


def chinese(label):
    with translation.override("zh-hans"):
        return str(label)


def english(label):
    with translation.override("en"):
        return str(label)


def checker_rows(data, path, *flags):
    """The pinned 公文 checker's verdicts on ``data`` (written to ``path``), by check name."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    path.write_bytes(data)
    checker = Path(settings.BASE_DIR) / "tests" / "tools" / "gongwen_check.py"
    run = subprocess.run(
        [sys.executable, str(checker), str(path), "--json", *flags],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return {row["check"]: row for row in json.loads(run.stdout)["rows"]}


@pytest.fixture
def published(cycle, reviewer, measure):
    return fc.published_list(cycle, reviewer)


def test_english_labels_exist_so_the_tests_below_can_fail():
    assert english(ReformArea.RESEARCH_SYSTEM.label) != "构建高效运行的科研体系"


def test_a_list_published_and_first_downloaded_from_an_english_session_is_stored_in_chinese(
    client, published, reviewer
):
    client.force_login(reviewer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
    label = ReformArea(published.entries.first().area).label
    assert chinese(label) in text
    assert english(label).replace(" ", "") not in text
    published.refresh_from_db()
    with published.pdf.open("rb") as fh:
        stored = pdf_text(fh.read())
    assert chinese(label) in stored


def test_the_list_workbook_is_chinese_under_english(published):
    from openpyxl import load_workbook

    entry = published.entries.first()
    with translation.override("en"):
        data = list_xlsx(published, list(published.entries.order_by("position"))).to_bytes()
    sheet = load_workbook(io.BytesIO(data)).active
    values = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert chinese(ReformArea(entry.area).label) in values
    assert english(ReformArea(entry.area).label) not in values


def test_the_list_is_a_numbered_notice_the_checker_accepts(published, tmp_path):
    """--head --no-draft: the 通知 of the list holds every check that applies (24 on a multi-page document)."""
    from catalog.services import list_pdf_bytes

    published.cycle.notice_cc = "财政部、教育部"
    published.cycle.save()
    data = list_pdf_bytes(measure_list=published)
    rows = checker_rows(data, tmp_path / "list.pdf", "--head", "--no-draft")
    failing = {k: r["got"] for k, r in rows.items() if not r["ok"]}
    assert failing == {}
    assert len(rows) in (22, 24)  # one page: no page-number checks
    text = pdf_text(data)
    assert published.number.text in text
    assert "北京市、天津市" in text and "抄送：财政部、教育部。" in text


URL = "https://example.org/" + "a" * 100  # 120 characters, no break opportunity
ODD = "<b>粗体</b>𠮷𡈽🚀"


def test_hostile_entries_at_each_fields_maximum_survive_in_the_pdf(published, tmp_path):
    """The 清单's 通知 with every entry field at its maximum length, 𠮷𡈽, an emoji, a 120-character URL, markup and
    typed paragraphs (issue 15, tests that must exist): the checker's verdicts hold (a table page may run short
    when a long row moves on whole), nothing leaves the paper, and pdfplumber and pypdf both read the title, the
    hostile characters and the URL back exactly."""
    import re

    import pdfplumber
    from pypdf import PdfReader

    from catalog.documents import render_list_pdf
    from catalog.models import ListEntry

    def line(n):
        return (ODD + URL + "汉" * n)[:n]

    def limit(name):
        return ListEntry._meta.get_field(name).max_length

    description = f"{ODD}{URL}\n第二段：照录。\n第三段" + "汉" * 1500
    published.entries.update(
        title=line(limit("title")),
        description=description,
        goals=f"目标{ODD}\n第二段目标",
        coordination_departments=line(limit("coordination_departments") or 300),
        source_regions=line(limit("source_regions") or 300),
    )
    data = render_list_pdf(published, list(published.entries.order_by("position")))
    path = tmp_path / "list-hostile.pdf"
    rows = checker_rows(data, path, "--head", "--no-draft")
    assert len(rows) == 24
    failing = {k: r["got"] for k, r in rows.items() if not r["ok"]}
    assert set(failing) <= {"lines on each full page"}, failing

    def flat(text):
        return re.sub(r"\s+", "", text)

    with pdfplumber.open(path) as pdf:
        plumber = "".join(page.extract_text() or "" for page in pdf.pages)
    pypdf = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    for text in (plumber, pypdf):
        assert flat(published.title) in flat(text)
        assert flat(ODD + URL[:30]) in flat(text)
        assert URL in flat(text)
        assert "第二段：照录。" in text


def test_the_last_entrys_closing_paragraphs_hold_40_characters_of_body_text():
    """The 署名 page carries body text (GB/T 9704; gongwen_check's "lone signature"): the last entry's last
    paragraphs kept with the 署名 hold at least 40 characters, not just a short "建议来源地区：湖北省。"; its first
    paragraph stays under its heading, and no other entry keeps any."""
    from catalog.documents import CLOSING_BODY_CHARS, _cjk, entry_paragraphs, printed_entries
    from catalog.models import ListEntry

    def entry(number, **text):
        return ListEntry(
            number=number,
            title="举措",
            area="tech_market",
            authority_level="provincial",
            description=text.get("description", "支持高校设立独立运营的技术转移公司。"),
            goals=text.get("goals", "形成可复制推广的制度成果，年度目标可量化、可考核。"),
            source_regions="湖北省",
        )

    printed = printed_entries([entry("2026-01"), entry("2026-02")])
    assert printed[0][3] == []
    _n, last, flowing, closing = printed[1]
    assert closing[-1] == "建议来源地区：湖北省。" and len(closing) > 1
    assert _cjk("".join(closing)) >= CLOSING_BODY_CHARS
    assert flowing and flowing + closing == entry_paragraphs(last)
    short = printed_entries([entry("2026-01", description="短", goals="")])
    assert short[0][2] and short[0][2][0].startswith(
        "清单编号"
    )  # the first paragraph never leaves its heading

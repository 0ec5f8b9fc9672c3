"""What every .docx the portal issues is checked for (issue 15 §9): it opens with python-docx, holds its texts, and
carries the GB/T 9704 page (A4, 37/35/28/26 mm), fonts (仿宋 3号 body and 小标宋 2号 title, East-Asian names in
w:eastAsia), the red 版头 and rule, a repeated table header and the "— N —" PAGE field; ``convert`` turns .docx
files into PDFs with LibreOffice headless (the ``libreoffice`` fixture, tests/conftest.py)."""

import io
import re
import subprocess
from pathlib import Path

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
EMU_PER_MM = 36000


def open_docx(data):
    from docx import Document

    return Document(io.BytesIO(data))


def body_paragraphs(document):
    """The text of every body paragraph, in order (tables excluded)."""
    return [p.text for p in document.paragraphs]


def table_rows(document):
    """Every table's rows, each a list of cell texts (a cell's paragraphs joined with a newline)."""
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def all_text(document):
    """Body paragraphs and table cells, as one string."""
    cells = ["\n".join("\t".join(row) for row in rows) for rows in table_rows(document)]
    return "\n".join(body_paragraphs(document) + cells)


def header_texts(document):
    return [
        "".join(p.text for p in header.paragraphs)
        for section in document.sections
        for header in (section.header, section.even_page_header, section.first_page_header)
    ]


def mm(length):
    return round(length / EMU_PER_MM, 1)


def check_gongwen(data, *, title, doc_number="", recipients="", rows=(), draft=False):
    """Assert the .docx ``data`` is a 公文 holding ``title`` (its lines joined), ``doc_number``, ``recipients`` and the
    table ``rows`` (each a list of cell texts that must appear as a row's leading cells). Returns the Document."""
    document = open_docx(data)
    section = document.sections[0]
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (37, 35)
    assert (mm(section.left_margin), mm(section.right_margin)) == (28, 26)
    # body: 仿宋 3号, the East-Asian font named in w:eastAsia
    normal = document.styles["Normal"].element.rPr
    assert normal.rFonts.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert document.styles["Normal"].font.size.pt == 16
    paragraphs = document.paragraphs
    texts = [p.text for p in paragraphs]
    # title: 小标宋 2号, its lines joined (a line break inside is kept as one paragraph)
    flat = [t.replace("\n", "") for t in texts]
    assert title in flat, texts[:12]
    title_paragraph = paragraphs[flat.index(title)]
    for run in title_paragraph.runs:
        if run.text:
            assert run.font.size.pt == 22
            assert run.element.rPr.rFonts.get(f"{W}eastAsia") == "方正小标宋简体"
    # 版头: red names in 小标宋, a red rule under the 发文字号 line
    head = paragraphs[: flat.index(title)]
    red = [r for p in head for r in p.runs if r.text and r.font.color and str(r.font.color.rgb) == "FF0000"]
    assert red, "no red 发文机关标志"
    rules = [p for p in head if p._p.find(f".//{W}pBdr/{W}bottom") is not None]
    assert rules and rules[-1]._p.find(f".//{W}pBdr/{W}bottom").get(f"{W}color") == "FF0000"
    if doc_number:
        assert any(t == doc_number or t.startswith(doc_number + "\t") for t in texts[: flat.index(title)])
    if recipients:
        assert texts[flat.index(title) + 1] == recipients.rstrip("：") + "："
    found = [r for rows_ in table_rows(document) for r in rows_]
    for expected in rows:
        assert any(r[: len(expected)] == list(expected) for r in found), (expected, found[:3])
    for table in document.tables:
        assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    # "— N —" with a PAGE field, in the odd and the even pages' footers
    assert document.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in "".join(footer._element.itertext()) and "fldChar" in xml
        assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")
    headers = "".join(header_texts(document))
    assert ("草稿" in headers) == draft
    if draft:
        assert "草稿" in header_texts(document)[0] and "草稿" in header_texts(document)[1]
    return document


def convert(libreoffice, files, outdir):
    """Convert ``files`` ({name: .docx bytes}) to PDF with the session's LibreOffice (the ``libreoffice`` fixture,
    tests/conftest.py), in one command; returns {name: pdf bytes}."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        path = outdir / f"{name}.docx"
        path.write_bytes(data)
        (outdir / f"{name}.pdf").unlink(missing_ok=True)
        paths.append(str(path))
    run = subprocess.run(
        [
            libreoffice.binary,
            libreoffice.env,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *paths,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    missing = [name for name in files if not (outdir / f"{name}.pdf").is_file()]
    assert not missing, f"LibreOffice did not convert {missing}: {run.stdout} {run.stderr}"
    return {name: (outdir / f"{name}.pdf").read_bytes() for name in files}


def pdf_text(data):
    from pypdf import PdfReader

    return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages))

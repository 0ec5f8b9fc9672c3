"""The PDF renderer: GB/T 9704-2012 page geometry, fonts, head, page numbers, and the resource fetcher."""

import datetime
import io
import logging
import re

import pdfplumber
import pytest
from django.core.management import call_command
from django.template import engines
from pypdf import PdfReader

from reform_portal.pdf import (
    PDF_BASE_URL,
    PDFResourceRefused,
    fetch_static,
    format_doc_number,
    gongwen_date,
    gongwen_title_lines,
    html_to_pdf,
    render_pdf,
    spread_names,
)
from tools.management.commands.render_sample_pdf import SAMPLE_SECTIONS, SAMPLE_TITLE

MM = 72 / 25.4
LINE_PITCH = 28.9  # pt: 22 lines in the 225 mm 版心
PARAGRAPHS = [text for level, text in SAMPLE_SECTIONS if level == 0]


def flat(text):
    return re.sub(r"\s+", "", text or "")


def lines_of(chars, tol=2.0):
    lines = []
    for ch in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if lines and abs(lines[-1][0]["top"] - ch["top"]) <= tol:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def text_of(line):
    return "".join(c["text"] for c in line if c["text"].strip())


@pytest.fixture(scope="module")
def notice_pdf(tmp_path_factory):
    """The sample joint 揭榜任务通知书 with its red head, made by the management command."""
    out = tmp_path_factory.mktemp("pdf") / "notice.pdf"
    call_command("render_sample_pdf", str(out), "--head", stdout=io.StringIO())
    return out.read_bytes()


@pytest.fixture(scope="module")
def plain_pdf():
    """Two pages without a head: title, 主送机关, paragraphs; no signature or 版记."""
    return render_pdf(
        "pdf/gongwen_base.html",
        {
            "title": "浙江省全面创新改革举措建议书",
            "recipients": "国家发展改革委、科技部",
            "paragraphs": PARAGRAPHS + PARAGRAPHS[:2],
        },
    )


def open_pdf(data):
    return pdfplumber.open(io.BytesIO(data))


def test_sample_notice_text_is_extractable(notice_pdf):
    with open_pdf(notice_pdf) as pdf:
        text = flat("".join(page.extract_text() for page in pdf.pages))
    assert flat(SAMPLE_TITLE) in text
    assert "浙江省发展改革委、科技厅：" in text
    assert flat(PARAGRAPHS[1]) in text
    assert "发改高技〔2027〕12号" in text
    assert "2027年6月8日" in text
    assert "抄送：工业和信息化部，财政部，中国人民银行，浙江省人民政府。" in text
    assert "国家发展改革委办公厅2027年6月9日印发" in text
    assert "(cid:" not in text and "\ufffd" not in text


def test_every_font_is_embedded(notice_pdf):
    fonts = {}
    for page in PdfReader(io.BytesIO(notice_pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptors = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            fonts[str(font["/BaseFont"])] = any(
                key in d["/FontDescriptor"].get_object()
                for d in descriptors
                if "/FontDescriptor" in d
                for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts
    assert [name for name, embedded in fonts.items() if not embedded] == []


def test_pages_are_a4(notice_pdf, plain_pdf):
    for data in (notice_pdf, plain_pdf):
        with open_pdf(data) as pdf:
            for page in pdf.pages:
                assert abs(page.width - 595.28) <= 1
                assert abs(page.height - 841.89) <= 1


def test_text_block_starts_37_mm_down_and_28_mm_in(plain_pdf):
    with open_pdf(plain_pdf) as pdf:
        assert len(pdf.pages) == 2
        # Page 2 is all body text: its first line box sits on the 版心 top edge.
        chars = [c for c in pdf.pages[1].chars if c["text"].strip()]
        first = min(chars, key=lambda c: (c["top"], c["x0"]))
        body = [c for c in chars if c["top"] / MM < 37 + 225]
    # The glyph box (16 pt) sits inside the 28.9 pt line: take off the half-leading.
    line_top = (first["top"] - (LINE_PITCH - first["size"]) / 2) / MM
    assert abs(line_top - 37) <= 1.5
    assert abs(min(c["x0"] for c in body) / MM - 28) <= 1.5
    assert max(c["x1"] for c in body) / MM <= 28 + 156 + 1


def test_body_is_16_pt_with_28_characters_and_22_lines(plain_pdf):
    with open_pdf(plain_pdf) as pdf:
        page = pdf.pages[1]
        body = [c for c in page.chars if c["text"].strip() and c["top"] / MM < 37 + 225]
    assert {round(c["size"], 1) for c in body} == {16.0}
    lines = lines_of(body)
    # Lines that fill the 版心 and hold only full-width characters (digits are half-width).
    full = [
        line
        for line in lines
        if line[0]["x0"] / MM < 29
        and line[-1]["x1"] / MM > 182
        and not any(c["text"].isascii() for c in line)
    ]
    assert len(full) >= 5
    assert {len(line) for line in full} == {28}
    tops = [line[0]["top"] for line in lines]
    assert all(abs((b - a) - LINE_PITCH) <= 0.1 for a, b in zip(tops, tops[1:], strict=False))


def test_title_is_22_pt_and_centred(notice_pdf):
    with open_pdf(notice_pdf) as pdf:
        page = pdf.pages[0]
        title = [c for c in page.chars if c["text"].strip() and abs(c["size"] - 22) < 0.1]
    assert flat("".join(c["text"] for c in title)) == flat(SAMPLE_TITLE)
    centre = (min(c["x0"] for c in title) + max(c["x1"] for c in title)) / 2 / MM
    assert abs(centre - (28 + 156 / 2)) <= 2


def test_page_numbers_odd_right_even_left(plain_pdf):
    with open_pdf(plain_pdf) as pdf:
        found = []
        for number, page in enumerate(pdf.pages, 1):
            foot = [c for c in page.chars if c["text"].strip() and c["top"] / MM > 37 + 225]
            assert text_of(foot) == f"—{number}—"
            assert {round(c["size"]) for c in foot} == {14}
            top = min(c["top"] for c in foot) / MM
            assert 37 + 225 + 5 <= top <= 37 + 225 + 9  # 7 mm under the 版心
            middle = page.width / 2
            if number % 2:
                assert min(c["x0"] for c in foot) > middle
            else:
                assert max(c["x1"] for c in foot) < middle
            found.append(number)
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert found == [1, 2]
    assert "— 1 —" in text.replace("\u00a0", " ")
    assert "— 2 —" in text.replace("\u00a0", " ")


def test_a_full_page_holds_22_lines():
    data = render_pdf("pdf/gongwen_base.html", {"title": "", "paragraphs": PARAGRAPHS * 3})
    with open_pdf(data) as pdf:
        counts = [
            len(
                lines_of(
                    [c for c in page.chars if c["text"].strip() and c["size"] == pytest.approx(16, abs=0.1)]
                )
            )
            for page in pdf.pages
        ]
    assert len(counts) >= 3
    assert counts[:-1] == [22] * (len(counts) - 1)


def is_red(color):
    return color is not None and len(color) == 3 and color[0] > 0.7 and color[1] < 0.3 and color[2] < 0.3


def test_head_is_red_and_only_the_head(notice_pdf):
    with open_pdf(notice_pdf) as pdf:
        first = pdf.pages[0]
        red = [c for c in first.chars if c["text"].strip() and is_red(c["non_stroking_color"])]
        assert sorted(text_of(red)) == sorted("国家发展改革委科技部文件")
        rules = [
            o
            for o in first.rects + first.lines
            if is_red(o.get("non_stroking_color")) or is_red(o.get("stroking_color"))
        ]
        assert any((o["x1"] - o["x0"]) / MM >= 155 for o in rules)
        others = [
            c for p in pdf.pages for c in p.chars if c["text"].strip() and not is_red(c["non_stroking_color"])
        ]
        assert {tuple(c["non_stroking_color"] or (0,)) for c in others} <= {(0,), (0, 0, 0), (0.0,)}
        docno = [c for c in first.chars if c["text"] in "〔〕"]
        red_bottom = max(c["bottom"] for c in red)
        assert all(c["top"] > red_bottom for c in docno)


def test_user_text_is_printed_literally_and_nothing_is_fetched(caplog):
    evil_title = '<script>alert(1)</script>关于<img src="http://127.0.0.1:9/x.png">的通知'
    with caplog.at_level(logging.DEBUG, logger="reform_portal.pdf"):
        data = render_pdf(
            "pdf/gongwen_base.html",
            {
                "title": evil_title,
                "recipients": "<b>浙江省</b>",
                "paragraphs": [
                    '正文<img src="file:///etc/passwd">结束',
                    "<style>@import url(http://127.0.0.1:9/a.css)</style>",
                ],
            },
        )
    with open_pdf(data) as pdf:
        text = flat("".join(page.extract_text() for page in pdf.pages))
    assert "<script>alert(1)</script>" in text
    assert flat('<imgsrc="http://127.0.0.1:9/x.png">') in text
    assert "<b>浙江省</b>：" in text
    assert flat('正文<img src="file:///etc/passwd">结束') in text
    fetched = [r.getMessage() for r in caplog.records if r.name == "reform_portal.pdf"]
    assert fetched == [
        f"PDF resource served: {PDF_BASE_URL}static/pdf/gongwen.css -> " + fetched[0].split(" -> ")[1]
    ]


def test_markup_in_a_template_cannot_reach_outside_static(caplog):
    """Even markup written into a template (not user text) only gets the portal's static files."""
    template = engines["django"].from_string(
        '{% extends "pdf/gongwen_base.html" %}{% block body %}'
        '<img src="http://127.0.0.1:9/x.png"><img src="file:///etc/passwd">'
        '<img src="data:image/png;base64,iVBORw0KGgo="><img src="/static/../config/settings.py">'
        "<p>正文</p>{% endblock %}"
    )
    with caplog.at_level(logging.WARNING, logger="reform_portal.pdf"):
        data = html_to_pdf(template.render({"title": "测试"}))
    assert data.startswith(b"%PDF")
    refused = sorted(r.getMessage() for r in caplog.records if r.name == "reform_portal.pdf")
    assert refused == sorted(
        [
            "PDF resource refused: http://127.0.0.1:9/x.png",
            "PDF resource refused: file:///etc/passwd",
            "PDF resource refused: data:image/png;base64,iVBORw0KGgo=",
            f"PDF resource refused: {PDF_BASE_URL}config/settings.py",
        ]
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "https://example.com/static/css/portal.css",
        "http://pdf.reform-portal.invalid/static/css/portal.css",
        "file:///etc/passwd",
        "file:///work/static/css/portal.css",
        "data:text/css,body{color:red}",
        "ftp://127.0.0.1/x.css",
        "//127.0.0.1/static/css/portal.css",
        "/static/../config/settings.py",
        "/static/css/../../config/settings.py",
        "/static/%2e%2e/config/settings.py",
        "/static/css/%2E%2E/%2E%2E/manage.py",
        "/static/..%2fmanage.py",
        "/static/..\\manage.py",
        f"{PDF_BASE_URL}static/../manage.py",
        "/static//etc/passwd",
        "/static/",
        "/static/css/missing.css",
        "/manage.py",
        "css/portal.css",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(PDFResourceRefused):
        fetch_static(url)


@pytest.mark.parametrize("url", ["/static/css/portal.css", f"{PDF_BASE_URL}static/css/portal.css"])
def test_fetcher_serves_the_portals_static_files(url, settings):
    body, mime = fetch_static(url)
    assert mime == "text/css"
    assert body == (settings.BASE_DIR / "static" / "css" / "portal.css").read_bytes()


def test_fetcher_serves_collected_static_files(settings, tmp_path):
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "gongwen.abc123.css").write_text("p{}")
    settings.STATIC_ROOT = str(tmp_path)
    assert fetch_static("/static/pdf/gongwen.abc123.css") == (b"p{}", "text/css")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("发改高技", 2027, 12), "发改高技〔2027〕12号"),
        (("发改高技", 2027, 1), "发改高技〔2027〕1号"),
        (("国科发区", "2027", "0203"), "国科发区〔2027〕203号"),
    ],
)
def test_format_doc_number(args, expected):
    assert format_doc_number(*args) == expected


@pytest.mark.parametrize("args", [("发改高技", 2027, 0), ("", 2027, 3), ("发改高技", 27, 3)])
def test_format_doc_number_refuses_bad_input(args):
    with pytest.raises(ValueError):
        format_doc_number(*args)


def test_gongwen_date():
    assert gongwen_date(datetime.date(2027, 6, 8)) == "2027年6月8日"
    assert gongwen_date(datetime.date(2027, 12, 31)) == "2027年12月31日"
    # An aware instant is dated on its Asia/Shanghai calendar day.
    instant = datetime.datetime(2027, 6, 7, 16, 30, tzinfo=datetime.UTC)
    assert gongwen_date(instant) == "2027年6月8日"
    assert gongwen_date(None) == ""


def test_template_filters():
    template = engines["django"].from_string(
        "{% load gongwen %}{{ d|gongwen_date }}|{% doc_number '发改高技' 2027 12 %}|{{ cc|gongwen_join }}"
    )
    assert template.render({"d": datetime.date(2027, 6, 8), "cc": ["财政部", "科技部"]}) == (
        "2027年6月8日|发改高技〔2027〕12号|财政部，科技部"
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("浙江省全面创新改革举措建议书", ["浙江省全面创新改革举措建议书"]),
        (
            "国家发展改革委 科技部关于深入推进全面创新改革工作的通知",
            ["国家发展改革委 科技部", "关于深入推进全面创新改革工作的通知"],
        ),
        (
            "国家发展改革委 科技部关于浙江省揭榜承担2027年度全面创新改革任务的通知",
            ["国家发展改革委 科技部关于浙江省揭榜承担", "2027年度全面创新改革任务的通知"],
        ),
        (
            "国家发展改革委关于印发《2027年度全面改革创新举措清单》的通知",
            ["国家发展改革委关于印发", "《2027年度全面改革创新举措清单》的通知"],
        ),
        ("", []),
    ],
)
def test_title_lines_break_balanced_and_not_mid_word(title, expected):
    assert gongwen_title_lines(title) == expected


def test_title_lines_respect_the_width():
    lines = gongwen_title_lines("全面创新改革" * 12, max_chars=18)
    assert len(lines) == 4
    assert all(len(line) <= 18 for line in lines)
    assert "".join(lines) == "全面创新改革" * 12


def test_joint_names_are_spread_to_one_width():
    rows = spread_names(["国家发展改革委", "科技部"])
    assert [(r["head"], r["last"], r["spacing"]) for r in rows] == [
        ("国家发展改革", "委", "0.0000em"),
        ("科技", "部", "2.0000em"),
    ]

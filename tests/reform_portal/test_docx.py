"""The kernel's Word writer (reform_portal/docx.py): GB/T 9704 page and fonts, the red 版头 and rule, typed paragraphs
kept, text written as text, repeated table headers, "— N —" PAGE footers, the 草稿 header, the closing block kept
with the body, and the download response."""

import datetime
from urllib.parse import quote

from reform_portal.docx import DOCX_CONTENT_TYPE, GongwenDocx, clean, docx_response

from . import docx_checks as dc

W = dc.W
HOSTILE = "<b>粗体</b>&amp;<w:t>𠮷𡈽🚀" + "https://example.org/" + "a" * 100


def sample(*, draft=False, signer=""):
    doc = GongwenDocx(draft=draft)
    doc.head(["国家发展改革委", "科技部"], doc_number="发改高技〔2027〕12号", signer=signer)
    doc.title("国家发展改革委 科技部关于下达内蒙古自治区2027年度全面创新改革揭榜任务的通知")
    doc.recipients("内蒙古自治区发展改革委、科技厅")
    doc.heading("一、揭榜任务")
    doc.text(f"第一段{HOSTILE}\n\n  第二段照录。\n第三段")
    doc.heading("（一）实施主体", level=2)
    doc.table(["序号", "名称"], [(1, f"甲{HOSTILE}\n乙"), (2, "丙")], widths=(20, 136))
    doc.paragraph("正文的最后一段，" + "汉" * 60)
    doc.attachments(["北京市2027年度全面创新改革揭榜任务"])
    doc.signature(["国家发展改革委", "科技部"], datetime.date(2027, 6, 8))
    doc.record("财政部、教育部", "国家发展改革委办公厅", datetime.date(2027, 6, 9))
    return doc.to_bytes()


def test_a_document_has_the_gongwen_page_fonts_head_and_footer():
    document = dc.check_gongwen(
        sample(),
        title="国家发展改革委 科技部关于下达内蒙古自治区2027年度全面创新改革揭榜任务的通知",
        doc_number="发改高技〔2027〕12号",
        recipients="内蒙古自治区发展改革委、科技厅",
        rows=[["1", f"甲{HOSTILE}\n乙"], ["2", "丙"]],
    )
    text = dc.body_paragraphs(document)
    # the title breaks where the PDF's does: not inside 内蒙古自治区
    title = next(p for p in document.paragraphs if p.text.startswith("国家发展改革委 科技部\n"))
    assert title.text.split("\n") == [
        "国家发展改革委 科技部",
        "关于下达内蒙古自治区2027年度",
        "全面创新改革揭榜任务的通知",
    ]
    # the 版头: both names red 小标宋, the 发文字号 centred above a red rule
    head = text[: text.index("发改高技〔2027〕12号") + 1]
    assert head[:2] == ["国家发展改革委", "科技部"]
    # the 一、 heading in 黑体, the （一） in 楷体, body runs in 仿宋 by the style
    fonts = {
        p.text: p.runs[0].element.rPr.rFonts.get(f"{W}eastAsia")
        for p in document.paragraphs
        if p.runs and p.runs[0].element.rPr is not None and p.runs[0].element.rPr.rFonts is not None
    }
    assert fonts["一、揭榜任务"] == "黑体" and fonts["（一）实施主体"] == "楷体_GB2312"
    # grid: 22 lines of 28.9 pt
    grid = document.sections[0]._sectPr.find(f"{W}docGrid")
    assert grid.get(f"{W}type") == "lines" and grid.get(f"{W}linePitch") == "578"
    # the 署名 and date right-aligned, the date as 公文 write it; the 版记 last
    k = text.index("2027年6月8日")
    assert text[k - 2 : k] == ["国家发展改革委", "科技部"]
    assert text[-2:] == ["抄送：财政部、教育部。", "国家发展改革委办公厅\t2027年6月9日印发"]
    assert "附件：北京市2027年度全面创新改革揭榜任务" in text


def test_typed_paragraphs_are_paragraphs_and_text_stays_text():
    document = dc.open_docx(sample())
    text = dc.body_paragraphs(document)
    k = text.index(f"第一段{HOSTILE}")
    assert text[k : k + 3] == [f"第一段{HOSTILE}", "第二段照录。", "第三段"]
    assert dc.table_rows(document)[0][1] == ["1", f"甲{HOSTILE}\n乙"]
    # markup stayed characters: no bold run, no element named by the text
    assert not [r for p in document.paragraphs for r in p.runs if r.bold]
    assert "<b>" not in document.element.xml.replace("&lt;b&gt;", "")


def test_characters_xml_cannot_hold_are_dropped_not_fatal():
    assert clean("甲\x00乙\x0b丙\x1f丁\ud800戊\ufffe") == "甲乙丙丁戊"
    assert clean("甲\t乙\n丙") == "甲\t乙\n丙"
    doc = GongwenDocx()
    doc.title("标题\x00")
    doc.paragraph("正文\x07照录")
    assert "正文照录" in dc.body_paragraphs(dc.open_docx(doc.to_bytes()))


def test_a_draft_carries_the_mark_in_every_pages_header_and_a_final_one_none():
    draft = dc.open_docx(sample(draft=True))
    odd, even, _first = dc.header_texts(draft)
    assert odd == even == "草稿"
    assert "草稿" not in "".join(dc.header_texts(dc.open_docx(sample())))


def test_an_upward_document_sets_the_number_left_and_the_signer_right():
    document = dc.open_docx(sample(signer="张三"))
    line = next(p for p in document.paragraphs if p.text.startswith("发改高技〔2027〕12号"))
    assert line.text == "发改高技〔2027〕12号\t签发人：张三"
    assert line.alignment == 0  # left


def test_the_table_header_repeats_and_the_closing_block_keeps_with_the_body():
    document = dc.open_docx(sample())
    table = document.tables[0]
    assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    assert table._tbl.tblPr.find(f"{W}tblW").get(f"{W}w") == str(round(156 / 25.4 * 1440))
    paragraphs = document.paragraphs
    last_body = next(i for i, p in enumerate(paragraphs) if p.text.startswith("正文的最后一段"))
    date = next(i for i, p in enumerate(paragraphs) if p.text == "2027年6月8日")
    assert all(p.paragraph_format.keep_with_next for p in paragraphs[last_body:date])


def test_the_response_is_a_docx_attachment_with_the_chinese_name():
    response = docx_response(b"PK", "浙江省2027年度建议书.docx", fallback="book-330000-2027.docx")
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"book-330000-2027.docx\"; filename*=UTF-8''{quote('浙江省2027年度建议书.docx')}"
    )
    assert response["X-Content-Type-Options"] == "nosniff"

"""Word (.docx) versions of the portal's official documents (issue 15 §9), on python-docx, in the page geometry of
GB/T 9704-2012 (docs/gongwen.md): A4; 天头 37 mm, 订口 28 mm, a 156 × 225 mm 版心 (bottom 35 mm, right 26 mm); 仿宋
3号 (16 pt) body on a 22-line grid; 小标宋 2号 (22 pt) title; the 发文机关标志 and the separator line in red; the
page number "— N —" (4号, a PAGE field) right on odd pages and left on even ones; for a draft the word 草稿 in the
header of every page.

An app's ``documents.py`` builds a document from the same context its PDF uses::

    doc = GongwenDocx(draft=not book.submitted_at)
    doc.head(ctx["head_issuers"], doc_number=ctx.get("doc_number", ""))
    doc.title(ctx["title"])
    doc.recipients(ctx["recipients"])
    doc.text(summary)                       # typed text: one paragraph per typed line
    doc.heading("一、…")                   # 黑体; doc.heading("（一）…", level=2): 楷体
    doc.table(["编号", "名称"], rows, widths=(20, 136))   # mm; header row repeated on every page
    doc.signature(names, date)
    doc.record(cc, printed_by, printed_on)
    return doc.to_bytes()

User text goes in as text (python-docx writes runs, never XML), so ``<b>`` stays those three characters. Characters
XML 1.0 cannot hold (C0 controls other than tab and line breaks, lone surrogates, U+FFFE/U+FFFF) are dropped
rather than failing the whole document; the forms refuse them anyway (``reform_portal.text``).

The kernel names no stage: the 建议书, the 通知书 and the 清单 are built in their apps' ``documents.py``.
"""

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.http import HttpResponse

from .pdf import document_language, gongwen_date, split_lines

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Fonts, by the names offices install (the PDFs' first choices, static/pdf/gongwen.css); Word and WPS substitute
# when one is missing, LibreOffice through fontconfig.
FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
LATIN = "Times New Roman"

RED = "FF0000"
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
SMALL_PT = 14  # 4号: page numbers, 版记, tables
LINE_PITCH_PT = 28.9  # 22 lines in the 225 mm 版心
DRAFT_MARK = "草稿"

# The page (mm): A4 and the GB/T 9704 margins, 版心 156 × 225 mm.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
FOOTER_MM = 28  # the page number's line sits 7 mm below the 版心 (297 - 37 - 225 - 7 = 28 mm from the edge)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text) -> str:
    """``text`` as a string XML can hold (see the module's docstring); None is empty."""
    return _NOT_XML.sub("", "" if text is None else str(text))


class GongwenDocx:
    """One 公文 being written. Methods append in reading order; ``to_bytes()`` gives the .docx."""

    def __init__(self, *, draft: bool = False):
        from docx import Document
        from docx.shared import Mm

        self.document = Document()
        self.draft = draft
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        section.header_distance, section.footer_distance = Mm(15), Mm(FOOTER_MM - 7)
        self._grid(section)
        self._styles()
        self.document.settings.odd_and_even_pages_header_footer = True
        self._page_number(section.footer, odd=True)
        self._page_number(section.even_page_footer, odd=False)
        if draft:
            self._draft_mark(section.header)
            self._draft_mark(section.even_page_header)
        self.document.core_properties.language = "zh-CN"
        # The default template's empty first paragraph would stand above the 版头.
        for paragraph in list(self.document.paragraphs):
            paragraph._p.getparent().remove(paragraph._p)

    # --- set-up ----------------------------------------------------------------------------------------

    @staticmethod
    def _grid(section) -> None:
        """The document grid of the 版心: 22 lines a page (Word's 文档网格, 指定行网格)."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        sect = section._sectPr
        grid = sect.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(round(LINE_PITCH_PT * 20)))

    def _styles(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Pt

        normal = self.document.styles["Normal"]
        set_fonts(normal, FANGSONG)
        normal.font.size = Pt(BODY_PT)
        fmt = normal.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PITCH_PT)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.widow_control = True
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    def _page_number(self, footer, *, odd: bool) -> None:
        """ "— N —" in 4号 宋体, one character in from the outer edge: right on odd pages, left on even ones."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        paragraph = footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        if odd:
            paragraph.paragraph_format.right_indent = Pt(SMALL_PT)
        else:
            paragraph.paragraph_format.left_indent = Pt(SMALL_PT)
        self._run(paragraph, "— ", font=SONGTI, size=SMALL_PT)
        field_run(paragraph, "PAGE", font=SONGTI, size=SMALL_PT)
        self._run(paragraph, " —", font=SONGTI, size=SMALL_PT)

    def _draft_mark(self, header) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self._run(paragraph, DRAFT_MARK, font=HEITI, size=SMALL_PT, color=RED)

    # --- building blocks ------------------------------------------------------------------------------

    @staticmethod
    def _run(paragraph, text, *, font=None, size=None, color=None, bold=False):
        from docx.shared import Pt, RGBColor

        run = paragraph.add_run(clean(text))
        if font:
            set_fonts(run, font)
        if size:
            run.font.size = Pt(size)
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
        if bold:
            run.bold = True
        return run

    def paragraph(self, text: str = "", *, indent: bool = True, align=None, font=None, size=None, color=None):
        """One paragraph of ``text`` as it stands (a line break in it becomes a line break); 仿宋 3号, the first
        line indented two characters unless ``indent`` is false."""
        from docx.shared import Pt

        paragraph = self.document.add_paragraph()
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(2 * (size or BODY_PT))
        if align is not None:
            paragraph.alignment = align
        if text:
            self._run(paragraph, text, font=font, size=size, color=color)
        return paragraph

    def text(self, text: str, *, prefix: str = "", empty: str = "") -> list:
        """A typed text as paragraphs, one per typed line (blank lines dropped); ``prefix`` starts the first
        (e.g. "改革思路："); ``empty`` stands for a blank text."""
        lines = split_lines(text) or ([empty] if empty else [])
        return [self.paragraph((prefix if i == 0 else "") + line) for i, line in enumerate(lines)]

    def head(
        self, issuers: Sequence[str], *, doc_number: str = "", signer: str = "", suffix: str = ""
    ) -> None:
        """版头: the issuing authorities in red 小标宋 (several stacked, lead first), the 发文字号 on its own line
        (centred; an 上行文 with ``signer`` sets it left and 签发人 right, each one character in), the red rule."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
        from docx.shared import Emu, Mm, Pt

        names = [clean(n).strip() for n in issuers if clean(n).strip()]
        size = 26 if len(names) > 1 or max((len(n) for n in names), default=0) > 10 else 36
        # The names stacked and spread to the width of the longest (as the PDF's spread_names), centred.
        longest = max((len(n) for n in names), default=0)
        side = Emu(max(0, (Mm(156) - Pt(longest * size * 1.1)) // 2))
        for name in names:
            paragraph = self.paragraph(indent=False, align=WD_ALIGN_PARAGRAPH.DISTRIBUTE)
            fmt = paragraph.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(size * 1.3)
            fmt.left_indent = fmt.right_indent = side
            fmt.keep_with_next = True
            self._run(
                paragraph, name + (suffix if len(names) == 1 else ""), font=XIAOBIAOSONG, size=size, color=RED
            )
        if len(names) > 1 and suffix:
            paragraph = self.paragraph(suffix, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            paragraph.runs[0].font.color.rgb = _rgb(RED)
        # 发文字号 two lines below the mark, then the red line 4 mm below it.
        number = self.paragraph(indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        number.paragraph_format.space_before = Pt(2 * LINE_PITCH_PT if doc_number or signer else 0)
        number.paragraph_format.keep_with_next = True
        if signer:
            number.alignment = WD_ALIGN_PARAGRAPH.LEFT
            number.paragraph_format.left_indent = number.paragraph_format.right_indent = Pt(BODY_PT)
            number.paragraph_format.tab_stops.add_tab_stop(Mm(156) - Pt(2 * BODY_PT), WD_TAB_ALIGNMENT.RIGHT)
            self._run(number, clean(doc_number) + "\t签发人：")
            self._run(number, signer, font=KAITI)
        else:
            self._run(number, doc_number)
        bottom_border(number, color=RED, size_eighths=18, space_pt=8)

    def title(self, text: str) -> None:
        """标题: 2号 小标宋, centred, two lines below the red line; broken where the PDF breaks it (whole words)."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
        from docx.shared import Pt

        from .pdf import gongwen_title_lines

        paragraph = self.paragraph(indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        fmt = paragraph.paragraph_format
        fmt.space_before = Pt(LINE_PITCH_PT)
        fmt.space_after = Pt(LINE_PITCH_PT)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(35)
        fmt.keep_with_next = True
        lines = gongwen_title_lines(clean(text))
        for i, line in enumerate(lines):
            run = self._run(paragraph, line, font=XIAOBIAOSONG, size=TITLE_PT)
            if i < len(lines) - 1:
                run.add_break(WD_BREAK.LINE)
        return paragraph

    def recipients(self, text: str) -> None:
        """主送机关: flush left, ending with a full-width colon."""
        text = clean(text).strip()
        if text:
            self.paragraph(text if text.endswith("：") else text + "：", indent=False)

    def heading(self, text: str, *, level: int = 1):
        """一、 in 黑体 (level 1), （一） in 楷体 (level 2), 1. in 仿宋 (level 3); kept with what follows."""
        font = {1: HEITI, 2: KAITI}.get(level, FANGSONG)
        paragraph = self.paragraph(text, font=font)
        paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def label(self, text: str):
        """A line flush left (e.g. "附件" above an attachment), in 黑体."""
        return self.paragraph(text, indent=False, font=HEITI)

    def attachments(self, titles: Sequence[str]) -> None:
        """附件说明, one line below the text, two characters in; several numbered, aligned under the first."""
        from docx.shared import Pt

        titles = [t for t in titles if t]
        if not titles:
            return
        self.paragraph()
        if len(titles) == 1:
            self.paragraph(f"附件：{titles[0]}")
            return
        for i, item in enumerate(titles, start=1):
            paragraph = self.paragraph(("附件：" if i == 1 else "") + f"{i}. {item}")
            if i > 1:
                paragraph.paragraph_format.first_line_indent = Pt(5 * BODY_PT)

    def signature(self, names: Sequence[str], date: datetime.date | datetime.datetime | None) -> None:
        """署名 and 成文日期, right-aligned four characters in; kept together and with the line above."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        self.keep_with_closing()
        self.paragraph().paragraph_format.keep_with_next = True
        self.paragraph().paragraph_format.keep_with_next = True
        lines = [*[n for n in names if n], gongwen_date(date)]
        for i, line in enumerate(line for line in lines if line):
            paragraph = self.paragraph(line, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            paragraph.paragraph_format.right_indent = Pt(4 * BODY_PT)
            paragraph.paragraph_format.keep_with_next = i < len(lines) - 1
            paragraph.paragraph_format.keep_together = True

    def keep_with_closing(self, body_chars: int = 40) -> None:
        """Keep what follows (署名 and 成文日期) on the page of the last body lines: every paragraph back to and
        including the last one of at least ``body_chars`` characters (联系人, 附件说明 and the end of the text) is
        kept with the next, so the closing block never stands alone on a page (docs/gongwen.md)."""
        from docx.table import Table

        body = self.document.element.body
        for element in reversed(list(body.iterchildren())):
            if element.tag.endswith("}tbl"):  # a table's last row stays with what follows
                for cell in Table(element, self.document._body).rows[-1].cells:
                    for cell_paragraph in cell.paragraphs:
                        cell_paragraph.paragraph_format.keep_with_next = True
                break
            if not element.tag.endswith("}p"):
                continue
            from docx.text.paragraph import Paragraph

            paragraph = Paragraph(element, self.document._body)
            paragraph.paragraph_format.keep_with_next = True
            if len(paragraph.text) >= body_chars:
                break

    def note(self, text: str) -> None:
        """附注 (e.g. （联系人：…；电话：…）), one line below the date, two characters in."""
        if text:
            self.paragraph(text)

    def table(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence],
        *,
        widths: Sequence[float] | None = None,
        size: float = SMALL_PT,
    ):
        """A table with a header row (黑体) repeated at the top of every page it runs onto (w:tblHeader); each cell
        is text, a typed text's lines becoming the cell's paragraphs. ``widths``
        in mm (together 156, the 版心)."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Mm, Pt

        rows = [list(r) for r in rows]
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        if widths:
            set_table_width(table, sum(widths))

        def fill(cell, value, *, font=None, align=None):
            lines = split_lines(clean(value)) or [""]
            cell.paragraphs[0].text = ""
            for i, line in enumerate(lines):
                paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                fmt = paragraph.paragraph_format
                fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
                fmt.line_spacing = Pt(size * 1.5)
                fmt.first_line_indent = Pt(0)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if align is None else align
                self._run(paragraph, line, font=font, size=size)

        header = table.rows[0]
        repeat_header(header)
        for cell, text in zip(header.cells, headers, strict=True):
            fill(cell, text, font=HEITI, align=WD_ALIGN_PARAGRAPH.CENTER)
        for values in rows:
            row = table.add_row()  # a row may run over a page break: a long 改革内容 is taller than a page
            for cell, value in zip(row.cells, values, strict=True):
                fill(cell, value)
        if widths:
            for column, width in zip(table.columns, widths, strict=True):
                column.width = Mm(width)
                for cell in column.cells:
                    cell.width = Mm(width)
        return table

    def record(self, cc: str, printed_by: str, printed_on) -> None:
        """版记 at the end: 抄送 and 印发机关/印发日期 in 4号 仿宋 between 版心-wide lines."""
        from docx.enum.text import WD_TAB_ALIGNMENT
        from docx.shared import Mm, Pt

        if not (cc or printed_by):
            return
        self.keep_with_closing()
        self.paragraph().paragraph_format.keep_with_next = True
        first = None
        if cc:
            cc_text = cc if isinstance(cc, str) else "、".join(cc)
            first = self.paragraph(f"抄送：{cc_text.rstrip('。')}。", indent=False, size=SMALL_PT)
            first.paragraph_format.left_indent = first.paragraph_format.right_indent = Pt(SMALL_PT)
            first.paragraph_format.keep_with_next = True
            bottom_border(first, size_eighths=4)
        if printed_by:
            line = self.paragraph(indent=False, size=SMALL_PT)
            fmt = line.paragraph_format
            fmt.left_indent = fmt.right_indent = Pt(SMALL_PT)
            fmt.tab_stops.add_tab_stop(Mm(156) - Pt(2 * SMALL_PT), WD_TAB_ALIGNMENT.RIGHT)
            self._run(line, f"{clean(printed_by)}\t{gongwen_date(printed_on)}印发", size=SMALL_PT)
            bottom_border(line, size_eighths=8)
            if first is None:
                top_border(line, size_eighths=8)
        if first is not None:
            top_border(first, size_eighths=8)

    def page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


# --- XML helpers (what python-docx has no API for) -----------------------------------------------------


def _rgb(color: str):
    from docx.shared import RGBColor

    return RGBColor.from_string(color)


def set_fonts(target, name: str, latin: str = LATIN) -> None:
    """A run's or a style's fonts: ``name`` for East-Asian text (w:eastAsia), ``latin`` for ASCII and the rest."""
    from docx.oxml.ns import qn

    target.font.name = latin
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")


def field_run(paragraph, instruction: str, *, font=None, size=None):
    """A field (``PAGE``, ``NUMPAGES``) as begin / instruction / separate / "1" / end runs."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    def run_with(child):
        run = paragraph.add_run()
        if font:
            set_fonts(run, font)
        if size:
            run.font.size = Pt(size)
        run._r.append(child)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    shown = paragraph.add_run("1")
    if font:
        set_fonts(shown, font)
    if size:
        shown.font.size = Pt(size)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _border(paragraph, side: str, *, color: str = "000000", size_eighths: int = 4, space_pt: int = 1) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # w:pBdr comes before w:spacing, w:ind, w:jc … in CT_PPr's sequence.
        successor = next(
            (
                ppr.find(qn(f"w:{tag}"))
                for tag in (
                    "shd",
                    "tabs",
                    "suppressAutoHyphens",
                    "kinsoku",
                    "wordWrap",
                    "overflowPunct",
                    "topLinePunct",
                    "autoSpaceDE",
                    "autoSpaceDN",
                    "bidi",
                    "adjustRightInd",
                    "snapToGrid",
                    "spacing",
                    "ind",
                    "contextualSpacing",
                    "mirrorIndents",
                    "suppressOverlap",
                    "jc",
                )
                if ppr.find(qn(f"w:{tag}")) is not None
            ),
            None,
        )
        if successor is not None:
            successor.addprevious(borders)
        else:
            ppr.append(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), str(space_pt))
    line.set(qn("w:color"), color)
    order = ["top", "left", "bottom", "right", "between", "bar"]
    for existing in borders:
        if order.index(existing.tag.split("}")[1]) > order.index(side):
            existing.addprevious(line)
            return
    borders.append(line)


def bottom_border(paragraph, *, color: str = "000000", size_eighths: int = 4, space_pt: int = 1) -> None:
    _border(paragraph, "bottom", color=color, size_eighths=size_eighths, space_pt=space_pt)


def top_border(paragraph, *, color: str = "000000", size_eighths: int = 4, space_pt: int = 1) -> None:
    _border(paragraph, "top", color=color, size_eighths=size_eighths, space_pt=space_pt)


def set_table_width(table, width_mm: float) -> None:
    """The table's preferred width (w:tblW, in twentieths of a point), which LibreOffice follows."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tblpr = table._tbl.tblPr
    width = tblpr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tblpr.append(width)
    width.set(qn("w:w"), str(round(width_mm / 25.4 * 1440)))
    width.set(qn("w:type"), "dxa")


def repeat_header(row) -> None:
    """Mark a table row as its header, repeated at the top of each page (w:tblHeader)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)
    cant_split(row)


def cant_split(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    trpr.insert(0, flag)  # before w:tblHeader in CT_TrPr's sequence


# --- building and serving ------------------------------------------------------------------------------


@contextmanager
def building():
    """Everything inside renders in the documents' language, as the PDFs do."""
    with document_language():
        yield


def docx_response(data: bytes, filename: str, *, fallback: str) -> HttpResponse:
    """The download: the .docx media type, ``attachment`` with the Chinese name (RFC 5987) and an ASCII fallback."""
    from .exports import content_disposition

    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback)
    response["X-Content-Type-Options"] = "nosniff"
    return response

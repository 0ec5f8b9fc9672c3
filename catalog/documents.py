"""The published 《年度全面改革创新举措清单》 as a PDF (GB/T 9704 style) and an XLSX workbook."""

from proposals.enums import AuthorityLevel, ReformArea
from reform_portal import exports
from reform_portal.pdf import JOINT_ISSUERS, document_language, record_height, render_pdf, split_lines

# The choices whose labels the list prints (an English label in a stored file shows it was made under English).
PRINTED_CHOICES = (ReformArea, AuthorityLevel)

XLSX_HEADERS = [
    "编号",
    "举措名称",
    "改革任务领域",
    "改革内容",
    "改革目标",
    "事权层级",
    "国家协调部门",
    "建议来源地区",
]


def list_recipients() -> str:
    """主送 of the list's 通知: every active region, as 484 addresses them (…发展改革委、科技厅（委、局）)."""
    from reform_portal.models import Region

    names = "、".join(Region.objects.filter(active=True).order_by("code").values_list("name", flat=True))
    return f"{names}发展改革委、科技厅（委、局）"


def list_notice_title(measure_list) -> str:
    """The 通知 that publishes a list version: 国家发展改革委 科技部关于公布《…》的通知."""
    return f"国家发展改革委 科技部关于公布《{measure_list.title}》的通知"


def list_context(measure_list, entries) -> dict:
    """What the list's 通知 prints, for the PDF (``render_list_pdf``) and the Word version (``render_list_docx``)."""
    return {
        "title": list_notice_title(measure_list),
        "doc_number": measure_list.number.text if measure_list.number_id else "",
        "recipients": list_recipients(),
        "measure_list": measure_list,
        "entries": entries,
        "head_issuers": JOINT_ISSUERS,
        "signatories": JOINT_ISSUERS,
        "date": measure_list.published_at,
        "cc": measure_list.cycle.notice_cc,
        "printed_by": measure_list.cycle.notice_printed_by or "国家发展改革委办公厅",
        "printed_on": measure_list.published_at,
        "record_height": record_height(measure_list.cycle.notice_cc),
    }


def entry_paragraphs(entry) -> list[str]:
    """An entry's paragraphs in the list's 通知, the typed paragraph breaks of 改革内容 and 改革目标 kept."""
    coordination = (
        f"（国家协调部门：{entry.coordination_departments}）" if entry.coordination_departments else ""
    )
    out = [
        f"清单编号：{entry.number}。改革任务领域：{entry.get_area_display()}。"
        f"事权层级：{entry.get_authority_level_display()}{coordination}。"
    ]
    content = split_lines(entry.description or "") or [""]
    out += [f"改革内容：{content[0]}", *content[1:]]
    goals = split_lines(entry.goals or "")
    if goals:
        out += [f"改革目标：{goals[0]}", *goals[1:]]
    if entry.source_regions:
        out.append(f"建议来源地区：{entry.source_regions}。")
    return out


def render_list_pdf(measure_list, entries) -> bytes:
    """Every entry's paragraphs but the last entry's last ones flow and break freely; those (enough for 40
    characters of body text, ``printed_entries``) go with the 署名, 成文日期 and 版记 (gw-final), so a last entry
    longer than a page neither leaves a page almost empty before it nor puts the 署名 or the 版记 on a page alone."""
    ctx = list_context(measure_list, entries)
    with document_language():  # the labels inside the paragraphs in Chinese whatever the session's language
        ctx["printed_entries"] = printed_entries(entries)
    return render_pdf("catalog/list_pdf.html", ctx)


# The page of the 署名 carries body text (GB/T 9704 7.3.5.1; the checker wants 40 CJK characters on it).
CLOSING_BODY_CHARS = 40


def _cjk(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def printed_entries(entries) -> list[tuple[int, object, list[str], list[str]]]:
    """(number, entry, the paragraphs that flow, the paragraphs kept with the closing block) as
    templates/catalog/list_pdf.html prints them. Only the last entry keeps any: its fewest last paragraphs that
    hold ``CLOSING_BODY_CHARS`` characters (a short "建议来源地区：…" alone left the 署名 page almost without
    text), never its first, which stays under the entry's heading."""
    printed = []
    for n, e in enumerate(entries, 1):
        paragraphs = entry_paragraphs(e)
        split = len(paragraphs)
        if n == len(entries):
            split -= 1
            while split > 1 and _cjk("".join(paragraphs[split:])) < CLOSING_BODY_CHARS:
                split -= 1
        printed.append((n, e, paragraphs[:split], paragraphs[split:]))
    return printed


def list_intro(ctx) -> str:
    """The 通知's paragraph, as templates/catalog/list_pdf.html words it (a test holds the two to the same words)."""
    measure_list = ctx["measure_list"]
    return (
        "根据《国家发展改革委 科技部关于深入推进全面创新改革工作的通知》（发改高技〔2021〕484号），在汇总各地改革举措"
        "建议、合并同类项、组织专家论证并征求有关部门意见的基础上，现公布《"
        f"{measure_list.title}》（第{measure_list.version}版），共{len(ctx['entries'])}项改革举措。请各地组织揭榜，"
        f"原则上每个地方年度揭榜改革任务不少于{measure_list.cycle.min_bids}项。"
    )


DOCX_HEADERS = ["编号", "举措名称", "改革任务领域", "改革内容和目标", "事权层级", "建议来源地区"]


def render_list_docx(measure_list, entries) -> bytes:
    """The published list's 通知 as Word (.docx), from ``list_context``: 版头 with the 发文字号, title, 主送 the
    cycle's regions, the paragraph, the entries as a table (header repeated on every page), 署名, 成文日期, 版记."""
    from reform_portal.docx import GongwenDocx, building

    with building():
        ctx = list_context(measure_list, entries)
        doc = GongwenDocx()
        doc.head(ctx["head_issuers"], doc_number=ctx["doc_number"])
        doc.title(ctx["title"])
        doc.recipients(ctx["recipients"])
        doc.paragraph(list_intro(ctx))
        doc.table(
            DOCX_HEADERS,
            [
                (
                    e.number,
                    e.title,
                    e.get_area_display(),
                    "\n".join([f"改革内容：{e.description}"] + ([f"改革目标：{e.goals}"] if e.goals else [])),
                    e.get_authority_level_display()
                    + (f"\n国家协调部门：{e.coordination_departments}" if e.coordination_departments else ""),
                    e.source_regions,
                )
                for e in ctx["entries"]
            ],
            widths=(20, 30, 20, 46, 22, 18),
            size=12,
        )
        doc.signature(ctx["signatories"], ctx["date"])
        doc.record(ctx["cc"], ctx["printed_by"], ctx["printed_on"])
        return doc.to_bytes()


def list_xlsx(measure_list, entries) -> exports.Workbook:
    """The public list as a workbook; every title and text is a text cell, as typed (reform_portal.exports)."""
    with document_language():  # the list's labels in Chinese whatever the reader's interface language
        return _list_xlsx(measure_list, entries)


def _list_xlsx(measure_list, entries) -> exports.Workbook:
    book = exports.Workbook()
    sheet = book.sheet(f"{measure_list.cycle.year}年度清单")
    sheet.title(f"{measure_list.title}（第{measure_list.version}版）")
    sheet.header(XLSX_HEADERS)
    # get_FOO_display, once per choice rather than per entry (issue 19)
    areas = {value: str(label) for value, label in ReformArea.choices}
    levels = {value: str(label) for value, label in AuthorityLevel.choices}
    for e in entries:
        sheet.row(
            [
                e.number,
                e.title,
                areas.get(e.area, e.area),
                e.description,
                e.goals,
                levels.get(e.authority_level, e.authority_level),
                e.coordination_departments,
                e.source_regions,
            ],
            wrap=True,
        )
    sheet.widths(dict(enumerate((10, 36, 24, 60, 40, 16, 30, 24), start=1)))
    return book

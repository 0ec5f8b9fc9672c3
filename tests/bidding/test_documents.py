"""The 揭榜任务通知书 after 发改高技〔2021〕484号 and GB/T 9704 (issue 15 §2): 主送 by the region's real department
names, "通知如下：", 联系人, 附件说明 and 附件, the two-agency 署名 and 成文日期, the 版记; the closing group never alone
on a page; page 1 holds at least 10 body lines; the checker's verdicts with --head --no-draft."""

import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings

from bidding import services
from bidding.documents import render_notice_pdf
from reform_portal.enums import OrgKind

from .. import factories as f
from . import scenarios as fb

pytestmark = pytest.mark.django_db

CHECKER = Path(settings.BASE_DIR) / "tests" / "tools" / "gongwen_check.py"
DUMP = os.environ.get("PORTAL_DUMP_PDF")  # a directory: the tests leave their PDFs there to look at


def flat(text):
    return re.sub(r"\s+", "", text)


def page_texts(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def dump(name, data):
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        (Path(DUMP) / name).write_bytes(data)


def notice_for(cycle, reviewer, code, entries, **cycle_fields):
    for field, value in cycle_fields.items():
        setattr(cycle, field, value)
    cycle.save()
    drc, scitech = (
        f.regional_user(code, OrgKind.REGIONAL_DRC),
        f.regional_user(code, OrgKind.REGIONAL_SCITECH),
    )
    fb.awarded_tasks(cycle, reviewer, drc, scitech, entries)
    notice = services.notice_allocate(cycle=cycle, region=drc.region, by=reviewer)
    return notice, render_notice_pdf(notice, services.notice_tasks(notice))


CYCLE_FIELDS = {
    "notice_contacts": "于智锋 010-68501985；韩可珂 010-58884279",
    "notice_cc": "财政部、教育部、工业和信息化部",
    "notice_printed_by": "国家发展改革委办公厅",
}

MM = 72 / 25.4
BOTTOM_MM = 262  # the 版心 foot
LINE_PITCH = 28.9
CJK = re.compile(r"[\u4e00-\u9fff]")


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


def date_page(pages, date_text):
    """The 1-based page whose text has the 成文日期 on a line of its own."""
    return next(i for i, text in enumerate(pages, 1) if date_text in text.splitlines())


@pytest.fixture
def beijing_notice(bcycle, reviewer):
    entries = fb.publish_list(bcycle, n=3)
    notice, data = notice_for(bcycle, reviewer, "110000", entries, **CYCLE_FIELDS)
    dump("notice-beijing-3.pdf", data)
    return notice, data


def test_the_letter_is_addressed_and_worded_as_484(beijing_notice):
    from reform_portal.pdf import gongwen_date

    notice, data = beijing_notice
    pages = page_texts(data)
    text = flat("".join(pages))
    assert "北京市发展改革委、北京市科委、中关村管委会：" in text
    assert "（委、局）" not in text and "北京市科技厅" not in text
    assert "通知如下：" in text and "通知如下。" not in text
    assert "联系人：于智锋010-68501985；韩可珂010-58884279" in text
    assert "附件：北京市2027年度全面创新改革揭榜任务" in text
    # the 署名 of both agencies stacked right above the 成文日期, 4 characters in from the right edge
    date = gongwen_date(notice.issued_on)
    lines = [flat(line) for line in pages[date_page(pages, date) - 1].splitlines()]
    k = lines.index(date)
    assert lines[k - 2 : k] == ["国家发展改革委", "科技部"]
    # the 附件 starts a page of its own, after the 署名, and lists every task with approach, entities, contact
    annex = next(i for i, p in enumerate(pages) if p.splitlines()[0].strip() == "附件")
    assert annex > date_page(pages, date) - 1
    annex_text = flat("".join(pages[annex:]))
    for task in services.notice_tasks(notice):
        assert task.entry.title in annex_text
        assert f"清单编号：{task.entry.number}" in annex_text
    assert annex_text.count("改革思路：在杭州、宁波先行试点，形成制度后全省推开。") == 3
    assert annex_text.count("实施主体：浙江大学、杭州市人民政府。") == 3
    assert annex_text.count("联系人：王建国0571-87051234") == 3
    # the 版记 closes the last page
    last = [flat(line) for line in pages[-1].splitlines() if not re.fullmatch(r"—\s*\d+\s*—", line.strip())]
    assert last[-2:] == ["抄送：财政部、教育部、工业和信息化部。", f"国家发展改革委办公厅{date}印发"]


def test_the_letter_has_no_cc_line_when_the_cycle_sets_none(bcycle, reviewer):
    entries = fb.publish_list(bcycle, n=3)
    _notice, data = notice_for(bcycle, reviewer, "330000", entries, notice_contacts="", notice_cc="")
    text = flat("".join(page_texts(data)))
    assert "浙江省发展改革委、浙江省科技厅：" in text
    assert "抄送" not in text and "联系人：于智锋" not in text
    assert "国家发展改革委办公厅" in text


@pytest.mark.parametrize("n", [3, 6, 8])
def test_the_checker_holds_and_the_closing_group_is_never_alone(bcycle, reviewer, tmp_path, n):
    """--head --no-draft: 24 checks; all hold but "lines on each full page", which GB/T 9704's 附件另面编排 makes
    fail on the page of the 署名 (the 附件 starts a new page), on the 附件's first page (its title is 2号) and on
    the page before the last when the last task moves on with the 版记: those are the only short pages besides
    page 1 and the last. The page of the 署名 and the last page carry at
    least 40 characters of text besides the 署名, 成文日期, 联系人, 附件说明 and 版记."""
    from reform_portal.pdf import gongwen_date

    entries = fb.publish_list(bcycle, n=n)
    notice, data = notice_for(bcycle, reviewer, "110000", entries, **CYCLE_FIELDS)
    dump(f"notice-{n}.pdf", data)
    rows = run_checker(data, tmp_path, "--head", "--no-draft")
    assert len(rows) == 24
    failing = {name for name, row in rows.items() if not row["ok"]}
    assert failing <= {"lines on each full page"}, {k: rows[k]["got"] for k in failing}
    pages = page_texts(data)
    date = gongwen_date(notice.issued_on)
    sign_page = date_page(pages, date)
    annex_page = next(i for i, p in enumerate(pages, 1) if p.splitlines()[0].strip() == "附件")
    counts = [int(x) for x in rows["lines on each full page"]["got"].split(",")]
    short = {i for i, c in enumerate(counts, 1) if c < 20}
    assert short <= {1, sign_page, annex_page, len(pages) - 1, len(pages)}
    closing = ("国家发展改革委", "科技部", date, "联系人：", "附件：")
    body = [ln for ln in pages[sign_page - 1].splitlines() if not flat(ln).startswith(closing)]
    assert len(CJK.findall("".join(body))) >= 40
    last = [ln for ln in pages[-1].splitlines() if not flat(ln).startswith(("抄送", "国家发展改革委办公厅"))]
    assert len(CJK.findall("".join(last))) >= 40


def test_page_one_is_filled_to_the_foot_of_the_text_block(beijing_notice):
    """GB/T 9704's 版头 (发文机关标志 35 mm down, 发文字号, red line, 2号 title, 主送) leaves room for 5–6 body lines
    on page 1; they are all used: the last line of page 1 ends within 1.5 line pitches of the 版心 foot."""
    _notice, data = beijing_notice
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        words = [w for w in pdf.pages[0].extract_words() if w["bottom"] < BOTTOM_MM * MM]
        pages = len(pdf.pages)
    assert pages > 1
    assert BOTTOM_MM * MM - max(w["bottom"] for w in words) < 1.5 * LINE_PITCH


def test_a_letter_issued_from_an_english_session_is_stored_in_chinese(bcycle, reviewer):
    from django.utils import translation

    from proposals.enums import ReformArea

    entries = fb.publish_list(bcycle, n=3)
    drc, scitech = fb.region_pair("330000")
    fb.awarded_tasks(bcycle, reviewer, drc, scitech, entries)
    with translation.override("en"):
        notice = services.notice_issue(cycle=bcycle, region=drc.region, by=reviewer)
        english = str(ReformArea.TECH_MARKET.label)
    with notice.pdf.open("rb") as fh:
        text = flat("".join(page_texts(fh.read())))
    assert "改革任务领域：促进技术要素市场体系建设" in text
    assert flat(english) not in text


URL = "https://example.gov.cn/" + "a" * 97  # 120 characters, no break opportunity


def test_hostile_content_at_each_fields_maximum_length_survives(bcycle, reviewer, tmp_path):
    """Every field of the letter at its form's maximum (approach 5,000, entities 1,000, contact 30 + 30, entry
    title 80) with 𠮷𡈽, an emoji, a 120-character URL, markup and typed paragraphs: every character is drawn by an
    embedded font and extracts (pdfplumber and pypdf), the URL wraps inside the 版心, markup stays text, the
    checker's 23 other checks hold."""
    from pypdf import PdfReader

    from bidding.models import Bid

    entries = fb.publish_list(bcycle, n=3)
    entry = entries[0]
    entry.title = ("𠮷𡈽🚀<b>" + "内蒙古自治区广西壮族自治区" * 6)[:80]
    entry.save()
    drc, scitech = fb.region_pair("440000")
    fb.awarded_tasks(bcycle, reviewer, drc, scitech, entries)
    paragraph = "𠮷𡈽🚀<b>粗体</b>" + URL + "改革" * 200
    approach = "\n".join([paragraph] * 20)[:5000]
    entities = "\n".join(f"某某科技有限公司{i}" for i in range(80))[:1000]
    Bid.objects.update(
        approach=approach, entity_names=entities, contact_name="张" * 30, contact_phone="0" * 30
    )
    notice = services.notice_allocate(cycle=bcycle, region=drc.region, by=reviewer)
    data = render_notice_pdf(notice, services.notice_tasks(notice))
    dump("notice-hostile.pdf", data)
    rows = run_checker(data, tmp_path, "--head", "--no-draft")
    assert len(rows) == 24
    failing = {name: row["got"] for name, row in rows.items() if not row["ok"]}
    assert set(failing) <= {"lines on each full page"}, failing
    plumber = "".join(page_texts(data))
    pypdf = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    for text in (plumber, pypdf):
        joined = text.replace("\n", "")
        assert "国家发展改革委 科技部关于下达广东省2027年度全面创新改革揭榜任务的通知" in joined.replace(
            "  ", " "
        )
        assert flat(entry.title) in flat(text)  # the entry's title, 𠮷𡈽🚀 and <b> included
        assert flat(f"改革思路：𠮷𡈽🚀<b>粗体</b>{URL}") in flat(text)
        assert flat("联系人：" + "张" * 30 + " " + "0" * 30) in flat(text)


# --- 实施方案 (issue 15 §9): a task's plan as a PDF, an attachment without 版头 ---------------------------------------

URL = "https://example.org/" + "a" * 100  # 120 characters, unbroken
ODD = "<b>粗体</b>𠮷𡈽🚀"


def line(n):
    """A one-line field of exactly ``n`` characters, starting with the hostile characters."""
    return (ODD + URL + "汉" * n)[:n]


def max_length(model, name):
    return model._meta.get_field(name).max_length


def planned_task(bcycle, reviewer, code="330000", **bid):
    drc, scitech = fb.region_pair(code)
    entries = fb.publish_list(bcycle, n=3)
    bid_set = services.bid_set_get_or_create(cycle=bcycle, region=drc.region, by=drc)
    for entry in entries:
        services.bid_save(bid_set=bid_set, entry=entry, fields=fb.bid_fields(**bid), by=drc)
    services.bid_set_sign(bid_set=bid_set, by=drc)
    services.bid_set_sign(bid_set=bid_set, by=scitech)
    services.bid_set_submit(bid_set=bid_set, by=drc)
    tasks = services.tasks_award(cycle=bcycle, bids=list(bid_set.bids.all()), by=reviewer)
    services.notice_allocate(
        cycle=bcycle, region=drc.region, by=reviewer
    )  # the plan is editable once notified
    tasks[0].refresh_from_db()
    return tasks[0], drc


def assert_plan_verdicts(rows):
    """Every check holds but "lines on each full page" on page 1, which "附件" and a 2号 title of two lines take
    five lines of (as on the 通知书's 附件 page): page 1 holds at least 16 body lines, every later full page 20."""
    failing = {k: r["got"] for k, r in rows.items() if not r["ok"]}
    assert set(failing) <= {"lines on each full page"}, failing
    counts = [int(n) for n in rows["lines on each full page"]["got"].split(",")]
    assert max(counts) <= 22 and counts[0] >= 16, counts
    assert all(n >= 20 for n in counts[1:-1]), counts


def test_the_plan_is_an_attachment_the_checker_holds(bcycle, reviewer, tmp_path):
    """No --head: 17 checks on a multi-page plan, all hold; the title and the tables' rows extract."""
    from bidding.documents import render_plan_pdf

    task, drc = planned_task(bcycle, reviewer, approach="第一步：先行试点。\n第二步：全省推开。")
    for i in range(6):
        services.milestone_add(
            task=task, fields=fb.milestone_fields(days=30 * (i + 1), title=f"节点{i + 1}"), by=drc
        )
    services.target_add(task=task, fields=fb.target_fields(), by=drc)
    services.target_add(
        task=task, fields=fb.target_fields(indicator="转化金额", unit="亿元", target=12.5), by=drc
    )
    data = render_plan_pdf(task)
    dump("plan.pdf", data)
    rows = run_checker(data, tmp_path)
    assert len(rows) == 17
    assert_plan_verdicts(rows)
    from reform_portal.pdf import pdf_text

    text = flat("".join(page_texts(data)))
    assert flat(f"{task.entry.title}实施方案") in text  # pdfplumber
    assert flat(f"{task.entry.title}实施方案") in pdf_text(data)  # pypdf
    assert "附件" in page_texts(data)[0].splitlines()[0]
    assert "发改高技" not in text and "签发人" not in text  # no 版头
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        tables = [t for page in pdf.pages for t in page.extract_tables()]
    cells = [[flat(c or "") for c in row] for t in tables for row in t]
    assert ["完成时限", "节点", "标志性成果", "责任人"] in cells
    assert ["指标", "单位", "基期值", "目标值"] in cells
    assert ["赋权成果数", "项", "0", "100"] in cells and ["转化金额", "亿元", "0", "12.5"] in cells
    assert sum(1 for row in cells if row[1:3] == [f"节点{1}", "省政府办公厅印发实施办法"]) == 1
    # the approach keeps its typed paragraphs, then the roadmap in order of the milestones
    assert text.index("第一步：先行试点。") < text.index("第二步：全省推开。") < text.index("1.20")


def test_the_plan_holds_hostile_content_at_every_maximum(bcycle, reviewer, tmp_path):
    from bidding.documents import render_plan_pdf
    from bidding.models import Milestone, Target

    approach = f"{ODD}{URL}\n第二段：照录。"
    task, drc = planned_task(bcycle, reviewer, approach=approach)
    services.milestone_add(
        task=task,
        fields=fb.milestone_fields(
            **{
                name: line(max_length(Milestone, name))
                for name in ("title", "deliverable", "responsible_name", "responsible_post")
            }
        ),
        by=drc,
    )
    services.target_add(
        task=task,
        fields=fb.target_fields(
            indicator=line(max_length(Target, "indicator")),
            unit=line(max_length(Target, "unit")),
            baseline=Decimal("999999999999.99"),
            target=Decimal("0.01"),
        ),
        by=drc,
    )
    data = render_plan_pdf(task)
    dump("plan-hostile.pdf", data)
    rows = run_checker(data, tmp_path)
    assert len(rows) in (15, 17)  # one page: no page-number checks
    assert_plan_verdicts(rows)
    text = flat("".join(page_texts(data)))
    assert flat(f"{task.entry.title}实施方案") in text
    assert URL in text and "<b>粗体</b>" in text and "𠮷𡈽" in text
    assert "999999999999.99" in text


def test_the_plan_downloads_with_the_task_pages_permissions(client, bcycle, reviewer):
    from django.urls import reverse
    from django.utils import translation

    from proposals.enums import ReformArea

    task, drc = planned_task(bcycle, reviewer)
    other, _other_drc = fb.region_pair("110000")
    client.force_login(drc)
    page = client.get(reverse("bidding:task_detail", args=[task.pk])).content.decode()
    for name in ("bidding:plan_pdf", "bidding:plan_docx"):
        url = reverse(name, args=[task.pk])
        assert url in page
        client.force_login(drc)
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        assert response["Content-Disposition"].startswith("attachment;")
        client.force_login(other)
        assert client.get(url).status_code == 404
    # Chinese under an English session
    client.force_login(drc)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("bidding:plan_pdf", args=[task.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = flat("".join(page_texts(response.content)))
    with translation.override("zh-hans"):
        chinese = str(ReformArea(task.entry.area).label)
    with translation.override("en"):
        english = str(ReformArea(task.entry.area).label)
    assert chinese in text and flat(english) not in text
    translation.activate(settings.LANGUAGE_CODE)

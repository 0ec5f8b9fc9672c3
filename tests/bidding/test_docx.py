"""The 揭榜任务通知书 as Word (.docx) (issue 15 §9): built from the issued letter's data through the PDF's own
``notice_context``, worded as the PDF, a 公文 that opens in python-docx and LibreOffice; the 附件's tasks as a table;
hostile text exactly as typed; the download keeps the PDF's permissions."""

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse

from bidding import services
from bidding.documents import notice_body, notice_context, render_notice_docx, render_notice_pdf
from reform_portal.docx import DOCX_CONTENT_TYPE
from reform_portal.enums import OrgKind
from reform_portal.pdf import gongwen_date

from .. import factories as f
from ..reform_portal import docx_checks as dc
from . import scenarios as fb

pytestmark = pytest.mark.django_db

DUMP = os.environ.get("PORTAL_DUMP_PDF")
URL = "https://example.org/" + "a" * 100
ODD = "<b>粗体</b>𠮷𡈽🚀"
CYCLE_FIELDS = {
    "notice_contacts": "于智锋 010-68501985；韩可珂 010-58884279",
    "notice_cc": "财政部、教育部、工业和信息化部",
    "notice_printed_by": "国家发展改革委办公厅",
}


def dump(name, data):
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        (Path(DUMP) / name).write_bytes(data)


def issued(cycle, reviewer, code, n=3, **bid):
    for field, value in CYCLE_FIELDS.items():
        setattr(cycle, field, value)
    cycle.save()
    drc = f.regional_user(code, OrgKind.REGIONAL_DRC)
    scitech = f.regional_user(code, OrgKind.REGIONAL_SCITECH)
    entries = fb.publish_list(cycle, n=n)
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=drc.region, by=drc)
    for entry in entries:
        services.bid_save(bid_set=bid_set, entry=entry, fields=fb.bid_fields(**bid), by=drc)
    services.bid_set_sign(bid_set=bid_set, by=drc)
    services.bid_set_sign(bid_set=bid_set, by=scitech)
    services.bid_set_submit(bid_set=bid_set, by=drc)
    services.tasks_award(cycle=cycle, bids=list(bid_set.bids.all()), by=reviewer)
    notice = services.notice_issue(cycle=cycle, region=drc.region, by=reviewer)
    return notice, drc


def test_the_letter_is_a_gongwen_worded_as_its_pdf(bcycle, reviewer, libreoffice, tmp_path):
    notice, _drc = issued(bcycle, reviewer, "110000")
    tasks = services.notice_tasks(notice)
    data = render_notice_docx(notice, tasks)
    dump("notice.docx", data)
    ctx = notice_context(notice, tasks)
    document = dc.check_gongwen(
        data,
        title=ctx["title"],
        doc_number=notice.doc_number,
        recipients="北京市发展改革委、北京市科委、中关村管委会",
        rows=[
            [str(n), f"{t.entry.title}\n清单编号：{t.entry.number}\n{t.entry.get_area_display()}"]
            for n, t in enumerate(tasks, 1)
        ],
    )
    text = dc.body_paragraphs(document)
    assert "联系人：于智锋 010-68501985；韩可珂 010-58884279" in text
    assert "附件：北京市2027年度全面创新改革揭榜任务" in text
    date = gongwen_date(notice.issued_on)
    k = text.index(date)
    assert text[k - 2 : k] == ["国家发展改革委", "科技部"]
    assert text[-3:-1] == [
        "抄送：财政部、教育部、工业和信息化部。",
        f"国家发展改革委办公厅\t{date}印发",
    ] or text[-2:] == ["抄送：财政部、教育部、工业和信息化部。", f"国家发展改革委办公厅\t{date}印发"]
    # every paragraph of the body is the PDF's wording (the two are built from one context)
    pdf = re.sub(r"—\d+—", "", dc.pdf_text(render_notice_pdf(notice, tasks)))  # page numbers out
    for _kind, paragraph in notice_body(ctx):
        assert re.sub(r"\s+", "", paragraph) in pdf
    rows = dc.table_rows(document)[0]
    assert rows[0] == ["序号", "揭榜任务", "改革思路", "实施主体", "联系人"]
    assert rows[1][2:] == [
        "在杭州、宁波先行试点，形成制度后全省推开。",
        "浙江大学\n杭州市人民政府",
        "王建国 0571-87051234",
    ]
    # one LibreOffice conversion of this kind
    converted = dc.convert(libreoffice, {"notice": data}, (Path(DUMP) if DUMP else tmp_path) / "docx-notice")[
        "notice"
    ]
    dump("notice-lo.pdf", converted)
    extracted = dc.pdf_text(converted)
    assert notice.doc_number in extracted and "通知如下：" in extracted


def test_hostile_bid_text_is_held_exactly_as_typed(bcycle, reviewer):
    approach = f"{ODD}{URL}\n第二段：照录。\n第三段"
    approach += "汉" * (5000 - len(approach))
    names = f"{ODD}\n" + (URL + "单位" * 500)[: 1000 - len(ODD) - 1]
    contact = (ODD + URL)[:30]
    notice, _drc = issued(
        bcycle, reviewer, "330000", approach=approach, entity_names=names, contact_name=contact
    )
    document = dc.open_docx(render_notice_docx(notice, services.notice_tasks(notice)))
    row = dc.table_rows(document)[0][1]
    assert row[2] == approach
    assert row[3] == names
    assert row[4] == f"{contact} 0571-87051234"
    assert not [r for p in document.paragraphs for r in p.runs if r.bold]


def test_the_download_keeps_the_pdfs_permissions(client, bcycle, reviewer, region_b_drc):
    notice, drc = issued(bcycle, reviewer, "110000")
    url = reverse("bidding:notice_docx", args=[notice.pk])
    client.force_login(drc)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    name = f"揭榜任务通知书-北京市-{notice.doc_number}.docx"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"notice-{notice.year}-{notice.sequence}.docx\"; filename*=UTF-8''{quote(name)}"
    )
    assert "no-store" in response["Cache-Control"]
    dc.check_gongwen(
        response.content, title=notice_context(notice, [])["title"], doc_number=notice.doc_number
    )
    client.force_login(region_b_drc)
    assert client.get(url).status_code == 404
    client.force_login(reviewer)
    assert client.get(url).status_code == 200
    # a letter numbered but not issued (no stored file) has no Word version either
    notice.pdf = ""
    notice.save(update_fields=["pdf"])
    assert client.get(url).status_code == 404


def test_the_plan_is_a_document_with_its_tables_that_libreoffice_opens(
    bcycle, reviewer, libreoffice, tmp_path
):
    """The 实施方案 as Word: no 版头, "附件" then the title (小标宋 2号), the 时间表 and the 量化目标 as tables with a
    repeated header row, hostile text held exactly; one LibreOffice conversion of this kind."""
    from bidding.documents import plan_title, render_plan_docx
    from bidding.models import Milestone

    notice, drc = issued(bcycle, reviewer, "330000", approach=f"{ODD}{URL}\n第二段：照录。")
    task = services.notice_tasks(notice)[0]
    long_title = (ODD + URL + "汉" * 100)[: Milestone._meta.get_field("title").max_length]
    services.milestone_add(task=task, fields=fb.milestone_fields(title=long_title), by=drc)
    services.milestone_add(task=task, fields=fb.milestone_fields(days=90, title="全省推开"), by=drc)
    services.target_add(task=task, fields=fb.target_fields(), by=drc)
    data = render_plan_docx(task)
    dump("plan.docx", data)
    document = dc.open_docx(data)
    texts = dc.body_paragraphs(document)
    assert texts[0] == "附件"
    title = plan_title(task)
    flat = [t.replace("\n", "") for t in texts]
    assert title in flat
    for run in document.paragraphs[flat.index(title)].runs:
        assert run.font.size.pt == 22
    assert not any("〔" in t for t in texts[:3])  # no 版头, no 发文字号
    assert ["第二段：照录。"] == [t for t in texts if t == "第二段：照录。"]
    assert f"{ODD}{URL}" in texts
    milestones, targets = dc.table_rows(document)
    assert milestones[0] == ["完成时限", "节点", "标志性成果", "责任人"]
    assert [row[1] for row in milestones[1:]] == [long_title, "全省推开"]
    assert targets == [["指标", "单位", "基期值", "目标值"], ["赋权成果数", "项", "0", "100"]]
    for table in document.tables:
        assert table.rows[0]._tr.find(f"{dc.W}trPr/{dc.W}tblHeader") is not None
    assert "草稿" not in "".join(dc.header_texts(document))
    pdf = dc.convert(libreoffice, {"plan": data}, (Path(DUMP) if DUMP else tmp_path) / "docx-plan")["plan"]
    dump("plan-lo.pdf", pdf)
    extracted = dc.pdf_text(pdf)
    assert re.sub(r"\s+", "", title) in extracted and "赋权成果数" in extracted

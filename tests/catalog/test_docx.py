"""The published 清单's 通知 as Word (.docx) (issue 15 §9): built from the PDF's own ``list_context``, worded as the
PDF, with the register's 发文字号, 主送 the cycle's regions, the entries as a table whose header repeats on every page;
hostile text exactly as stored; public for published versions only."""

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse

from catalog.documents import list_context, list_intro, render_list_docx, render_list_pdf
from catalog.enums import ListState
from catalog.models import MeasureList
from reform_portal.docx import DOCX_CONTENT_TYPE

from ..reform_portal import docx_checks as dc
from . import scenarios as fc

pytestmark = pytest.mark.django_db

DUMP = os.environ.get("PORTAL_DUMP_PDF")
URL = "https://example.org/" + "a" * 100
ODD = "<b>粗体</b>𠮷𡈽🚀"


def dump(name, data):
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        (Path(DUMP) / name).write_bytes(data)


@pytest.fixture
def published(cycle, reviewer, measure):
    return fc.published_list(cycle, reviewer)


def entries(measure_list):
    return list(measure_list.entries.order_by("position"))


def test_the_list_is_a_gongwen_worded_as_its_pdf(published, libreoffice, tmp_path):
    data = render_list_docx(published, entries(published))
    dump("list.docx", data)
    ctx = list_context(published, entries(published))
    assert ctx["doc_number"]  # the register numbered it
    entry = entries(published)[0]
    document = dc.check_gongwen(
        data,
        title=ctx["title"],
        doc_number=ctx["doc_number"],
        recipients=ctx["recipients"],
        rows=[[entry.number, entry.title, entry.get_area_display()]],
    )
    assert dc.table_rows(document)[0][0] == [
        "编号",
        "举措名称",
        "改革任务领域",
        "改革内容和目标",
        "事权层级",
        "建议来源地区",
    ]
    text = dc.body_paragraphs(document)
    assert list_intro(ctx) in text
    pdf = re.sub(r"—\d+—", "", dc.pdf_text(render_list_pdf(published, entries(published))))
    assert re.sub(r"\s+", "", list_intro(ctx)) in pdf
    converted = dc.convert(libreoffice, {"list": data}, (Path(DUMP) if DUMP else tmp_path) / "docx-list")[
        "list"
    ]
    dump("list-lo.pdf", converted)
    extracted = dc.pdf_text(converted)
    assert ctx["doc_number"] in extracted and entry.title in extracted


def test_hostile_entry_text_is_held_exactly_as_stored(published):
    def line(n):
        return (ODD + URL + "汉" * n)[:n]

    description = f"{ODD}{URL}\n第二段：照录。\n第三段" + "汉" * 4800
    goals = f"目标{ODD}\n第二段目标"
    published.entries.update(
        title=line(80),
        description=description,
        goals=goals,
        coordination_departments=line(300),
        source_regions=line(300),
    )
    document = dc.open_docx(render_list_docx(published, entries(published)))
    row = dc.table_rows(document)[0][1]
    assert row[1] == line(80)
    assert row[3] == "\n".join([f"改革内容：{description}", f"改革目标：{goals}"])
    assert row[4].endswith(f"\n国家协调部门：{line(300)}")
    assert row[5] == line(300)
    assert not [r for p in document.paragraphs for r in p.runs if r.bold]


def test_the_download_is_public_for_published_versions_only(client, published, cycle, reviewer):
    url = reverse("catalog:public_docx", args=[published.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    name = f"{cycle.year}年度全面改革创新举措清单（第{published.version}版）.docx"
    assert response["Content-Disposition"] == (
        f'attachment; filename="measure-list-{cycle.year}-v{published.version}.docx"; '
        f"filename*=UTF-8''{quote(name)}"
    )
    assert "no-store" in response["Cache-Control"]
    page = client.get(reverse("catalog:public_list", args=[published.pk])).content.decode()
    assert url in page and "下载Word版（.docx）" in page
    draft = MeasureList.objects.create(
        cycle=cycle, version=published.version + 1, title="草稿清单", state=ListState.DRAFT
    )
    assert client.get(reverse("catalog:public_docx", args=[draft.pk])).status_code == 404
    client.force_login(reviewer)
    assert client.get(reverse("catalog:public_docx", args=[draft.pk])).status_code == 404

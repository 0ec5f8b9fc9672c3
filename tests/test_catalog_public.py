import hashlib
from io import BytesIO
from pathlib import Path

import pdfplumber
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from catalog import services

from . import factories_catalog as fc

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    js = list(books["320000"][0].proposals.order_by("position"))
    fc.measure_from(cycle, reviewer, [zj, js[0]])
    fc.measure_from(cycle, reviewer, [js[1]], title="组建产业链创新联合体<b>", area="core_tech",
                    description="=HYPERLINK(\"x\") 链主企业牵头组建创新联合体。", goals="", authority_level="provincial",
                    coordination_departments="")
    return fc.published_list(cycle, reviewer)


def test_the_published_list_is_a_public_page(client, published, cycle):
    page = client.get(reverse("catalog:public_list", args=[published.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"《{cycle.year}年度全面改革创新举措清单》" in html
    assert f'data-number="{cycle.year}-01"' in html and f'data-number="{cycle.year}-02"' in html
    assert "组建产业链创新联合体&lt;b&gt;" in html and "创新联合体<b>" not in html


def test_home_links_to_the_latest_published_list(client, published):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("catalog:published")}"' in html
    assert client.get(reverse("catalog:published")).url == reverse("catalog:public_list", args=[published.pk])


def test_no_published_list_yet(client, cycle):
    page = client.get(reverse("catalog:published"))
    assert page.status_code == 200
    assert "尚未公布举措清单。" in page.content.decode()


def test_a_draft_is_not_public(client, cycle, reviewer):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    for name in ("catalog:public_list", "catalog:public_pdf", "catalog:public_xlsx"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404


def test_pdf_without_login_has_extractable_chinese_text(client, published, cycle):
    response = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    with pdfplumber.open(BytesIO(response.content)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")
        width, height = pdf.pages[0].width, pdf.pages[0].height
    assert (round(width), round(height)) == (595, 842)  # A4
    assert f"{cycle.year}-01" in text
    assert "赋予科研人员职务科技成果所有权或长期使用权" in text
    assert "组建产业链创新联合体<b>" in text  # user text stays text
    assert "国家发展改革委" in text


def test_xlsx_without_login_opens_with_the_right_rows(client, published, cycle):
    response = client.get(reverse("catalog:public_xlsx", args=[published.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="measure-list-{cycle.year}-v1.xlsx"'
    ws = load_workbook(BytesIO(response.content)).active
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0][0] == f"{cycle.year}年度全面改革创新举措清单（第1版）"
    assert rows[1] == ("编号", "举措名称", "改革任务领域", "改革内容", "改革目标", "事权层级", "国家协调部门", "建议来源地区")
    assert rows[2] == (f"{cycle.year}-01", fc.MEASURE["title"], "促进技术要素市场体系建设", fc.MEASURE["description"],
                       fc.MEASURE["goals"], "需国家层面协调", "财政部、教育部", "江苏省、浙江省")
    assert rows[3][:3] == (f"{cycle.year}-02", "组建产业链创新联合体<b>", "打好关键核心技术攻坚战")
    assert rows[3][3] == "'=HYPERLINK(\"x\") 链主企业牵头组建创新联合体。"  # no formula injection
    assert len(rows) == 4


def test_the_pdf_is_rendered_once_and_then_served_from_the_stored_file(client, published, django_assert_num_queries):
    first = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    published.refresh_from_db()
    assert published.pdf.name == f"lists/{published.pk}-{published.pdf_sha256[:16]}.pdf"
    assert hashlib.sha256(first.content).hexdigest() == published.pdf_sha256
    with published.pdf.open("rb") as fh:
        assert fh.read() == first.content
    path = Path(published.pdf.path)
    stamp = path.stat().st_mtime_ns
    assert published.history.first().history_change_reason == "生成清单 PDF 文件"
    with django_assert_num_queries(1):  # the published list; no entries, no lock, no save
        second = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    assert second.content == first.content
    assert path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_stored_pdf_that_fails_its_digest_is_rendered_again(client, published):
    client.get(reverse("catalog:public_pdf", args=[published.pk]))
    published.refresh_from_db()
    Path(published.pdf.path).write_bytes(b"%PDF-1.4 tampered")
    again = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    assert again.content.startswith(b"%PDF") and again.content != b"%PDF-1.4 tampered"
    published.refresh_from_db()
    assert hashlib.sha256(again.content).hexdigest() == published.pdf_sha256
    with published.pdf.open("rb") as fh:
        assert fh.read() == again.content


def test_a_new_version_gets_its_own_pdf(client, published, cycle, reviewer):
    first = client.get(reverse("catalog:public_pdf", args=[published.pk]))
    fc.measure_from(cycle, reviewer, [cycle.proposal_books.get(region__code="330000").proposals.order_by(
        "position")[1]], title="第二版新增举措")
    second_version = fc.published_list(cycle, reviewer)
    assert second_version.version == 2
    second = client.get(reverse("catalog:public_pdf", args=[second_version.pk]))
    published.refresh_from_db()
    second_version.refresh_from_db()
    assert second_version.pdf.name != published.pdf.name
    assert second_version.pdf_sha256 == hashlib.sha256(second.content).hexdigest() != published.pdf_sha256
    with published.pdf.open("rb") as fh:
        assert fh.read() == first.content  # the first version's file is untouched
    with pdfplumber.open(BytesIO(second.content)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")
    assert "第二版新增举措" in text


def test_publishing_stores_the_pdf_before_anyone_asks(cycle, reviewer, django_capture_on_commit_callbacks):
    books = fc.two_region_books(cycle)
    fc.measure_from(cycle, reviewer, [books["330000"][0].proposals.order_by("position").first()])
    draft = services.list_draft(cycle=cycle, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.list_publish(measure_list=draft, by=reviewer, notify=False)
    draft.refresh_from_db()
    assert draft.pdf.name == f"lists/{draft.pk}-{draft.pdf_sha256[:16]}.pdf"
    with draft.pdf.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == draft.pdf_sha256

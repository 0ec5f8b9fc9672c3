"""manage.py rerender_english_documents: stored files made under English are rendered again in Chinese, the old
file kept in history and the new digest recorded; files made in Chinese are left alone (issue 15 §1)."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import translation

from catalog import services as catalog_services
from catalog.documents import printed_entries
from catalog.models import MeasureList
from proposals.enums import ReformArea
from reform_portal.pdf import JOINT_ISSUERS, html_to_pdf, pdf_text

from ..catalog import scenarios as fc

pytestmark = pytest.mark.django_db


def label(value, language):
    with translation.override(language):
        return str(ReformArea(value).label)


def english_list_pdf(measure_list):
    """The file the portal stored before documents were always Chinese: the template rendered under English."""
    entries = list(measure_list.entries.order_by("position"))
    with translation.override("en"):
        html = render_to_string(
            "catalog/list_pdf.html",
            {
                "title": measure_list.title,
                "measure_list": measure_list,
                "entries": entries,
                "printed_entries": printed_entries(entries),  # its paragraphs made under English too
                "head_issuers": JOINT_ISSUERS,
                "signatories": JOINT_ISSUERS,
                "date": measure_list.published_at,
            },
        )
    return html_to_pdf(html)


def store(measure_list, data):
    measure_list.pdf_sha256 = hashlib.sha256(data).hexdigest()
    measure_list.pdf.save(f"{measure_list.pk}-old.pdf", ContentFile(data), save=False)
    measure_list.save()


@pytest.fixture
def published(cycle, reviewer):
    books = fc.two_region_books(cycle)
    proposals = [books[code][0].proposals.order_by("position").first() for code in ("330000", "320000")]
    fc.measure_from(cycle, reviewer, proposals)
    return fc.published_list(cycle, reviewer)


def test_a_list_stored_in_english_is_rendered_again_in_chinese_and_the_old_file_kept(published):
    area = published.entries.first().area
    old = english_list_pdf(published)
    assert label(area, "en").replace(" ", "") in pdf_text(old)  # the file as an English session stored it
    store(published, old)
    old_name = published.pdf.name
    out = io.StringIO()
    call_command("rerender_english_documents", stdout=out)
    assert "共 1 份文件已重新生成" in out.getvalue()
    published.refresh_from_db()
    assert published.pdf.name != old_name
    with published.pdf.open("rb") as fh:
        new = fh.read()
    assert published.pdf_sha256 == hashlib.sha256(new).hexdigest()
    assert label(area, "zh-hans") in pdf_text(new)
    assert label(area, "en").replace(" ", "") not in pdf_text(new)
    # the old file is still on storage and named in the history
    assert published.pdf.storage.exists(old_name)
    names = [h.pdf for h in published.history.order_by("history_date")]
    assert old_name in names and published.pdf.name == names[-1]
    assert "重新生成" in published.history.first().history_change_reason
    # the public download serves the new file
    assert catalog_services.list_pdf_bytes(measure_list=published) == new


def test_a_list_stored_in_chinese_is_left_alone(published):
    data = catalog_services.list_pdf_bytes(measure_list=published)
    published.refresh_from_db()
    name, digest, rows = published.pdf.name, published.pdf_sha256, published.history.count()
    out = io.StringIO()
    call_command("rerender_english_documents", stdout=out)
    assert "共 0 份文件已重新生成" in out.getvalue()
    published = MeasureList.objects.get(pk=published.pk)
    assert (published.pdf.name, published.pdf_sha256, published.history.count()) == (name, digest, rows)
    assert catalog_services.list_pdf_bytes(measure_list=published) == data


def test_dry_run_changes_nothing(published):
    store(published, english_list_pdf(published))
    name = published.pdf.name
    out = io.StringIO()
    call_command("rerender_english_documents", "--dry-run", stdout=out)
    assert "将重新生成" in out.getvalue()
    published.refresh_from_db()
    assert published.pdf.name == name


def test_a_letter_stored_in_english_is_rendered_again(bcycle_with_notice):
    from bidding.documents import notice_context
    from bidding.services import notice_tasks

    notice = bcycle_with_notice
    with translation.override("en"):
        html = render_to_string("bidding/notice_pdf.html", notice_context(notice, notice_tasks(notice)))
    old = html_to_pdf(html)
    assert label("tech_market", "en").replace(" ", "") in pdf_text(old)
    notice.sha256 = hashlib.sha256(old).hexdigest()
    notice.pdf.save("old-letter.pdf", ContentFile(old), save=False)
    notice.save()
    old_name = notice.pdf.name
    call_command("rerender_english_documents", stdout=io.StringIO())
    notice.refresh_from_db()
    with notice.pdf.open("rb") as fh:
        new = fh.read()
    assert notice.pdf.name != old_name and notice.pdf.storage.exists(old_name)
    assert notice.sha256 == hashlib.sha256(new).hexdigest()
    assert label("tech_market", "zh-hans") in pdf_text(new)
    assert old_name in [h.pdf for h in notice.history.all()]


@pytest.fixture
def bcycle_with_notice(reviewer):
    from bidding import services as bidding_services

    from ..bidding import scenarios as fb

    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    drc, scitech = fb.region_pair("330000")
    fb.awarded_tasks(cycle, reviewer, drc, scitech, entries)
    return bidding_services.notice_allocate(cycle=cycle, region=drc.region, by=reviewer)

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals import services

from . import factories as f
from .factories import close_file

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100


@pytest.fixture
def proposal(cycle, region_a_drc):
    return f.make_book(cycle, region_a_drc).proposals.first()


def upload(client, proposal, name, content):
    return client.post(reverse("proposals:attachment_upload", args=[proposal.pk]),
                       {"file": SimpleUploadedFile(name, content)}, follow=True)


def test_a_renamed_executable_is_refused(client, proposal, region_a_drc):
    client.force_login(region_a_drc)
    page = upload(client, proposal, "实施方案.pdf", ELF)
    assert "不支持的文件类型：仅接受 PDF、DOCX、XLSX、PNG、JPG 文件（按文件内容识别，而不是文件名）。" in page.content.decode()
    assert proposal.attachments.count() == 0


def test_a_pdf_with_a_wrong_extension_is_refused(proposal, region_a_drc):
    with pytest.raises(ValidationError) as err:
        services.attachment_add(proposal=proposal, upload=SimpleUploadedFile("a.exe", PDF), by=region_a_drc)
    assert err.value.messages == ["文件扩展名与内容不符：内容为 PDF，请使用 .pdf 扩展名。"]


def test_an_oversized_file_is_refused(client, proposal, region_a_drc, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    client.force_login(region_a_drc)
    page = upload(client, proposal, "big.pdf", PDF + b"0" * 2000)
    assert "文件过大" in page.content.decode()
    assert proposal.attachments.count() == 0


def test_valid_files_are_stored_outside_static_and_downloadable(client, proposal, region_a_drc, settings):
    client.force_login(region_a_drc)
    upload(client, proposal, "测算表.png", PNG)
    att = proposal.attachments.get()
    assert (att.kind, att.original_name, att.size) == ("png", "测算表.png", len(PNG))
    assert str(settings.MEDIA_ROOT) in att.file.path and "/static" not in att.file.path
    download = client.get(reverse("proposals:attachment_download", args=[att.pk]))
    close_file(download)
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''%E6%B5%8B%E7%AE%97%E8%A1%A8.png"


def test_upload_clears_sign_offs_like_any_edit(cycle, region_a_drc, region_a_std):
    book = f.signed_book(cycle, region_a_drc, region_a_std)
    services.attachment_add(proposal=book.proposals.first(), upload=SimpleUploadedFile("a.pdf", PDF),
                            by=region_a_drc)
    book.refresh_from_db()
    assert not book.fully_signed

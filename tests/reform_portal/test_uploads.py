"""Attachments offices use (DECISIONS §18): each checked by content, uploaded through the 建议书 page."""

import html
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reform_portal.uploads import validate_upload

from ..factories import close_file
from ..proposals import scenarios as fp
from . import office_files as of

BAD_TYPE = (
    "不支持的文件类型：仅接受 PDF、OFD、DOC、DOCX、WPS、XLS、XLSX、ET、PPT、PPTX、DPS、ZIP、PNG、JPG 文件"
    "（按文件内容识别，而不是文件名）。"
)
MACROS = "文件含有宏（VBA 代码），出于安全原因不能上传；请另存为不含宏的格式（如 DOCX、XLSX、PPTX）后再上传。"
ENCRYPTED = "文件已加密或设有打开密码，无法检查其内容；请取消密码后再上传。"


@pytest.fixture
def proposal(cycle, region_a_drc):
    return fp.make_book(cycle, region_a_drc).proposals.first()


def upload(client, proposal, name, content):
    page = client.post(
        reverse("proposals:attachment_upload", args=[proposal.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    return html.unescape(page.content.decode())


def check(name, content, **kwargs):
    return validate_upload(SimpleUploadedFile(name, content), **kwargs)[0]


def refusal(name, content, **kwargs):
    with pytest.raises(ValidationError) as err:
        validate_upload(SimpleUploadedFile(name, content), **kwargs)
    return err.value.messages[0]


ACCEPTED = [
    ("通知.doc", of.word97(), "doc"),
    ("通知.wps", of.word97(), "wps"),
    ("测算表.xls", of.excel97(), "xls"),
    ("测算表.et", of.excel97(), "et"),
    ("汇报.ppt", of.powerpoint97(), "ppt"),
    ("汇报.dps", of.powerpoint97(), "dps"),
    ("方案.docx", of.ooxml("word"), "docx"),
    ("方案.wps", of.ooxml("word"), "wps"),
    ("指标.xlsx", of.ooxml("sheet"), "xlsx"),
    ("指标.et", of.ooxml("sheet"), "et"),
    ("汇报.pptx", of.ooxml("slides"), "pptx"),
    ("汇报.dps", of.ooxml("slides"), "dps"),
    ("批复.ofd", of.ofd(), "ofd"),
    ("照片.JPEG", of.JPG, "jpg"),
    ("材料.zip", of.package({"方案.docx": of.ooxml(), "批复/批复.ofd": of.ofd(), "a.pdf": of.PDF}), "zip"),
]


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    ACCEPTED,
    ids=[
        "doc",
        "wps-ole",
        "xls",
        "et-ole",
        "ppt",
        "dps-ole",
        "docx",
        "wps-zip",
        "xlsx",
        "et-zip",
        "pptx",
        "dps-zip",
        "ofd",
        "jpeg",
        "zip",
    ],
)
def test_office_formats_are_accepted_through_the_page(client, proposal, region_a_drc, name, content, kind):
    client.force_login(region_a_drc)
    page = upload(client, proposal, name, content)
    assert "附件已上传。" in page
    att = proposal.attachments.get()
    assert (att.original_name, att.kind, att.size) == (name, kind, len(content))
    download = client.get(reverse("proposals:attachment_download", args=[att.pk]))
    assert b"".join(download.streaming_content) == content
    close_file(download)


def test_ole_files_are_told_apart_by_their_streams():
    """A .doc renamed .xls is a Word file: the streams say so, not the name."""
    assert (
        refusal("测算表.xls", of.word97()) == "文件扩展名与内容不符：内容为 DOC，请使用 .doc、.wps 扩展名。"
    )
    assert refusal("通知.doc", of.excel97()) == "文件扩展名与内容不符：内容为 XLS，请使用 .et、.xls 扩展名。"
    assert (
        refusal("通知.doc", of.powerpoint97())
        == "文件扩展名与内容不符：内容为 PPT，请使用 .dps、.ppt 扩展名。"
    )
    assert (
        refusal("汇报.pptx", of.ooxml("sheet"))
        == "文件扩展名与内容不符：内容为 XLSX，请使用 .et、.xlsx 扩展名。"
    )


def test_an_ole_file_that_is_no_document_is_refused(client, proposal, region_a_drc):
    """A Windows Installer database is an OLE file too."""
    client.force_login(region_a_drc)
    assert "附件未上传：" + BAD_TYPE in upload(client, proposal, "setup.doc", of.installer())
    assert proposal.attachments.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("宏.doc", of.word97(macros=True)),
        ("宏.xls", of.excel97(macros=True)),
        ("宏.docx", of.ooxml("word", macros=True)),
        ("宏.xlsx", of.ooxml("sheet", macros=True)),
        (
            "宏.pptx",
            of.ooxml(
                "slides", content_type="application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"
            ),
        ),
        ("宏.zip", of.package({"宏.xlsx": of.ooxml("sheet", macros=True)})),
    ],
    ids=["doc", "xls", "docx", "xlsx", "pptm-renamed", "in-zip"],
)
def test_macros_are_refused_at_the_field(client, proposal, region_a_drc, name, content):
    client.force_login(region_a_drc)
    assert "附件未上传：" + MACROS in upload(client, proposal, name, content)
    assert proposal.attachments.count() == 0


def test_encrypted_documents_are_refused():
    assert refusal("加密.docx", of.encrypted_ooxml()) == ENCRYPTED
    buf = of.package({"a.pdf": of.PDF})
    flagged = bytearray(buf)
    # set the "encrypted" flag bit in the local and the central header of the one entry
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        at = flagged.find(sig)
        offset = at + (6 if sig == b"PK\x03\x04" else 8)
        flagged[offset] |= 0x1
    assert refusal("材料.zip", bytes(flagged)) == ENCRYPTED


def test_an_ofd_needs_a_well_formed_ofd_xml():
    assert check("批复.ofd", of.ofd()) == "ofd"
    assert (
        refusal("批复.ofd", of.ofd(valid=False))
        == "OFD 文件的 OFD.xml 缺失或无效，无法读取；请重新导出后再上传。"
    )


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"a.pdf": of.PDF, "setup.exe": of.EXE}, "压缩文件中含有可执行文件或脚本（setup.exe），不能上传。"),
        ({"说明.pdf": of.EXE}, "压缩文件中含有可执行文件或脚本（说明.pdf），不能上传。"),
        ({"run.sh": b"echo hi"}, "压缩文件中含有可执行文件或脚本（run.sh），不能上传。"),
        ({"lib.so": of.ELF}, "压缩文件中含有可执行文件或脚本（lib.so），不能上传。"),
        (
            {"内层.zip": of.package({"a.pdf": of.PDF})},
            "压缩文件中不能再包含压缩文件（内层.zip）；请解压后直接上传其中的文件。",
        ),
        (
            {"内层.docx": of.package({"a.pdf": of.PDF})},
            "压缩文件中不能再包含压缩文件（内层.docx）；请解压后直接上传其中的文件。",
        ),
        (
            {"x.rar": b"Rar!\x1a\x07\x00" + b"\0" * 50},
            "压缩文件中不能再包含压缩文件（x.rar）；请解压后直接上传其中的文件。",
        ),
        (
            {"通知.doc": of.word97()},
            "压缩文件中的“通知.doc”不是可接受的文件：压缩文件内仅接受 PDF、OFD、DOCX、XLSX、PPTX、WPS、ET、DPS、PNG、JPG 文件（按内容识别）。",
        ),
        (
            {"a.png": of.PDF},
            "压缩文件中的“a.png”不是可接受的文件：压缩文件内仅接受 PDF、OFD、DOCX、XLSX、PPTX、WPS、ET、DPS、PNG、JPG 文件（按内容识别）。",
        ),
        ({"../../etc/passwd.pdf": of.PDF}, "压缩文件中的文件名不安全（../../etc/passwd.pdf），不能上传。"),
        (
            {"[Content_Types].xml": b"<Types/>", "setup.exe": of.EXE},
            "压缩文件中的“[Content_Types].xml”不是可接受的文件：压缩文件内仅接受 PDF、OFD、DOCX、XLSX、PPTX、WPS、ET、DPS、PNG、JPG 文件（按内容识别）。",
        ),
    ],
    ids=[
        "exe",
        "exe-as-pdf",
        "script",
        "elf",
        "zip-in-zip",
        "zip-as-docx",
        "rar",
        "ole-in-zip",
        "mismatch",
        "path",
        "looks-like-ooxml",
    ],
)
def test_a_zip_holds_documents_and_images_one_level_deep(client, proposal, region_a_drc, members, message):
    client.force_login(region_a_drc)
    assert "附件未上传：" + message in upload(client, proposal, "材料.zip", of.package(members))
    assert proposal.attachments.count() == 0


def test_zip_limits_come_from_settings(settings):
    many = of.package({f"{i}.pdf": of.PDF for i in range(6)})
    bomb = of.package({"a.pdf": of.PDF + b"\0" * (3 * 1024 * 1024)})
    settings.PORTAL_ZIP_MAX_ENTRIES = 5
    assert refusal("材料.zip", many) == "压缩文件中的文件过多（6 个），最多 5 个。"
    settings.PORTAL_ZIP_MAX_ENTRIES = 6
    assert check("材料.zip", many) == "zip"
    assert (
        refusal("材料.zip", bomb) == "压缩文件中的“a.pdf”压缩比异常（超过 200 倍），疑似压缩炸弹，不能上传。"
    )
    settings.PORTAL_ZIP_MAX_RATIO = 10_000
    assert check("材料.zip", bomb) == "zip"
    settings.PORTAL_ZIP_MAX_BYTES = 2 * 1024 * 1024
    assert refusal("材料.zip", bomb) == "压缩文件解压后过大（超过 2.0\xa0MB），不能上传。"
    # The same limits hold inside an OOXML file.
    settings.PORTAL_ZIP_MAX_RATIO = 200
    big_sheet = of.ooxml("sheet", extra={"xl/worksheets/sheet1.xml": b"<c/>" * (1024 * 1024)})
    assert refusal("指标.xlsx", big_sheet).startswith("压缩文件中的“xl/worksheets/sheet1.xml”压缩比异常")


def test_a_header_that_understates_the_size_does_not_help(settings):
    """The unpacked size is counted while reading, not taken from the header."""
    content = of.package({"a.pdf": of.PDF + b"\0" * (3 * 1024 * 1024)})
    forged = bytearray(content)
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = forged.find(sig)
        forged[at + size_at : at + size_at + 4] = (100).to_bytes(4, "little")
    with zipfile.ZipFile(io.BytesIO(bytes(forged))) as z:
        assert z.infolist()[0].file_size == 100
    message = refusal("材料.zip", bytes(forged))
    assert message.startswith("压缩文件中的“a.pdf”压缩比异常") or message.startswith("文件已损坏")


def test_a_broken_file_is_refused_with_a_message():
    damaged = "文件已损坏或不完整，无法读取其内容；请重新导出或另存后再上传。"
    assert refusal("通知.doc", of.word97()[:700]) == damaged
    assert refusal("材料.zip", of.package({"a.pdf": of.PDF})[:-30]) == damaged


def test_a_stage_that_takes_pdf_only_refuses_the_rest():
    assert refusal("报告.zip", of.package({"a.pdf": of.PDF}), kinds=("pdf",)) == (
        "不支持的文件类型：仅接受 PDF 文件（按文件内容识别，而不是文件名）。"
    )
    assert refusal("报告.doc", of.word97(), kinds=("pdf",)).startswith("不支持的文件类型：仅接受 PDF 文件")


def test_the_size_limit_still_holds(client, proposal, region_a_drc, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 4096
    client.force_login(region_a_drc)
    assert "文件过大" in upload(client, proposal, "通知.doc", of.word97())
    assert proposal.attachments.count() == 0

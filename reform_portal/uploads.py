"""Upload checks shared by every stage: type by content (not the name), size, and what a container holds.

The kind of a file is read from its bytes: PDF and images by their signature; OLE compound files (.doc,
.xls, .ppt and Kingsoft's .wps, .et, .dps) by the streams they hold (olefile); zip files by their entries:
OOXML (.docx, .xlsx, .pptx, and the zip-based WPS formats) by their main part, OFD by a well-formed
``OFD.xml`` (defusedxml), anything else as a plain .zip. The name's extension must then agree with the
content. Macros (``vbaProject.bin`` in OOXML, ``Macros``/``_VBA_PROJECT_CUR`` storages in OLE) and
encrypted documents are refused: the portal cannot check them. A .zip may hold OOXML, OFD, PDF and images
one level deep; nothing executable, no archive inside, and every zip (OOXML and OFD included) stays within
``PORTAL_ZIP_MAX_ENTRIES`` entries, ``PORTAL_ZIP_MAX_BYTES`` unpacked and ``PORTAL_ZIP_MAX_RATIO``.
"""

import hashlib
import io
import uuid
import zipfile
from pathlib import PurePath, PurePosixPath

import defusedxml.ElementTree as SafeET
import filetype
import olefile
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# kind -> (MIME type, extensions the name may carry, label)
KINDS = {
    "pdf": ("application/pdf", {".pdf"}, "PDF"),
    "ofd": ("application/ofd", {".ofd"}, "OFD"),
    "doc": ("application/msword", {".doc"}, "DOC"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}, "DOCX"),
    "wps": ("application/vnd.ms-works", {".wps"}, "WPS"),
    "xls": ("application/vnd.ms-excel", {".xls"}, "XLS"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}, "XLSX"),
    "et": ("application/vnd.ms-excel", {".et"}, "ET"),
    "ppt": ("application/vnd.ms-powerpoint", {".ppt"}, "PPT"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", {".pptx"}, "PPTX"),
    "dps": ("application/vnd.ms-powerpoint", {".dps"}, "DPS"),
    "zip": ("application/zip", {".zip"}, "ZIP"),
    "png": ("image/png", {".png"}, "PNG"),
    "jpg": ("image/jpeg", {".jpg", ".jpeg"}, "JPG"),
}
DOCUMENTS_AND_IMAGES = (
    "pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "ppt", "pptx", "dps", "zip", "png", "jpg",
)  # fmt: skip
# The label of an attachment field that accepts DOCUMENTS_AND_IMAGES.
ATTACHMENT_LABEL = gettext_lazy("附件（PDF、OFD、DOC/DOCX/WPS、XLS/XLSX/ET、PPT/PPTX/DPS、ZIP、PNG/JPG）")
# What a .zip may hold (one level deep).
ZIP_MEMBER_KINDS = ("pdf", "ofd", "docx", "xlsx", "pptx", "wps", "et", "dps", "png", "jpg")

# The same content is one of several kinds depending on the name: Kingsoft's formats share Microsoft's.
_OLE_WORD = ("doc", "wps")
_OLE_SHEET = ("xls", "et")
_OLE_SLIDES = ("ppt", "dps")
_OOXML_WORD = ("docx", "wps")
_OOXML_SHEET = ("xlsx", "et")
_OOXML_SLIDES = ("pptx", "dps")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Below this many unpacked bytes a member's ratio is not judged (small XML parts compress very well).
_RATIO_FLOOR = 1024 * 1024
_OLE_MACRO_STORAGES = {"macros", "_vba_project_cur", "_vba_project", "vba"}
# Archives a .zip may not hold, and what runs: by content and, for scripts (plain text), by name.
_ARCHIVE_MIMES = {
    "application/zip", "application/x-tar", "application/x-rar-compressed", "application/gzip",
    "application/x-bzip2", "application/x-7z-compressed", "application/x-xz", "application/x-lzip",
    "application/x-compress", "application/zstd", "application/vnd.ms-cab-compressed",
}  # fmt: skip
_ARCHIVE_SUFFIXES = {
    ".zip",
    ".rar",
    ".7z",
    ".tar",
    ".gz",
    ".tgz",
    ".bz2",
    ".xz",
    ".cab",
    ".zst",
    ".arj",
    ".lz",
}
_EXECUTABLE_MIMES = {
    "application/x-executable", "application/x-msdownload", "application/x-mach-binary",
    "application/x-elf", "application/x-sharedlib", "application/vnd.microsoft.portable-executable",
    "application/x-shockwave-flash", "application/x-dex", "application/x-java-archive",
}  # fmt: skip
_EXECUTABLE_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"#!",
)
_EXECUTABLE_SUFFIXES = {
    ".exe", ".com", ".bat", ".cmd", ".scr", ".pif", ".msi", ".msp", ".dll", ".sys", ".cpl", ".lnk", ".js",
    ".jse", ".vbs", ".vbe", ".wsf", ".wsh", ".hta", ".ps1", ".psm1", ".sh", ".bash", ".py", ".pl", ".rb",
    ".jar", ".apk", ".app", ".elf", ".bin", ".run", ".reg", ".inf", ".chm", ".docm", ".xlsm", ".pptm",
    ".dotm", ".xltm", ".potm", ".ppsm", ".xlam", ".ppam",
}  # fmt: skip


def _label(kind):
    return KINDS[kind][2]


def _error(message, code, **params):
    return ValidationError(message % params if params else message, code=code)


def _damaged():
    return _error(_("文件已损坏或不完整，无法读取其内容；请重新导出或另存后再上传。"), "damaged")


def _macros():
    return _error(
        _(
            "文件含有宏（VBA 代码），出于安全原因不能上传；请另存为不含宏的格式（如 DOCX、XLSX、PPTX）后再上传。"
        ),
        "macros",
    )


def _encrypted():
    return _error(_("文件已加密或设有打开密码，无法检查其内容；请取消密码后再上传。"), "encrypted")


def _ole_kinds(data):
    try:
        ole = olefile.OleFileIO(data)
    except Exception as exc:  # olefile raises OSError and many others on a broken file
        raise _damaged() from exc
    try:
        entries = [[part.lower() for part in path] for path in ole.listdir(streams=True, storages=True)]
    finally:
        ole.close()
    if any(_OLE_MACRO_STORAGES.intersection(path) for path in entries):
        raise _macros()
    top = {path[0] for path in entries}
    if "encryptedpackage" in top or "encryptioninfo" in top:
        raise _encrypted()
    if "worddocument" in top:
        return _OLE_WORD
    if "workbook" in top or "book" in top:
        return _OLE_SHEET
    if "powerpoint document" in top:
        return _OLE_SLIDES
    return ()


def _zip_limits():
    return (
        settings.PORTAL_ZIP_MAX_ENTRIES,
        settings.PORTAL_ZIP_MAX_BYTES,
        settings.PORTAL_ZIP_MAX_RATIO,
    )


def _read_member(archive, info, budget, max_ratio):
    """The member's bytes, read in chunks: refuses past the unpacked budget or the ratio, whatever the
    header claims (a crafted header may understate the size)."""
    limit = min(budget, max(info.compress_size * max_ratio, _RATIO_FLOOR))
    out = io.BytesIO()
    with archive.open(info) as member:
        while chunk := member.read(64 * 1024):
            out.write(chunk)
            if out.tell() > limit:
                if out.tell() > budget:
                    raise _error(
                        _("压缩文件解压后过大（超过 %(max)s），不能上传。"),
                        "zip_too_large",
                        max=filesizeformat(settings.PORTAL_ZIP_MAX_BYTES),
                    )
                raise _error(
                    _("压缩文件中的“%(name)s”压缩比异常（超过 %(ratio)s 倍），疑似压缩炸弹，不能上传。"),
                    "zip_ratio",
                    name=info.filename[:80],
                    ratio=max_ratio,
                )
    return out.getvalue()


def _open_zip(data):
    """(archive, entries) after the checks the headers allow: readable, few enough entries, none encrypted,
    no unsafe name."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged() from exc
    max_entries = settings.PORTAL_ZIP_MAX_ENTRIES
    if len(infos) > max_entries:
        raise _error(
            _("压缩文件中的文件过多（%(count)s 个），最多 %(max)s 个。"),
            "zip_entries",
            count=len(infos),
            max=max_entries,
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise _encrypted()
        name = info.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or ":" in name:
            raise _error(_("压缩文件中的文件名不安全（%(name)s），不能上传。"), "zip_name", name=name[:80])
    return archive, [info for info in infos if not info.is_dir()]


def _each_member(archive, infos, visit):
    """Unpacks every file once, within PORTAL_ZIP_MAX_BYTES and _RATIO, handing it to ``visit(name, bytes)``;
    only what ``visit`` keeps stays in memory."""
    _entries, max_bytes, max_ratio = _zip_limits()
    budget = max_bytes
    for info in infos:
        try:
            content = _read_member(archive, info, budget, max_ratio)
        except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError) as exc:
            raise _damaged() from exc
        budget -= len(content)
        visit(info.filename, content)


def _ofd_ok(xml_bytes):
    try:
        root = SafeET.fromstring(xml_bytes)
    except Exception:  # defusedxml refuses entities and DTDs; ParseError on anything malformed
        return False
    return root.tag.rsplit("}", 1)[-1] == "OFD" and any(
        child.tag.rsplit("}", 1)[-1] == "DocBody" for child in root
    )


_OOXML_MAIN_PARTS = {
    "word/document.xml": _OOXML_WORD,
    "xl/workbook.xml": _OOXML_SHEET,
    "ppt/presentation.xml": _OOXML_SLIDES,
}
_KEPT_PARTS = ("[content_types].xml", "ofd.xml")


def _zip_kinds(data, *, check_members):
    """The kinds of a zip-based file; a plain .zip's members are checked only when a .zip may be accepted."""
    archive, infos = _open_zip(data)
    names = {info.filename.lower() for info in infos}
    if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
        raise _macros()
    ooxml = "[content_types].xml" in names and any(part in names for part in _OOXML_MAIN_PARTS)
    plain = not ooxml and "ofd.xml" not in names
    kept = {}

    def visit(name, content):
        if plain and check_members:
            _check_zip_member(name, content)
        elif name.lower() in _KEPT_PARTS:
            kept[name.lower()] = content

    _each_member(archive, infos, visit)
    if ooxml:
        types = kept["[content_types].xml"].lower()
        if b"macroenabled" in types or b"vbaproject" in types:
            raise _macros()
        if "encryptedpackage" in names:
            raise _encrypted()
        return next(kinds for part, kinds in _OOXML_MAIN_PARTS.items() if part in names)
    if "ofd.xml" in names:
        if not _ofd_ok(kept["ofd.xml"]):
            raise _error(_("OFD 文件的 OFD.xml 缺失或无效，无法读取；请重新导出后再上传。"), "ofd")
        return ("ofd",)
    return ("zip",)


def _check_zip_member(name, content):
    """A file inside a .zip: a document or an image of ZIP_MEMBER_KINDS, its extension agreeing."""
    short = name[:80]
    suffix = PurePosixPath(name).suffix.lower()
    head = content[:8192]
    guess = filetype.guess(head)
    mime = guess.mime if guess else None
    if suffix in _EXECUTABLE_SUFFIXES or mime in _EXECUTABLE_MIMES or head.startswith(_EXECUTABLE_SIGNATURES):
        raise _error(
            _("压缩文件中含有可执行文件或脚本（%(name)s），不能上传。"), "zip_executable", name=short
        )
    if head.startswith(_ZIP_MAGICS):
        kinds = _zip_kinds(content, check_members=False)
        if kinds == ("zip",):
            raise _nested(short)
    elif suffix in _ARCHIVE_SUFFIXES or mime in _ARCHIVE_MIMES:
        raise _nested(short)
    else:
        kinds = _simple_kinds(head, content)
    allowed = [k for k in kinds if k in ZIP_MEMBER_KINDS]
    if not any(suffix in KINDS[k][1] for k in allowed):
        raise _error(
            _("压缩文件中的“%(name)s”不是可接受的文件：压缩文件内仅接受 %(allowed)s 文件（按内容识别）。"),
            "zip_member",
            name=short,
            allowed="、".join(_label(k) for k in ZIP_MEMBER_KINDS),
        )


def _nested(name):
    return _error(
        _("压缩文件中不能再包含压缩文件（%(name)s）；请解压后直接上传其中的文件。"), "zip_nested", name=name
    )


def _simple_kinds(head, data):
    if head.startswith(b"%PDF-"):
        return ("pdf",)
    if head.startswith(_OLE_MAGIC):
        return _ole_kinds(data)
    guess = filetype.guess(head)
    if guess and guess.mime == "image/png":
        return ("png",)
    if guess and guess.mime == "image/jpeg":
        return ("jpg",)
    return ()


def _content_kinds(upload, kinds):
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    head = data[:8192]
    if head.startswith(_ZIP_MAGICS):
        return _zip_kinds(data, check_members="zip" in kinds)
    return _simple_kinds(head, data)


def validate_upload(upload, *, kinds=DOCUMENTS_AND_IMAGES, max_bytes=None):
    """Returns (kind, mime). Raises ValidationError with a Chinese message the form shows at the field."""
    max_bytes = max_bytes or settings.PORTAL_MAX_UPLOAD_BYTES
    allowed_labels = "、".join(_label(k) for k in kinds)
    if upload.size > max_bytes:
        raise ValidationError(
            _("文件过大（%(size)s），单个附件不能超过 %(max)s。")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("文件为空，请重新选择。"), code="empty")
    suffix = PurePath(upload.name or "").suffix.lower()
    possible = [k for k in _content_kinds(upload, kinds) if k in kinds]
    for kind in possible:
        if suffix in KINDS[kind][1]:
            return kind, KINDS[kind][0]
    if possible:
        raise ValidationError(
            _("文件扩展名与内容不符：内容为 %(label)s，请使用 %(ext)s 扩展名。")
            % {
                "label": _label(possible[0]),
                "ext": "、".join(sorted(set().union(*(KINDS[k][1] for k in possible)))),
            },
            code="mismatch",
        )
    raise ValidationError(
        _("不支持的文件类型：仅接受 %(allowed)s 文件（按文件内容识别，而不是文件名）。")
        % {"allowed": allowed_labels},
        code="bad_type",
    )


def stored_name(prefix, original_name):
    """A random storage name that keeps only a safe extension; the original name is kept in the DB."""
    suffix = PurePath(original_name or "").suffix.lower()[:8]
    return f"{prefix}/{uuid.uuid4().hex}{suffix}"


def clean_display_name(name, limit=120):
    """The user's file name without path parts or control characters, for Content-Disposition."""
    base = PurePath(name or "file").name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '\\/"')
    return base[:limit] or "file"


# ---- one copy of a file uploaded twice (issue 17 §10) ---------------------------------------------------------


def sha256_of(stream) -> str:
    """The content hash of an upload or a stored file (read in chunks; the position is left at the start)."""
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def same_stored_file(upload, stored_files):
    """Among ``stored_files`` (FieldFiles already kept), the one with the upload's content, else None: the same file
    posted twice (a double click, a resend after a slow answer, the same file attached to the next report) is kept
    once. Sizes are compared first, so only a file of the same size is read."""
    digest = None
    for stored in stored_files:
        if not stored or not stored.name:
            continue
        try:
            if stored.size != upload.size:
                continue
            if digest is None:
                digest = sha256_of(upload)
            with stored.storage.open(stored.name, "rb") as handle:
                if sha256_of(handle) == digest:
                    return stored
        except OSError:  # a stored file gone missing is not a copy
            continue
    return None

"""Upload checks shared by every stage: type by content (magic bytes, not the name) and size."""
import uuid
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# kind -> (MIME types detected from content, extensions the name may carry, label)
KINDS = {
    "pdf": ({"application/pdf"}, {".pdf"}, "PDF"),
    "docx": ({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, {".docx"}, "DOCX"),
    "xlsx": ({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, {".xlsx"}, "XLSX"),
    "png": ({"image/png"}, {".png"}, "PNG"),
    "jpg": ({"image/jpeg"}, {".jpg", ".jpeg"}, "JPG"),
}
DOCUMENTS_AND_IMAGES = ("pdf", "docx", "xlsx", "png", "jpg")


def validate_upload(upload, *, kinds=DOCUMENTS_AND_IMAGES, max_bytes=None):
    """Returns (kind, mime). Raises ValidationError with a Chinese message the form shows at the field."""
    max_bytes = max_bytes or settings.PORTAL_MAX_UPLOAD_BYTES
    allowed_labels = "、".join(KINDS[k][2] for k in kinds)
    if upload.size > max_bytes:
        raise ValidationError(
            _("文件过大（%(size)s），单个附件不能超过 %(max)s。")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("文件为空，请重新选择。"), code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guess = filetype.guess(head)
    mime = guess.mime if guess else None
    suffix = PurePath(upload.name or "").suffix.lower()
    for kind in kinds:
        mimes, suffixes, _label = KINDS[kind]
        if mime in mimes:
            if suffix not in suffixes:
                raise ValidationError(
                    _("文件扩展名与内容不符：内容为 %(label)s，请使用 %(ext)s 扩展名。")
                    % {"label": KINDS[kind][2], "ext": "、".join(sorted(suffixes))},
                    code="mismatch",
                )
            return kind, mime
    raise ValidationError(
        _("不支持的文件类型：仅接受 %(allowed)s 文件（按文件内容识别，而不是文件名）。") % {"allowed": allowed_labels},
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

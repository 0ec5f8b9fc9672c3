"""The page flow of an Excel import (issue 18 §5), shared by the 建议书 and the 实施方案 pages.

Upload → every row checked (``reform_portal.sheet_import``) → a preview: the rows with their errors at row and
column, or, when every row is valid, a confirmation form carrying the rows read (signed; the file is not kept) and
the revision the preview was made on → saved by the stage's service in one transaction, which refuses when the
document changed since the preview (optimistic locking).
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import sheet_import as si
from .actions import attempt
from .forms import ImportConfirmForm, ImportUploadForm


def import_flow(
    request: HttpRequest,
    *,
    specs: Sequence[si.SheetSpec],
    check: Callable[[dict[str, list[si.Row]]], si.Plan],
    save: Callable[[si.Plan, int | None], Any],
    salt: str,
    revision: int,
    success: Callable[[Any], str],
    done_url: str,
) -> HttpResponse | dict[str, Any]:
    """A redirect once saved, else the context of the import page (upload form, preview, confirmation)."""
    context: dict[str, Any] = {"upload_form": ImportUploadForm(revision=revision), "specs": specs}
    if request.method != "POST":
        return context
    if "payload" in request.POST:
        confirm = ImportConfirmForm(request.POST)
        rows = si.unsign_rows(confirm.cleaned_data["payload"], salt=salt) if confirm.is_valid() else None
        if not rows:
            messages.error(request, _("导入内容无效或已超过两小时，请重新上传文件。"))
            return context
        plan = check(rows)
        if not plan.ok:
            context.update(plan=plan, tables=plan.tables(specs))
            return context
        ok, _saved = attempt(
            request, lambda: save(plan, confirm.cleaned_data.get("revision")), success=success
        )
        if ok:
            return redirect(done_url)
        return context
    form = ImportUploadForm(request.POST, request.FILES, revision=revision)
    context["upload_form"] = form
    if not form.is_valid():
        return context
    seen = form.cleaned_data.get("revision")
    if seen is not None and seen != revision:
        form.add_error(None, _("页面打开后内容已被他人修改，请刷新页面、核对后重新上传。"))
        return context
    try:
        rows = si.read(form.cleaned_data["file"], specs)
    except si.ImportRefused as refused:
        context["file_errors"] = refused.errors
        return context
    plan = check(rows)
    context.update(plan=plan, tables=plan.tables(specs))
    if plan.ok:
        context["confirm_form"] = ImportConfirmForm(
            initial={"payload": si.sign_rows(rows, salt=salt)}, revision=revision
        )
    return context

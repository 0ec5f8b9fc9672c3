"""Lists as users expect (issue 18 §4): sortable columns, and the same rows as CSV or XLSX.

Sorting reads ``?sort=<key>`` or ``?sort=-<key>`` against the view's whitelist of :class:`Column` s; an unknown
key is ignored (the list keeps its default order) and never reaches ``order_by``. A sorted list breaks ties by
``pk`` so pages never overlap. Header links keep the request's other GET parameters (filters, year) and drop
``page``; the active column carries ``aria-sort``::

    COLUMNS = [Column("region", _("地区"), ("region__code",)), Column("title", _("任务"), ("entry__title",))]
    sorting = Sorting(request, COLUMNS)
    tasks = sorting.apply(tasks)             # a queryset: order_by(...); unsorted: the default order
    ...  {% include "reform_portal/_sort_th.html" with h=sorting.th.region %}

Exports go through the one safe writer (:mod:`reform_portal.exports`): :func:`export_response` writes the
header and rows as XLSX or CSV. A list longer than :data:`EXPORT_LIMIT` rows is not built in the request
(DECISIONS §18): a signed-in user's export is queued (:class:`~reform_portal.models.ExportJob`, through the outbox)
and built by the worker through the same view, then offered in a notification; an anonymous visitor (the public
library) is asked to narrow the list.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal import exports
from reform_portal.enums import ExportState
from reform_portal.models import ExportJob
from reform_portal.notifications import notify
from reform_portal.outbox import enqueue

FORMATS = ("xlsx", "csv")
# One year's export runs inside the request up to this many rows.
EXPORT_LIMIT = 5000


@dataclass(frozen=True)
class Column:
    """A sortable column: its key in ``?sort=``, its header and the fields it orders by (ascending)."""

    key: str
    label: Any
    fields: Sequence[str] = ()
    # For a list of rows built in Python (not a queryset): the row's value to sort by.
    value: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Header:
    key: str
    label: Any
    url: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by this column


class Sorting:
    def __init__(self, request, columns: Sequence[Column]):
        self.columns = {c.key: c for c in columns}
        raw = request.GET.get("sort", "")
        raw = raw if isinstance(raw, str) else ""
        self.descending = raw.startswith("-")
        key = raw[1:] if self.descending else raw
        self.key = key if key in self.columns else ""
        if not self.key:
            self.descending = False
        params = request.GET.copy()
        params.pop("page", None)
        params.pop("sort", None)
        self._params = params
        self.th = {c.key: self._header(c) for c in columns}

    @property
    def active(self) -> bool:
        return bool(self.key)

    @property
    def param(self) -> str:
        """The ``sort`` value in force ("" when the default order applies)."""
        return ("-" if self.descending else "") + self.key if self.key else ""

    def _header(self, column: Column) -> Header:
        active = column.key == self.key
        # A click on the active column reverses it; on another column sorts it ascending.
        value = ("" if self.descending else "-") + column.key if active else column.key
        params = self._params.copy()
        params["sort"] = value
        aria = ("descending" if self.descending else "ascending") if active else ""
        return Header(column.key, column.label, "?" + params.urlencode(), aria)

    def order_by(self) -> list:
        column = self.columns[self.key]
        exprs = [
            F(name).desc(nulls_last=True) if self.descending else F(name).asc(nulls_last=True)
            for name in column.fields
        ]
        return [*exprs, "pk"]

    def apply(self, queryset: QuerySet) -> QuerySet:
        if not self.key:
            return queryset
        return queryset.order_by(*self.order_by())

    def apply_rows(self, rows: Sequence, *, pk: Callable[[Any], Any]) -> list:
        """Sort rows built in Python by the active column's ``value`` (empty values last), ties by ``pk``."""
        rows = list(rows)
        if not self.key:
            return rows
        value = self.columns[self.key].value
        if value is None:
            return rows
        rows.sort(key=pk)
        filled = [r for r in rows if value(r) not in (None, "")]
        empty = [r for r in rows if value(r) in (None, "")]
        filled.sort(key=value, reverse=self.descending)  # stable: equal values keep the pk order
        return filled + empty


def page_query(request) -> str:
    """The request's GET parameters (filters, year, sort) without the page: for the export links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def with_query(url: str, request) -> str:
    """``url`` with the request's filters, year and sort (not the page): where a refused export sends back."""
    query = page_query(request)
    return f"{url}?{query}" if query else url


def export_response(
    request,
    fmt: str,
    *,
    title: str,
    header: Sequence,
    rows: Iterable[Sequence],
    count: int,
    filename: str,
    fallback: str,
    back: str,
) -> HttpResponse:
    """The list as ``fmt`` (xlsx or csv): ``filename`` and ``fallback`` without their extension. ``count`` is the
    number of rows (checked before any is read); above :data:`EXPORT_LIMIT` the user is sent ``back`` to the
    page with a message."""
    refused = over_limit(request, count, back)
    if refused is not None:
        return refused
    if fmt == "csv":
        response = exports.csv_response([header, *rows], f"{filename}.csv", fallback=f"{fallback}.csv")
    else:
        book = exports.Workbook()
        sheet = book.sheet(title)
        sheet.header(header)
        for values in rows:
            sheet.row(values)
        sheet.widths({column: 18 for column in range(1, len(header) + 1)})
        response = exports.xlsx_response(book, f"{filename}.xlsx", fallback=f"{fallback}.xlsx")
    return mark_export(response, f"{filename}.{'csv' if fmt == 'csv' else 'xlsx'}", count)


def may_build(request, count: int) -> bool:
    """Whether an export of ``count`` rows is built now: up to :data:`EXPORT_LIMIT`, or in the worker."""
    return count <= EXPORT_LIMIT or getattr(request, "export_job", None) is not None


def over_limit(request, count: int, back: str) -> HttpResponse | None:
    """None when the export may be built now (up to :data:`EXPORT_LIMIT` rows, or in the worker); else queue it
    for a signed-in user (or ask an anonymous visitor to narrow the list) and send the user ``back``."""
    if may_build(request, count):
        return None
    if request.user.is_authenticated:
        queue_export(request)
        messages.info(
            request,
            _(
                "本次导出共 %(n)s 行，超过在线导出上限 %(limit)s 行，已转入后台生成；生成后将通知您，可在通知中下载。"
            )
            % {"n": count, "limit": EXPORT_LIMIT},
        )
    else:
        messages.error(
            request,
            _("本次导出共 %(n)s 行，超过在线导出上限 %(limit)s 行，请先按年度、地区或状态筛选后再导出。")
            % {"n": count, "limit": EXPORT_LIMIT},
        )
    return HttpResponseRedirect(back)


def mark_export(response: HttpResponse, filename: str, count: int) -> HttpResponse:
    """Tell :func:`build_export` the file's name and rows (an export view's response)."""
    response.export_filename = filename  # type: ignore[attr-defined]
    response.export_rows = count  # type: ignore[attr-defined]
    return response


EXPORT_TASK = "reform_portal.build_export"


def queue_export(request) -> ExportJob:
    """Queue the export the request asked for (its path, filters and sort) for the worker, as this user."""
    with transaction.atomic():
        job = ExportJob.objects.create(user=request.user, path=request.path, query=request.GET.urlencode())
        enqueue(EXPORT_TASK, job_id=job.pk)
    return job


def build_export(job_id: int) -> ExportJob:
    """The worker's side of :func:`queue_export`: run the list's own view (its decorators check the user's
    permissions again) with the stored filters and sort, and store the file for the user. Idempotent."""
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if job.state != ExportState.PENDING:
        return job
    request = RequestFactory().get(f"{job.path}?{job.query}" if job.query else job.path)
    request.user = job.user
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request._messages = FallbackStorage(request)
    request.export_job = job
    try:
        match = resolve(job.path)
        response = match.func(request, *match.args, **match.kwargs)
    except (Http404, PermissionDenied) as exc:
        response, error = None, f"{type(exc).__name__}: {exc}"
    else:
        error = "" if getattr(response, "export_filename", None) else f"HTTP {response.status_code}"
    if error or response is None:
        job.state, job.error = ExportState.FAILED, error
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "error", "finished_at"])
        return job
    job.filename = response.export_filename
    job.content_type = response["Content-Type"]
    job.rows = response.export_rows
    job.file.save(
        f"export-{job.pk}.{job.filename.rsplit('.', 1)[-1]}", ContentFile(response.content), save=False
    )
    job.state, job.finished_at = ExportState.DONE, timezone.now()
    with transaction.atomic():
        job.save()
        notify(
            recipients=[job.user],
            title=_("导出文件已生成：%(name)s（%(n)s 行）") % {"name": job.filename, "n": job.rows},
            url=reverse("export_download", args=[job.pk]),
            kind="export",
            email=False,
            key=f"export:{job.pk}",
        )
    return job

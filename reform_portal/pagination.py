"""One page of a list and the GET filters its links keep (templates: ``reform_portal/_pagination.html``)."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.db.models.query import ModelIterable, ValuesIterable

PAGE_SIZE = 50

# The largest OFFSET the databases take (a signed 64-bit integer): a page number past it (``?page=99999…``) is
# answered by Django's paginator, as any page past the end.
MAX_OFFSET = 2**63 - 1

# The column that carries the list's length on every row of the page (``COUNT(*) OVER ()``).
TOTAL = "_page_list_total"


def paginate(request, object_list, per_page: int | None = None) -> tuple[Page, str]:
    """The requested page (``?page=``; out of range gives the last, nonsense the first) and the request's
    other GET parameters, URL-encoded, for the page links. ``object_list`` should be an ordered queryset:
    only the page's rows are loaded, with the list's length in the same query (``page_in_one_query``); a page
    past the end costs a COUNT and the last page's rows."""
    paginator = Paginator(object_list, per_page or PAGE_SIZE)
    raw = request.GET.get("page")
    page = page_in_one_query(paginator, raw)
    if page is None:
        page = paginator.get_page(raw)
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def page_in_one_query(paginator: Paginator, raw: object) -> Page | None:
    """Page ``raw`` of ``paginator``'s queryset and the list's length in one query: the rows of the page with
    ``COUNT(*) OVER ()`` (the window is counted over the filtered rows before LIMIT), instead of Django's COUNT
    query and then the rows — the COUNT repeated every join and permission filter of the list, which cost as much
    to build, compile and plan as the rows' query (issue 19). None when it cannot be answered that way (not a
    queryset of objects or dicts, DISTINCT, a union, already sliced, a page number that is not a positive integer,
    or a page past the end, however large its number): then the caller asks Django's paginator."""
    object_list = paginator.object_list
    if not isinstance(object_list, QuerySet) or object_list._iterable_class not in (
        ModelIterable,
        ValuesIterable,
    ):
        return None
    query = object_list.query
    if query.distinct or query.combinator or query.is_sliced or paginator.orphans:
        return None  # DISTINCT is applied after the window: the window would count the duplicates
    try:
        number = 1 if raw is None else int(str(raw))
    except ValueError:
        return None
    per_page = paginator.per_page
    if number < 1 or number * per_page > MAX_OFFSET:
        return None  # Django's paginator: the last page (and no OFFSET beyond a 64-bit integer in the SQL)
    bottom = (number - 1) * per_page
    rows = list(object_list.annotate(**{TOTAL: Window(Count("*"))})[bottom : bottom + per_page])
    if not rows:
        if number > 1:
            return None  # past the end: Django's paginator gives the last page
        total = 0
    elif isinstance(rows[0], dict):
        total = rows[0][TOTAL]
        for row in rows:
            del row[TOTAL]
    else:
        total = getattr(rows[0], TOTAL)
    paginator.__dict__["count"] = total  # Paginator.count is a cached_property: the COUNT query is not run
    return paginator._get_page(rows, number, paginator)

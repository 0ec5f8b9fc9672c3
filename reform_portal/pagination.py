"""One page of a list and the GET filters its links keep (templates: ``reform_portal/_pagination.html``)."""

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def paginate(request, object_list, per_page: int | None = None) -> tuple[Page, str]:
    """The requested page (``?page=``; out of range gives the last, nonsense the first) and the request's
    other GET parameters, URL-encoded, for the page links. ``object_list`` should be an ordered queryset:
    only the page's rows are loaded, plus one COUNT."""
    page = Paginator(object_list, per_page or PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()

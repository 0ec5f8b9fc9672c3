"""The 建议书's proposals in the one search box (``reform_portal.search``): seen as the book is (``selectors``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reform_portal.search import SearchKind, register_search

from . import selectors
from .models import MeasureProposal

PROPOSALS = register_search(
    SearchKind(
        name="proposal",
        label=_("改革举措建议"),
        model=MeasureProposal,
        text=lambda p: " ".join([p.title, p.keywords, p.pain_points, p.content, p.steps]),
        title=lambda p: f"{p.book.region.name}：{p.title}",
        year=lambda p: p.book.cycle.year,
        visible=lambda user: (
            MeasureProposal.objects.filter(book__in=selectors.books_visible_to(user))
            if user.is_authenticated
            else MeasureProposal.objects.none()
        ),
        url=lambda p: f"{reverse('proposals:book_detail', args=[p.book_id])}#proposal-{p.pk}",
        order=10,
        related=lambda qs: qs.select_related("book__region", "book__cycle"),
    )
)

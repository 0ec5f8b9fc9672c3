"""揭榜任务 in the one search box (``reform_portal.search``): seen as on the task pages (``selectors``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reform_portal.search import SearchKind, register_search

from . import selectors
from .models import Task

TASKS = register_search(
    SearchKind(
        name="task",
        label=_("揭榜任务"),
        model=Task,
        text=lambda t: " ".join(
            [t.entry.number, t.entry.title, t.entry.description, t.summary_achieved, t.summary_replicable]
        ),
        title=lambda t: f"{t.region.name}：{t.entry.number} {t.entry.title}",
        year=lambda t: t.cycle.year,
        visible=lambda user: (
            selectors.tasks_visible_to(user) if user.is_authenticated else Task.objects.none()
        ),
        url=lambda t: reverse("bidding:task_detail", args=[t.pk]),
        order=40,
        related=lambda qs: qs.select_related("region", "entry", "cycle"),
    )
)

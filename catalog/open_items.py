"""The 工作台's open items of stage 2 (``reform_portal.years.register_open_items``), each counted as its page lists
it: proposals waiting to be merged or set aside (reviewers, 汇总与合并 ?status=open), ministries' opinions not yet
answered (reviewers, the list version's page), expert reviews not yet submitted (experts, 专家论证) and
consultations a ministry has not answered on every measure (liaisons, 征求意见)."""

from collections import defaultdict

from django.db.models import Count, Exists, Min, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import MeasureProposal
from reform_portal.models import User
from reform_portal.navigation import ArchiveLink
from reform_portal.selectors import built_once
from reform_portal.years import OpenItem, live_cycles, with_year

from .enums import ListState
from .models import DepartmentOpinion, ExpertReview, MeasureList
from .selectors import consultations_waiting
from .services import OPEN_BOOK_STATES

MERGE = "merge"
OPINION_RESPONSE = "opinion_response"
EXPERT_REVIEW = "expert_review"
CONSULTATION = "consultation"


@built_once
def _open_proposals():
    """Per live year without a published list: its open proposals, counted."""
    published = MeasureList.objects.filter(cycle=OuterRef("book__cycle"), state=ListState.PUBLISHED)
    return (
        MeasureProposal.objects.filter(
            book__state__in=OPEN_BOOK_STATES,
            measure_source__isnull=True,
            rejection__isnull=True,
            book__cycle__in=live_cycles(),
        )
        .exclude(Exists(published))
        .values("book__cycle__year", "book__cycle__review_deadline")
        .annotate(n=Count("pk"))
        .order_by()
    )


def merge_items(user: User) -> list[OpenItem]:
    """Per year without a published list: its open proposals."""
    items = [
        OpenItem(
            year=row["book__cycle__year"],
            kind=MERGE,
            title=_("汇总合并各地建议：待处理的建议"),
            url=with_year(reverse("catalog:merge"), row["book__cycle__year"]) + "&status=open",
            due=row["book__cycle__review_deadline"],
            count=row["n"],
        )
        for row in _open_proposals()
    ]
    return items


@built_once
def _unanswered_opinions():
    """Per list version not published (of a live year): its ministries' opinions not yet answered, counted."""
    return (
        DepartmentOpinion.objects.filter(
            responded_at__isnull=True, consultation__measure_list__cycle__in=live_cycles()
        )
        .exclude(consultation__measure_list__state=ListState.PUBLISHED)
        .exclude(measure__inclusion__included=False)
        .values(
            "consultation__measure_list",
            "consultation__measure_list__version",
            "consultation__measure_list__cycle__year",
            "consultation__measure_list__cycle__review_deadline",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def opinion_items(user: User) -> list[OpenItem]:
    """Per list version not published: its ministries' opinions not yet answered."""
    return [
        OpenItem(
            year=row["consultation__measure_list__cycle__year"],
            kind=OPINION_RESPONSE,
            title=_("答复有关部门意见（清单第%(v)s版）") % {"v": row["consultation__measure_list__version"]},
            url=reverse("catalog:list_manage", args=[row["consultation__measure_list"]]),
            due=row["consultation__measure_list__cycle__review_deadline"],
            count=row["n"],
        )
        for row in _unanswered_opinions()
    ]


def expert_items(user: User) -> list[OpenItem]:
    """The expert's reviews not yet submitted, per year (the 专家论证 page's 待论证)."""
    rows = (
        ExpertReview.objects.filter(expert=user, submitted_at__isnull=True, measure__cycle__in=live_cycles())
        .values("measure__cycle__year")
        .annotate(n=Count("pk"), due=Min("measure__cycle__review_deadline"))
        .order_by()
    )
    return [
        OpenItem(
            year=row["measure__cycle__year"],
            kind=EXPERT_REVIEW,
            title=_("对分配给您的改革举措进行专家论证并打分"),
            url=with_year(reverse("catalog:my_reviews"), row["measure__cycle__year"]),
            due=row["due"],
            count=row["n"],
        )
        for row in rows
    ]


def liaison_items(user: User) -> list[OpenItem]:
    """Consultations of the liaison's ministry still waiting for an opinion on some measure, per year."""
    per_year: dict[int, list] = defaultdict(list)
    for consultation in consultations_waiting(user).filter(measure_list__cycle__in=live_cycles()):
        per_year[consultation.measure_list.cycle.year].append(consultation)
    return [
        OpenItem(
            year=year,
            kind=CONSULTATION,
            title=_("对征求意见的举措清单逐项反馈部门意见"),
            url=with_year(reverse("catalog:consultations"), year),
            due=min(c.measure_list.cycle.review_deadline for c in waiting),
            count=len(waiting),
        )
        for year, waiting in sorted(per_year.items())
    ]


def archive_links() -> list[ArchiveLink]:
    """Every published version of every year's list, for the public archive (one query)."""
    return [
        ArchiveLink(
            year=measure_list.cycle.year,
            label=_("《%(t)s》第%(v)s版") % {"t": measure_list.title, "v": measure_list.version},
            url=reverse("catalog:public_list", args=[measure_list.pk]),
            order=10 + measure_list.version,
            note=_("%(d)s公布") % {"d": f"{timezone.localtime(measure_list.published_at):%Y-%m-%d}"}
            if measure_list.published_at
            else "",
            testid="archive-list",
        )
        for measure_list in MeasureList.objects.filter(state=ListState.PUBLISHED)
        .select_related("cycle")
        .order_by("cycle__year", "version")
    ]

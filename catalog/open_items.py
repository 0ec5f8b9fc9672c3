"""The 工作台's open items of stage 2 (``reform_portal.years.register_open_items``), each counted as its page lists
it: proposals waiting to be merged or set aside (reviewers, 汇总与合并 ?status=open), ministries' opinions not yet
answered (reviewers, the list version's page), expert reviews not yet submitted (experts, 专家论证) and
consultations a ministry has not answered on every measure (liaisons, 征求意见)."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import MeasureProposal
from reform_portal import tallies
from reform_portal.models import ReformCycle, User
from reform_portal.navigation import ArchiveLink
from reform_portal.selectors import row_count
from reform_portal.years import OpenItem, live_cycles, with_year

from .enums import ListState
from .models import DepartmentOpinion, ExpertReview, MeasureList
from .selectors import consultations_waiting, proposal_stamps
from .services import OPEN_BOOK_STATES

MERGE = "merge"
OPINION_RESPONSE = "opinion_response"
EXPERT_REVIEW = "expert_review"
CONSULTATION = "consultation"


REVIEWER_OPEN = "catalog.reviewer_open.3"  # a new name when the stored shape changes (3: ``stamps``)


def reviewer_open(cycle: ReformCycle) -> dict[str, Any]:
    """What waits for the reviewers in stage 2 of ``cycle``, stored per cycle (``REVIEWER_OPEN``; issue 19,
    DECISIONS §19): its reported proposals (``total``), merged (``merged``), set aside (``rejected``) and neither
    (``open``: the 汇总与合并 page's figures, ``merge_figures``) and whether a list version is
    published (``published``: then nothing is merged any more), and per list version not published its
    ministries' opinions not yet answered (``opinions``: [list pk, version, count]), and the digest of its reported
    proposals as they stand (``stamps``: ``selectors.proposal_stamps``, the key of 汇总与合并's similarity caches; a
    proposal's edit while reported, a 建议书 reported, returned or withdrawn invalidate it as they do the counts). A
    change of a proposal, a 建议书, a merge or a setting aside, a list version, a consultation, an opinion or an
    inclusion invalidates it (``watch_reviewer_open``)."""
    reported = MeasureProposal.objects.filter(book__cycle=OuterRef("pk"), book__state__in=OPEN_BOOK_STATES)
    figures = (
        ReformCycle.objects.filter(pk=cycle.pk)
        .annotate(
            open=row_count(reported.filter(measure_source__isnull=True, rejection__isnull=True)),
            total=row_count(reported),
            merged=row_count(reported.filter(measure_source__isnull=False)),
            rejected=row_count(reported.filter(measure_source__isnull=True, rejection__isnull=False)),
            published=Exists(MeasureList.objects.filter(cycle=OuterRef("pk"), state=ListState.PUBLISHED)),
        )
        .values("open", "total", "merged", "rejected", "published")
        .get()
    )
    opinions = (
        DepartmentOpinion.objects.filter(responded_at__isnull=True, consultation__measure_list__cycle=cycle)
        .exclude(consultation__measure_list__state=ListState.PUBLISHED)
        .exclude(measure__inclusion__included=False)
        .values_list("consultation__measure_list", "consultation__measure_list__version")
        .annotate(n=Count("pk"))
        .order_by("consultation__measure_list__version")
    )
    return {**figures, "opinions": [list(row) for row in opinions], "stamps": proposal_stamps(cycle)}


def merge_figures(cycle: ReformCycle) -> dict[str, int]:
    """The 汇总与合并 page's figures of ``cycle``: its reported proposals (``total``), ``merged``, set aside
    (``rejected``) and ``open`` — the stored ones (``REVIEWER_OPEN``; read already on this page when the year was the
    default, else one query), not an aggregate over the year's proposals on every visit (issue 19)."""
    data = tallies.read(cycle, REVIEWER_OPEN, reviewer_open)
    return {key: data[key] for key in ("total", "merged", "rejected", "open")}


def merge_stamps(cycle: ReformCycle) -> str:
    """The digest of ``cycle``'s reported proposals (ids and update times) the similarity caches of 汇总与合并 are
    keyed by, as stored with its figures (``REVIEWER_OPEN``): no read of the year's proposals on every visit, whose
    Python side grew with them (issue 19). Within a page read the figures' row is read once for both."""
    return tallies.read(cycle, REVIEWER_OPEN, reviewer_open)["stamps"]


def reviewer_items(user: User) -> list[OpenItem]:
    """Per live year: its proposals waiting to be merged or set aside (while no list version is published), and
    per list version not published its ministries' opinions not yet answered — from the stored ``reviewer_open``
    of every live year, read in one query."""
    items = []
    for cycle, data in tallies.read_for(live_cycles(), REVIEWER_OPEN, reviewer_open):
        if not data["published"]:
            items.append(
                OpenItem(
                    year=cycle.year,
                    kind=MERGE,
                    title=_("汇总合并各地建议：待处理的建议"),
                    url=with_year(reverse("catalog:merge"), cycle.year) + "&status=open",
                    due=cycle.review_deadline,
                    count=data["open"],
                )
            )
        items += [
            OpenItem(
                year=cycle.year,
                kind=OPINION_RESPONSE,
                title=_("答复有关部门意见（清单第%(v)s版）") % {"v": version},
                url=reverse("catalog:list_manage", args=[list_pk]),
                due=cycle.review_deadline,
                count=n,
            )
            for list_pk, version, n in data["opinions"]
        ]
    return items


def _reported_book_cycle(proposal):
    """The cycle of ``proposal``'s 建议书 once reported (``OPEN_BOOK_STATES``); ``UNCOUNTED`` while it is the region's
    draft or returned to it — the regions' many saves while they write do not touch the reviewers' counts (the
    book's own save when it is reported or returned does); None when the book is gone."""
    from proposals.models import ProposalBook

    found = ProposalBook.objects.filter(pk=proposal.book_id).values_list("cycle_id", "state").first()
    if found is None:
        return None
    return found[0] if found[1] in OPEN_BOOK_STATES else tallies.UNCOUNTED


def _book_was_counted(sender, instance, raw=False, **kwargs):
    """``pre_save`` of a 建议书: whether its proposals were counted before this save (reported), for
    ``_counted_book_cycle``."""
    if raw:
        return
    before = type(instance).objects.filter(pk=instance.pk).values_list("state", flat=True).first()
    instance._counted_before = before in OPEN_BOOK_STATES


def _counted_book_cycle(book):
    """A 建议书 saved: its cycle when its proposals are counted before or after the save (reported, returned,
    withdrawn, closed), ``UNCOUNTED`` while it stays the region's draft (cover, signatures)."""
    if book.state in OPEN_BOOK_STATES or getattr(book, "_counted_before", True):
        return book.cycle_id
    return tallies.UNCOUNTED


def watch_reviewer_open() -> None:
    """Invalidate ``REVIEWER_OPEN`` of a cycle when what it counts changes (called from ``ready``)."""
    from django.db.models.signals import pre_save

    from proposals.models import ProposalBook

    pre_save.connect(_book_was_counted, sender=ProposalBook, dispatch_uid="tally-reviewer-open-book-before")

    from .models import Consultation, Measure, MeasureInclusion, MeasureSource, ProposalRejection

    tallies.invalidate_on_change(REVIEWER_OPEN, ProposalBook, _counted_book_cycle)
    tallies.invalidate_on_change(REVIEWER_OPEN, MeasureList, lambda row: row.cycle_id)
    tallies.invalidate_on_change(REVIEWER_OPEN, MeasureProposal, _reported_book_cycle)
    tallies.invalidate_on_change(REVIEWER_OPEN, MeasureSource, tallies.parent_cycle(Measure, "measure"))
    tallies.invalidate_on_change(REVIEWER_OPEN, MeasureInclusion, tallies.parent_cycle(Measure, "measure"))
    tallies.invalidate_on_change(
        REVIEWER_OPEN, Consultation, tallies.parent_cycle(MeasureList, "measure_list")
    )
    tallies.invalidate_on_change(REVIEWER_OPEN, DepartmentOpinion, tallies.parent_cycle(Measure, "measure"))
    tallies.invalidate_on_change(
        REVIEWER_OPEN,
        ProposalRejection,
        lambda row: (
            MeasureProposal.objects.filter(pk=row.proposal_id)
            .values_list("book__cycle_id", flat=True)
            .first()
        ),
    )


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

"""Read querysets for 制定清单, already filtered by permission and with what their pages show."""

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Field,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from proposals.models import MeasureProposal
from reform_portal.enums import Role
from reform_portal.models import ReformCycle, User
from reform_portal.permissions import objects_for

from . import rules
from .enums import ListState
from .models import (
    Consultation,
    DepartmentOpinion,
    ExpertReview,
    ListEntry,
    Measure,
    MeasureList,
    MeasureSource,
    SynonymGroup,
)
from .services import OPEN_BOOK_STATES, SYNONYMS_VERSION_KEY
from .similarity import Synonyms, document, rank

SIMILAR_TOP = 5


def synonym_table() -> Synonyms:
    """The synonym table as the similarity engine uses it: one query."""
    return Synonyms((g.canonical, g.variant_list()) for g in SynonymGroup.objects.all())


def synonyms_version() -> str:
    """Changes whenever a synonym group is saved or deleted (catalog.services.synonyms_changed): part of the
    cached ranking's key, so an edit of the table ranks every cycle anew."""
    version = cache.get(SYNONYMS_VERSION_KEY)
    if version is None:
        version = "0"
        cache.add(SYNONYMS_VERSION_KEY, version, None)
    return str(version)


def cycle_proposals(cycle: ReformCycle) -> QuerySet[MeasureProposal]:
    """Every proposal of the cycle's submitted (or closed) books, with its outcome."""
    return (
        MeasureProposal.objects.filter(book__cycle=cycle, book__state__in=OPEN_BOOK_STATES)
        .select_related("book__region", "measure_source__measure", "rejection")
        .order_by("book__region__code", "position", "pk")
    )


def merge_proposals(
    cycle: ReformCycle, *, region: str = "", area: str = "", status: str = ""
) -> QuerySet[MeasureProposal]:
    """The merge page's proposals, filtered in the database (region code, area, 待处理/已合并/未采纳)."""
    qs = cycle_proposals(cycle)
    if region:
        qs = qs.filter(book__region__code=region)
    if area:
        qs = qs.filter(area=area)
    if status == "merged":
        qs = qs.filter(measure_source__isnull=False)
    elif status == "rejected":
        qs = qs.filter(measure_source__isnull=True, rejection__isnull=False)
    elif status == "open":
        qs = qs.filter(measure_source__isnull=True, rejection__isnull=True)
    return qs


def proposal_stamps(cycle: ReformCycle) -> str:
    """A digest of the cycle's open proposals as they stand (ids and update times): the part of the similarity
    caches' keys that changes when a proposal is edited, added or leaves. "" when there are none."""
    stamps = list(cycle_proposals(cycle).order_by("pk").values_list("pk", "updated_at"))
    if not stamps:
        return ""
    return hashlib.sha256(";".join(f"{pk}:{at.isoformat()}" for pk, at in stamps).encode()).hexdigest()


def cycle_ranking(cycle: ReformCycle, stamps: str | None = None) -> dict[int, list[dict[str, Any]]]:
    """For each proposal id of the cycle: the most similar proposals from OTHER regions, best first, as
    {"pk", "title", "region_code", "region_name", "score"}. Ranked in one pass over the whole cycle (the IDF
    needs every text, and every pair is scored) and cached under a key made of the ids and update times and
    the synonym table's version, so a request reads only the (id, updated_at) pairs and the cached ranking
    (``stamps``: ``proposal_stamps(cycle)`` when the caller has it already)."""
    digest = proposal_stamps(cycle) if stamps is None else stamps
    if not digest:
        return {}
    key = f"catalog:similar:{cycle.pk}:{synonyms_version()}:{digest}"
    ranking = cache.get(key)
    if ranking is None:
        rows = list(
            cycle_proposals(cycle).values_list(
                "pk",
                "book__region_id",
                "title",
                "content",
                "pain_points",
                "book__region__code",
                "book__region__name",
            )
        )
        labels = {
            row[0]: {"pk": row[0], "title": row[2], "region_code": row[5], "region_name": row[6]}
            for row in rows
        }
        docs = [
            (pk, region_id, document(title, content, pain))
            for pk, region_id, title, content, pain, *_ in rows
        ]
        ranking = {
            k: [{**labels[m.key], "score": m.score} for m in v[:SIMILAR_TOP]]
            for k, v in rank(docs, top=SIMILAR_TOP, synonyms=synonym_table()).items()
        }
        cache.set(key, ranking, 60 * 60 * 24)
    return ranking


# The columns a merge page row prints (``merge_row_values``), under the names ``merge_rows`` reads them by.
MERGE_ROW_COLUMNS = {
    "pk": "pk",
    "title": "title",
    "content": "content",
    "area": "area",
    "region_name": "book__region__name",
    "measure_id": "measure_source__measure_id",
    "measure_title": "measure_source__measure__title",
    "rejection_id": "rejection__id",
    "reason": "rejection__reason",
}


def merge_row_values(proposals: QuerySet[MeasureProposal]) -> QuerySet:
    """``proposals`` (e.g. ``merge_proposals``, sorted) as the columns the merge page prints, one dict a row: a page of
    50 proposals loaded as models with their books, regions, sources, measures and rejections (300 instances,
    Django's select_related machinery) was ≈2 ms of the page (issue 19)."""
    return proposals.values(*MERGE_ROW_COLUMNS.values())


def merge_rows(
    cycle: ReformCycle, proposals: Iterable[dict[str, Any]], stamps: str | None = None
) -> list[dict[str, Any]]:
    """The merge page's rows for ``proposals`` (one page of ``merge_row_values``): each row's columns (named as in
    MERGE_ROW_COLUMNS), its state, the similar proposals of other regions from the cycle's cached ranking, and the
    entry of an earlier year's published list a proposal is close to. ``stamps``: ``proposal_stamps(cycle)`` when
    the caller has it (the page: stored with its figures, ``open_items.merge_stamps``)."""
    if stamps is None:
        stamps = proposal_stamps(cycle)  # read once for both caches' keys
    ranking = cycle_ranking(cycle, stamps)
    earlier = earlier_marks(cycle, stamps)
    rows = []
    for values in proposals:
        row = {name: values[column] for name, column in MERGE_ROW_COLUMNS.items()}
        pk = row["pk"]
        row["state"] = (
            "merged"
            if row["measure_id"] is not None
            else ("rejected" if row["rejection_id"] is not None else "open")
        )
        row["similar"] = ranking.get(pk, [])
        row["earlier"] = earlier.get(pk)
        rows.append(row)
    return rows


def _stats(reviews: Sequence[ExpertReview]) -> dict[str, Any]:
    done = [r for r in reviews if r.counted]  # a review marked for a conflict of interest is not counted
    stats: dict[str, Any] = {
        "assigned": len(reviews),
        "submitted": len(done),
        "conflicted": sum(1 for r in reviews if r.conflict_at is not None),
        "criteria": [],
        "total_avg": None,
        "total_min": None,
        "total_max": None,
        "total_stdev": None,
        "recommendations": {},
    }
    for key, label in ExpertReview.CRITERIA:
        values = [getattr(r, f"{key}_score") for r in done]
        stats["criteria"].append(
            {
                "key": key,
                "label": label,
                "avg": round(sum(values) / len(values), 2) if values else None,
                "min": min(values) if values else None,
                "max": max(values) if values else None,
            }
        )
    totals = [r.total for r in done]
    if totals:
        stats["total_avg"] = round(sum(totals) / len(totals), 2)
        stats["total_min"], stats["total_max"] = min(totals), max(totals)
        stats["total_stdev"] = round(statistics.pstdev(totals), 2)
    for r in done:
        shown = r.get_recommendation_display()
        stats["recommendations"][shown] = stats["recommendations"].get(shown, 0) + 1
    return stats


def _counted_reviews() -> Q:
    # ExpertReview.counted: submitted and not marked for a conflict of interest
    return Q(reviews__submitted_at__isnull=False, reviews__conflict_at__isnull=True)


def measures_for(cycle: ReformCycle) -> QuerySet[Measure]:
    """The cycle's measures as the 清单举措 list prints them: the printed fields, inclusion and the expert-review
    figures counted in SQL (``with_stats`` turns them into ``m.stats`` and adds the sources). Loading every
    review with its expert, unit and region to count them in Python was most of the page's time and grew with
    the reviews per measure; then building a model instance per source, region and inclusion was (issue 19)."""
    total = sum(
        (F(f"reviews__{key}_score") for key, _label in ExpertReview.CRITERIA[1:]),
        F(f"reviews__{ExpertReview.CRITERIA[0][0]}_score"),
    )  # NULL when any score is missing, as ExpertReview.total is None
    counted = _counted_reviews()
    scored = counted & Q(**{f"reviews__{key}_score__isnull": False for key, _label in ExpertReview.CRITERIA})
    return (
        Measure.objects.filter(cycle=cycle)
        .only("pk", "cycle_id", "position", "title", "area")
        .annotate(
            included_flag=F("inclusion__included"),  # None when no decision was recorded: included
            n_assigned=Count("reviews"),
            n_counted=Count("reviews", filter=counted),
            n_scored=Count("reviews", filter=scored),
            total_sum=Sum(total, filter=scored),
            total_min=Min(total, filter=scored),
            total_max=Max(total, filter=scored),
        )
        .order_by("position", "pk")
    )


def with_stats(measures: Iterable[Measure]) -> list[Measure]:
    """The measures (e.g. one page of ``measures_for``) with ``stats`` (assigned and counted reviews, the average,
    lowest and highest total of the counted ones, the average rounded as on the measure's page), ``included``
    and ``source_labels`` ((region name, proposal title) of each source, by region code): two queries."""
    measures = list(measures)
    labels: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for measure_id, region_name, proposal_title in (
        MeasureSource.objects.filter(measure__in=[m.pk for m in measures])
        .order_by("measure", "region__code")  # MeasureSource's own ordering
        .values_list("measure_id", "region__name", "proposal_title")
    ):
        labels[measure_id].append((region_name, proposal_title))
    for m in measures:
        counted: Any = m  # the annotations of measures_for
        n = counted.n_scored
        m.stats = {
            "assigned": counted.n_assigned,
            "submitted": counted.n_counted,
            "total_avg": round(counted.total_sum / n, 2) if n else None,
            "total_min": counted.total_min if n else None,
            "total_max": counted.total_max if n else None,
        }
        m.included = counted.included_flag is not False
        counted.source_labels = labels.get(m.pk, [])
    return measures


def measure_detail(pk: int) -> Measure | None:
    # Each relation in its default order within one measure, written out: their default orderings begin with the
    # measure, which Django sorts by the measure's own ordering — joining the measure and its cycle to every query
    # to sort the rows of a single measure (issue 19). Each joins only what the page prints (a source's region and
    # proposal, a review's expert and unit, an opinion's ministry): the book, the creator, the opinion's users and
    # list version were built on every visit and never read.
    measure = (
        Measure.objects.select_related("cycle", "inclusion")
        .prefetch_related(
            # one query for the sources with their region and proposal (not one per relation)
            Prefetch(
                "sources",
                queryset=MeasureSource.objects.select_related("region", "proposal").order_by(
                    "region__code", "pk"
                ),
            ),
            Prefetch(
                "reviews",
                queryset=ExpertReview.objects.select_related("expert__organization").order_by(
                    "assigned_at", "pk"
                ),
            ),
            Prefetch(
                "opinions",
                queryset=DepartmentOpinion.objects.select_related("consultation__ministry").order_by(
                    "-consultation__measure_list__version", "consultation__ministry__name", "pk"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if measure is not None:
        measure.stats = _stats(list(measure.reviews.all()))
        inclusion = getattr(measure, "inclusion", None)
        measure.included = inclusion is None or inclusion.included
    return measure


def experts_for(measure: Measure) -> list[dict[str, Any]]:
    """Every expert with whether they may be assigned to the measure and, if not, why."""
    region_ids = [s.region_id for s in measure.sources.all()]
    assigned = {r.expert_id for r in measure.reviews.all()}
    rows = []
    for expert in (
        User.objects.filter(groups__name=Role.EXPERT, is_active=True)
        .select_related("organization__region")
        .order_by("full_name", "pk")
    ):
        reason = rules.conflict_of_interest(expert, region_ids)
        if expert.pk in assigned:
            reason = reason or "已分配"
        rows.append({"expert": expert, "reason": reason, "allowed": not reason})
    return rows


def reviews_for_expert(user: User) -> QuerySet[ExpertReview]:
    """Only the expert's own assignments (guardian grants made on assignment)."""
    return (
        objects_for(user, rules.CHANGE_REVIEW, ExpertReview)
        .filter(expert=user)
        .select_related("measure__cycle")
        .prefetch_related(
            Prefetch("measure__sources", queryset=MeasureSource.objects.select_related("region", "proposal"))
        )
        .order_by(F("submitted_at").asc(nulls_first=True), "-assigned_at", "pk")
    )


def review_for_expert(user: User, pk: int) -> ExpertReview | None:
    return reviews_for_expert(user).filter(pk=pk).first()


def peer_reviews(review: ExpertReview) -> list[ExpertReview]:
    """Other experts' submitted reviews of the same measure: shown only after this one is submitted."""
    if review.submitted_at is None:
        return []
    return list(
        ExpertReview.objects.filter(measure_id=review.measure_id, submitted_at__isnull=False)
        .exclude(pk=review.pk)
        .select_related("expert")
        .order_by("submitted_at", "pk")
    )


def consultations_for(user: User | AnonymousUser) -> QuerySet[Consultation]:
    """A liaison sees only consultations sent to their own ministry."""
    if not user.is_authenticated or not user.has_role(Role.MINISTRY_LIAISON) or user.organization_id is None:
        return Consultation.objects.none()
    return (
        objects_for(user, rules.VIEW_CONSULTATION, Consultation)
        .filter(ministry_id=user.organization_id)
        .select_related("measure_list__cycle", "ministry", "sent_by")
        .order_by("-sent_at", "pk")
    )


def _opinion_counts() -> dict[str, Coalesce]:
    """``n_measures`` (the measures of the consultation's year included in its list) and ``n_given`` (the
    ministry's opinions on them) of the outer consultation, as correlated subqueries."""
    included = (
        Measure.objects.filter(cycle=OuterRef("measure_list__cycle"))
        .exclude(inclusion__included=False)
        .order_by()
        .values("cycle")
        .annotate(n=Count("pk"))
        .values("n")
    )
    given = (
        DepartmentOpinion.objects.filter(consultation=OuterRef("pk"))
        .exclude(measure__inclusion__included=False)
        .order_by()
        .values("consultation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return {"n_measures": Coalesce(Subquery(included), 0), "n_given": Coalesce(Subquery(given), 0)}


def _with_waiting(consultations: QuerySet[Consultation]) -> QuerySet[Consultation]:
    """``waiting``: the list is not published yet and the ministry has not given an opinion on every measure
    included in it (``n_given`` of ``n_measures``)."""
    return consultations.annotate(**_opinion_counts()).annotate(
        waiting=Case(When(WAITING, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


WAITING = Q(n_given__lt=F("n_measures")) & ~Q(measure_list__state=ListState.PUBLISHED)


def consultation_list(user: User, cycle: ReformCycle) -> QuerySet[Consultation]:
    """The liaison's consultations of one year, each with ``waiting`` (征求意见 page)."""
    return _with_waiting(consultations_for(user).filter(measure_list__cycle=cycle))


def consultations_waiting(user: User) -> QuerySet[Consultation]:
    """The liaison's consultations, of every year, that wait for an opinion (the 工作台 and the 征求意见 page's default
    year): one query, with each list's cycle. The two counts are aliases compared in WHERE only — annotated and
    filtered, as the list page's ``waiting`` is, Django writes each counting subquery two or three times (SELECT,
    the CASE, WHERE): the page's most expensive query to build and to plan (issue 19)."""
    return (
        consultations_for(user)
        .select_related(None)
        .select_related("measure_list__cycle")
        .exclude(measure_list__state=ListState.PUBLISHED)
        .alias(**_opinion_counts())
        .filter(n_given__lt=F("n_measures"))  # type: ignore[misc]  # an alias django-stubs cannot see
    )


def lists_for(cycle: ReformCycle) -> QuerySet[MeasureList]:
    return (
        MeasureList.objects.filter(cycle=cycle)
        .select_related("published_by")
        .prefetch_related(Prefetch("consultations", queryset=Consultation.objects.select_related("ministry")))
        .order_by("-version")
    )


def published_lists() -> QuerySet[MeasureList]:
    return MeasureList.objects.filter(state=ListState.PUBLISHED).select_related("cycle")


def latest_published() -> MeasureList | None:
    return published_lists().order_by("-cycle__year", "-version").first()


def entries_of(measure_list: MeasureList) -> list[ListEntry]:
    return list(ListEntry.objects.filter(measure_list=measure_list).order_by("position"))


DIFF_FIELDS = [
    "title",
    "area",
    "description",
    "goals",
    "authority_level",
    "coordination_departments",
    "source_regions",
]


def previous_published(measure_list: MeasureList) -> MeasureList | None:
    return (
        MeasureList.objects.filter(
            cycle_id=measure_list.cycle_id, state=ListState.PUBLISHED, version__lt=measure_list.version
        )
        .order_by("-version")
        .first()
    )


def list_diff(new_entries: Sequence[ListEntry], old_entries: Sequence[ListEntry]) -> dict[str, Any]:
    """What changed between two published versions, matched by measure: added, removed, changed fields."""
    old = {e.measure_id: e for e in old_entries}
    new = {e.measure_id: e for e in new_entries}
    added = [e for e in new_entries if e.measure_id not in old]
    removed = [e for e in old_entries if e.measure_id not in new]
    changed = []
    for e in new_entries:
        before = old.get(e.measure_id)
        if before is None:
            continue
        fields = []
        for name in DIFF_FIELDS:
            a, b = getattr(before, name), getattr(e, name)
            if a != b:
                label = cast(Field, ListEntry._meta.get_field(name)).verbose_name  # DIFF_FIELDS are concrete
                display = f"get_{name}_display"
                if hasattr(e, display):
                    a, b = getattr(before, display)(), getattr(e, display)()
                fields.append({"label": label, "before": a, "after": b})
        if before.number != e.number:
            fields.append(
                {
                    "label": ListEntry._meta.get_field("number").verbose_name,
                    "before": before.number,
                    "after": e.number,
                }
            )
        if fields:
            changed.append({"entry": e, "before": before, "fields": fields})
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "empty": not (added or removed or changed),
    }


def consultation_rows(consultation: Consultation) -> list[dict[str, Any]]:
    """The measures of the consulted list (live drafts while consulting, frozen entries once published)
    with this ministry's opinion on each."""
    from .services import included_measures

    opinions = {
        o.measure_id: o
        for o in DepartmentOpinion.objects.filter(consultation=consultation).only(
            "measure", "stance", "text", "response"
        )
    }
    # only what 征求意见详情 prints (issue 19): no sources
    measures = list(
        included_measures(consultation.measure_list.cycle)
        .prefetch_related(None)
        .only("pk", "cycle_id", "position", "title", "description", "goals")
    )
    return [{"measure": m, "opinion": opinions.get(m.pk)} for m in measures]


# ---- 分组, pre-filled merge, side-by-side comparison, earlier years (issue 16) ---------------------------------

GROUP_MIN_SCORE = (
    0.1  # a group links two proposals that rank each other among their suggestions at least this
)
EARLIER_MIN_SCORE = 0.3  # a proposal this close to an earlier year's published entry is marked with it


def merge_groups(cycle: ReformCycle) -> list[dict[str, Any]]:
    """Groups of mutually similar open proposals of several regions: two proposals are linked when each is
    among the other's suggestions with a score ≥ GROUP_MIN_SCORE; a group is a connected set of links. Best
    groups first, each as {"proposals": [...], "best": score, "links": {(a, b): score}}."""
    ranking = cycle_ranking(cycle)
    links: dict[tuple[int, int], float] = {}
    for pk, near in ranking.items():
        for s in near:
            back = {o["pk"] for o in ranking.get(s["pk"], [])}
            if s["score"] >= GROUP_MIN_SCORE and pk in back:
                links[(min(pk, s["pk"]), max(pk, s["pk"]))] = s["score"]
    open_ids = set(merge_proposals(cycle, status="open").order_by().values_list("pk", flat=True))
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        if a in open_ids and b in open_ids:
            parent[find(a)] = find(b)
    members: dict[int, list[int]] = {}
    for pk in parent:
        members.setdefault(find(pk), []).append(pk)
    proposals = {p.pk: p for p in cycle_proposals(cycle).filter(pk__in=list(parent))}
    groups: list[dict[str, Any]] = []
    for ids in members.values():
        if len(ids) < 2:
            continue
        rows = sorted((proposals[i] for i in ids), key=lambda p: (p.book.region.code, p.position, p.pk))
        mine = {(a, b): s for (a, b), s in links.items() if a in ids and b in ids}
        groups.append({"proposals": rows, "best": max(mine.values()), "links": mine})
    groups.sort(key=lambda g: (-cast(float, g["best"]), cast(list, g["proposals"])[0].pk))
    return groups


def open_proposals_or_none(cycle: ReformCycle, ids: Iterable[int]) -> list[MeasureProposal] | None:
    """The cycle's open proposals of ``ids`` in the merge page's order, or None when any is not one."""
    wanted = set(ids)
    found = list(merge_proposals(cycle, status="open").filter(pk__in=wanted))
    if not wanted or len(found) != len(wanted):
        return None
    return found


def merge_prefill(proposals: Sequence[MeasureProposal], lead: MeasureProposal) -> dict[str, Any]:
    """The merge form's initial values for a group: title from ``lead``, the content and 痛点 of every proposal
    (by region), the area most of them give (ties: the lead's), the widest 事权 (national if any asks for
    national coordination) and the national departments they name."""
    from collections import Counter

    from proposals.enums import AuthorityLevel

    areas = Counter(p.area for p in proposals if p.area)
    top = max(areas.values()) if areas else 0
    area = (
        lead.area
        if areas.get(lead.area) == top
        else next((a for a, n in areas.most_common() if n == top), "")
    )
    parts = []
    for p in proposals:
        block = f"【{p.book.region.name}·{p.title}】{p.content.strip()}"
        if p.pain_points.strip():
            block += f"\n痛点堵点：{p.pain_points.strip()}"
        parts.append(block)
    national = any(p.authority_level == AuthorityLevel.NATIONAL for p in proposals)
    departments = []
    for p in proposals:
        for d in re_split_departments(p.coordination_departments):
            if d not in departments:
                departments.append(d)
    return {
        "title": lead.title,
        "area": area,
        "description": "\n\n".join(parts),
        "authority_level": AuthorityLevel.NATIONAL if national else AuthorityLevel.PROVINCIAL,
        "coordination_departments": "、".join(departments),
    }


def re_split_departments(value: str) -> list[str]:
    import re

    return [d for d in re.split(r"[、，,;；\s]+", value or "") if d]


def earlier_marks(cycle: ReformCycle, stamps: str | None = None) -> dict[int, dict[str, Any]]:
    """For each proposal id of the cycle close to an entry of an earlier year's published list (cosine ≥
    EARLIER_MIN_SCORE): that entry as {"year", "number", "title", "score"}. Cached like the ranking; the cache key
    needs only each earlier year's latest published version with its entries' count and highest id (one query of a
    row per version: ids only grow, so any entry added or removed changes them), so the entries (every earlier
    year's, a few hundred ids; their texts) are read only to compute it."""
    from catalog.similarity import vectorize

    # cycle id -> its latest published version: (id, number of entries, highest entry id)
    latest: dict[int, tuple[int, int, int | None]] = {}
    for list_pk, cycle_id, n, last in (
        MeasureList.objects.filter(state=ListState.PUBLISHED, cycle__year__lt=cycle.year)
        .annotate(n=Count("entries"), last=Max("entries__id"))
        .order_by("cycle_id", "-version")
        .values_list("pk", "cycle_id", "n", "last")
    ):
        latest.setdefault(cycle_id, (list_pk, n, last))
    if not any(n for _pk, n, _last in latest.values()):
        return {}
    proposals_digest = proposal_stamps(cycle) if stamps is None else stamps
    if not proposals_digest:
        return {}
    versions = [pk for pk, _n, _last in latest.values()]
    entries_qs = ListEntry.objects.filter(measure_list__in=versions).order_by(
        "-measure_list__cycle__year", "position"
    )
    stamp = ";".join(f"{pk}:{n}:{last}" for pk, n, last in sorted(latest.values()))
    digest = hashlib.sha256(f"{proposals_digest}|{stamp}".encode()).hexdigest()
    key = f"catalog:earlier:{cycle.pk}:{synonyms_version()}:{digest}"
    marks = cache.get(key)
    if marks is None:
        kept = list(
            entries_qs.values_list("pk", "measure_list__cycle__year", "number", "title", "description")
        )
        rows = list(cycle_proposals(cycle).values_list("pk", "title", "content", "pain_points"))
        texts = [document(t, c, p) for _pk, t, c, p in rows] + [document(e[3], e[4]) for e in kept]
        matrix = vectorize(texts, synonyms=synonym_table())
        scores = (matrix[: len(rows)] @ matrix[len(rows) :].T).toarray()
        marks = {}
        for i, (pk, *_rest) in enumerate(rows):
            j = int(scores[i].argmax())
            if scores[i, j] >= EARLIER_MIN_SCORE:
                _epk, year, number, title, _desc = kept[j]
                marks[pk] = {
                    "year": year,
                    "number": number,
                    "title": title,
                    "score": round(float(scores[i, j]), 4),
                }
        cache.set(key, marks, 60 * 60 * 24)
    return marks


def shared_marks(text_a: str, text_b: str) -> tuple[list[str], list[str], list[str]]:
    """What the side-by-side comparison marks in each text: the words of two characters or more both use, and
    in the second text also the synonyms (of the table) of those words; then the shared phrases themselves."""
    from catalog.similarity import shared_phrases

    table = synonym_table()
    phrases = shared_phrases(text_a, text_b, synonyms=table)
    canonical = {table.apply(w) for w in phrases}
    in_b = [w for w in table.mapping if w in text_b and table.apply(w) in canonical]
    in_a = [w for w in table.mapping if w in text_a and table.apply(w) in canonical]
    by_length = lambda words: sorted(set(words), key=lambda w: (-len(w), w))  # noqa: E731
    return by_length(phrases + in_a), by_length(phrases + in_b), phrases


def marked_segments(value: str, words: Sequence[str]) -> list[tuple[str, bool]]:
    """``value`` cut into (piece, marked) segments, the pieces that are one of ``words`` marked (longest
    first). The template escapes every piece."""
    import re

    if not words or not value:
        return [(value, False)] if value else []
    pattern = re.compile("|".join(map(re.escape, words)))
    out: list[tuple[str, bool]] = []
    last = 0
    for m in pattern.finditer(value):
        if m.start() > last:
            out.append((value[last : m.start()], False))
        out.append((m.group(0), True))
        last = m.end()
    if last < len(value):
        out.append((value[last:], False))
    return out

"""Read querysets for 制定清单, already filtered by permission and with what their pages show."""
import hashlib
import statistics

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q
from guardian.shortcuts import get_objects_for_user

from proposals.models import MeasureProposal
from reform_portal.enums import Role
from reform_portal.models import User

from . import rules
from .enums import ListState
from .models import Consultation, DepartmentOpinion, ExpertReview, ListEntry, Measure, MeasureList
from .services import OPEN_BOOK_STATES
from .similarity import rank

SIMILAR_TOP = 5


def cycle_proposals(cycle):
    """Every proposal of the cycle's submitted (or closed) books, with its outcome."""
    return (
        MeasureProposal.objects.filter(book__cycle=cycle, book__state__in=OPEN_BOOK_STATES)
        .select_related("book__region", "measure_source__measure", "rejection")
        .order_by("book__region__code", "position", "pk")
    )


def merge_proposals(cycle, *, region="", area="", status=""):
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


def merge_counts(cycle) -> dict[str, int]:
    """How many of the cycle's proposals are open, merged and rejected: one aggregate query."""
    counts = cycle_proposals(cycle).order_by().aggregate(
        total=Count("pk"),
        merged=Count("pk", filter=Q(measure_source__isnull=False)),
        rejected=Count("pk", filter=Q(measure_source__isnull=True, rejection__isnull=False)),
    )
    counts["open"] = counts["total"] - counts["merged"] - counts["rejected"]
    return counts


def cycle_ranking(cycle) -> dict[int, list[dict]]:
    """For each proposal id of the cycle: the most similar proposals from OTHER regions, best first, as
    {"pk", "title", "region_code", "region_name", "score"}. Ranked in one pass over the whole cycle (the IDF
    needs every text) and cached under a key made of the ids and update times, so a request reads only the
    (id, updated_at) pairs and the cached ranking."""
    stamps = list(cycle_proposals(cycle).order_by("pk").values_list("pk", "updated_at"))
    if not stamps:
        return {}
    digest = hashlib.sha256(";".join(f"{pk}:{at.isoformat()}" for pk, at in stamps).encode()).hexdigest()
    key = f"catalog:similar:{cycle.pk}:{digest}"
    ranking = cache.get(key)
    if ranking is None:
        rows = list(cycle_proposals(cycle).values_list("pk", "book__region_id", "title", "content", "pain_points",
                                                       "book__region__code", "book__region__name"))
        labels = {row[0]: {"pk": row[0], "title": row[2], "region_code": row[5], "region_name": row[6]}
                  for row in rows}
        docs = [(pk, region_id, "\n".join([title, content, pain])) for pk, region_id, title, content, pain, *_ in rows]
        ranking = {k: [{**labels[m.key], "score": m.score} for m in v[:SIMILAR_TOP]]
                   for k, v in rank(docs, top=SIMILAR_TOP).items()}
        cache.set(key, ranking, 60 * 60 * 24)
    return ranking


def merge_rows(cycle, proposals) -> list[dict]:
    """The merge page's rows for ``proposals`` (one page): state, and the similar proposals of other regions
    from the cycle's cached ranking."""
    ranking = cycle_ranking(cycle)
    rows = []
    for p in proposals:
        source = getattr(p, "measure_source", None)
        rejection = getattr(p, "rejection", None)
        state = "merged" if source else ("rejected" if rejection else "open")
        rows.append({"proposal": p, "state": state, "source": source, "rejection": rejection,
                     "similar": ranking.get(p.pk, [])})
    return rows


def _stats(reviews):
    done = [r for r in reviews if r.submitted_at is not None]
    stats = {"assigned": len(reviews), "submitted": len(done), "criteria": [], "total_avg": None,
             "total_min": None, "total_max": None, "total_stdev": None, "recommendations": {}}
    for key, label in ExpertReview.CRITERIA:
        values = [getattr(r, f"{key}_score") for r in done]
        stats["criteria"].append({"key": key, "label": label,
                                  "avg": round(sum(values) / len(values), 2) if values else None,
                                  "min": min(values) if values else None, "max": max(values) if values else None})
    totals = [r.total for r in done]
    if totals:
        stats["total_avg"] = round(sum(totals) / len(totals), 2)
        stats["total_min"], stats["total_max"] = min(totals), max(totals)
        stats["total_stdev"] = round(statistics.pstdev(totals), 2)
    for r in done:
        label = r.get_recommendation_display()
        stats["recommendations"][label] = stats["recommendations"].get(label, 0) + 1
    return stats


def measures_for(cycle):
    """The cycle's measures with sources, inclusion and reviews (``with_stats`` adds the statistics)."""
    return (
        Measure.objects.filter(cycle=cycle).select_related("inclusion")
        .prefetch_related("sources__region", Prefetch("reviews", queryset=ExpertReview.objects.select_related(
            "expert__organization__region")))
        .order_by("position", "pk")
    )


def with_stats(measures) -> list:
    """The measures (e.g. one page of ``measures_for``) with review statistics and inclusion: three queries."""
    measures = list(measures)
    for m in measures:
        m.stats = _stats(list(m.reviews.all()))
        inclusion = getattr(m, "inclusion", None)
        m.included = inclusion is None or inclusion.included
    return measures


def measure_detail(pk):
    measure = (
        Measure.objects.select_related("cycle", "created_by", "inclusion")
        .prefetch_related("sources__region", "sources__proposal__book",
                          Prefetch("reviews", queryset=ExpertReview.objects.select_related(
                              "expert__organization__region")),
                          Prefetch("opinions", queryset=DepartmentOpinion.objects.select_related(
                              "consultation__ministry", "consultation__measure_list", "given_by", "responded_by")))
        .filter(pk=pk).first()
    )
    if measure is not None:
        measure.stats = _stats(list(measure.reviews.all()))
        inclusion = getattr(measure, "inclusion", None)
        measure.included = inclusion is None or inclusion.included
    return measure


def experts_for(measure):
    """Every expert with whether they may be assigned to the measure and, if not, why."""
    region_ids = [s.region_id for s in measure.sources.all()]
    assigned = {r.expert_id for r in measure.reviews.all()}
    rows = []
    for expert in (User.objects.filter(groups__name=Role.EXPERT, is_active=True)
                   .select_related("organization__region").order_by("full_name", "pk")):
        reason = rules.conflict_of_interest(expert, region_ids)
        if expert.pk in assigned:
            reason = reason or "已分配"
        rows.append({"expert": expert, "reason": reason, "allowed": not reason})
    return rows


def reviews_for_expert(user):
    """Only the expert's own assignments (guardian grants made on assignment)."""
    return (
        get_objects_for_user(user, rules.CHANGE_REVIEW, klass=ExpertReview, accept_global_perms=False)
        .filter(expert=user)
        .select_related("measure__cycle")
        .prefetch_related("measure__sources__region")
        .order_by("submitted_at", "-assigned_at", "pk")
    )


def review_for_expert(user, pk):
    return reviews_for_expert(user).filter(pk=pk).first()


def peer_reviews(review):
    """Other experts' submitted reviews of the same measure: shown only after this one is submitted."""
    if review.submitted_at is None:
        return []
    return list(ExpertReview.objects.filter(measure_id=review.measure_id, submitted_at__isnull=False)
                .exclude(pk=review.pk).select_related("expert").order_by("submitted_at", "pk"))


def consultations_for(user):
    """A liaison sees only consultations sent to their own ministry."""
    if not user.is_authenticated or not user.has_role(Role.MINISTRY_LIAISON) or user.organization_id is None:
        return Consultation.objects.none()
    return (
        get_objects_for_user(user, rules.VIEW_CONSULTATION, klass=Consultation, accept_global_perms=False)
        .filter(ministry_id=user.organization_id)
        .select_related("measure_list__cycle", "ministry", "sent_by")
        .order_by("-sent_at", "pk")
    )


def lists_for(cycle):
    return (MeasureList.objects.filter(cycle=cycle).select_related("published_by")
            .prefetch_related(Prefetch("consultations", queryset=Consultation.objects.select_related("ministry")))
            .order_by("-version"))


def published_lists():
    return MeasureList.objects.filter(state=ListState.PUBLISHED).select_related("cycle")


def latest_published():
    return published_lists().order_by("-cycle__year", "-version").first()


def entries_of(measure_list):
    return list(ListEntry.objects.filter(measure_list=measure_list).order_by("position"))


DIFF_FIELDS = ["title", "area", "description", "goals", "authority_level", "coordination_departments",
               "source_regions"]


def previous_published(measure_list):
    return (MeasureList.objects.filter(cycle_id=measure_list.cycle_id, state=ListState.PUBLISHED,
                                       version__lt=measure_list.version).order_by("-version").first())


def list_diff(new_entries, old_entries):
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
                label = ListEntry._meta.get_field(name).verbose_name
                display = f"get_{name}_display"
                if hasattr(e, display):
                    a, b = getattr(before, display)(), getattr(e, display)()
                fields.append({"label": label, "before": a, "after": b})
        if before.number != e.number:
            fields.append({"label": ListEntry._meta.get_field("number").verbose_name, "before": before.number,
                           "after": e.number})
        if fields:
            changed.append({"entry": e, "before": before, "fields": fields})
    return {"added": added, "removed": removed, "changed": changed,
            "empty": not (added or removed or changed)}


def consultation_rows(consultation):
    """The measures of the consulted list (live drafts while consulting, frozen entries once published)
    with this ministry's opinion on each."""
    from .services import included_measures

    opinions = {o.measure_id: o for o in consultation.opinions.select_related("responded_by")}
    measures = list(included_measures(consultation.measure_list.cycle))
    return [{"measure": m, "opinion": opinions.get(m.pk)} for m in measures]

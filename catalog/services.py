"""Every write of 制定清单: one function per action, in a transaction, checking permission and state.
Views, admin and tests all call these."""

import datetime
import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from proposals.enums import AuthorityLevel, BookState
from proposals.models import MeasureProposal
from reform_portal import docnumbers
from reform_portal.enums import CycleState, OrgKind, Role
from reform_portal.models import Organization, ReformCycle, User
from reform_portal.outbox import enqueue
from reform_portal.services import check_revision, organization_group
from reform_portal.services import check_rule as _check
from reform_portal.services import save_with_history as _save
from reform_portal.transitions import CYCLE, transition

from . import handoffs, rules
from .enums import ListState
from .models import (
    Consultation,
    DepartmentOpinion,
    ExpertReview,
    ListEntry,
    Measure,
    MeasureInclusion,
    MeasureList,
    MeasureSource,
    ProposalRejection,
    SynonymGroup,
)
from .transitions import EXPERT_REVIEW, LIST, OPINION

MEASURE_FIELDS = ["title", "area", "description", "goals", "authority_level", "coordination_departments"]
OPEN_BOOK_STATES = [BookState.SUBMITTED, BookState.CLOSED]
SYNONYMS_VERSION_KEY = "catalog:synonyms:version"
SYNONYM_MAX_LEN = 40


def _delete(obj: Model, by: User, reason: str) -> None:
    # simple-history reads these attributes when it writes the history row (the package has no stubs).
    obj._history_user = by  # type: ignore[attr-defined]
    obj._change_reason = reason[:100]  # type: ignore[attr-defined]
    obj.delete()


def _clean_measure_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    data = {
        k: (fields.get(k) or "").strip() if isinstance(fields.get(k, ""), str) else fields.get(k)
        for k in MEASURE_FIELDS
    }
    errors = {}
    if not data["title"]:
        errors["title"] = _("请填写举措名称。")
    if not data["area"]:
        errors["area"] = _("请选择改革任务领域。")
    if not data["description"]:
        errors["description"] = _("请填写改革内容。")
    data["authority_level"] = data["authority_level"] or AuthorityLevel.PROVINCIAL
    if data["authority_level"] == AuthorityLevel.NATIONAL and not data["coordination_departments"]:
        errors["coordination_departments"] = _("需国家层面协调的举措，请填写国家协调部门。")
    if data["authority_level"] != AuthorityLevel.NATIONAL:
        data["coordination_departments"] = ""
    if errors:
        raise ValidationError(errors)
    return data


def _lock_proposals(cycle: ReformCycle, proposals: Iterable[MeasureProposal]) -> list[MeasureProposal]:
    ids = sorted({p.pk for p in proposals})
    locked = list(
        MeasureProposal.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("book__region", "book__cycle")
        .order_by("pk")
    )
    if len(locked) != len(ids) or not ids:
        raise ValidationError(_("请选择要合并的建议。"))
    for p in locked:
        if p.book.cycle_id != cycle.pk or p.book.state not in OPEN_BOOK_STATES:
            raise ValidationError(_("建议“%(t)s”不属于本年度已报送的建议书，不能合并。") % {"t": p.title})
    sources = dict(
        MeasureSource.objects.filter(proposal_id__in=ids)
        .select_related("measure")
        .values_list("proposal_id", "measure__title")
    )
    rejected = set(
        ProposalRejection.objects.filter(proposal_id__in=ids).values_list("proposal_id", flat=True)
    )
    for p in locked:
        if p.pk in sources:
            raise ValidationError(
                _("建议“%(t)s”（%(r)s）已合并到举措“%(m)s”，一项建议只能合并到一项举措。")
                % {"t": p.title, "r": p.book.region.name, "m": sources[p.pk]}
            )
        if p.pk in rejected:
            raise ValidationError(
                _("建议“%(t)s”（%(r)s）已标记为未采纳，请先撤销未采纳后再合并。")
                % {"t": p.title, "r": p.book.region.name}
            )
    return locked


def _add_sources(measure: Measure, proposals: Iterable[MeasureProposal], by: User) -> None:
    for p in proposals:
        source = MeasureSource(
            measure=measure, proposal=p, region=p.book.region, proposal_title=p.title, added_by=by
        )
        try:
            with transaction.atomic():
                _save(source, by, f"合并建议：{p.book.region.name}·{p.title}")
        except IntegrityError as exc:  # the one-to-one is the backstop against a concurrent merge
            raise ValidationError(
                _("建议“%(t)s”已合并到其他举措，一项建议只能合并到一项举措。") % {"t": p.title}
            ) from exc


def measure_merge(
    *, cycle: ReformCycle, proposals: Iterable[MeasureProposal], fields: Mapping[str, Any], by: User
) -> Measure:
    """合并同类项: a new measure from one or more proposals, keeping their provenance."""
    _check(rules.reviewer_only(by))
    data = _clean_measure_fields(fields)
    with transaction.atomic():
        locked = _lock_proposals(cycle, proposals)
        position = (Measure.objects.filter(cycle=cycle).aggregate(m=Max("position"))["m"] or 0) + 1
        measure = Measure(cycle=cycle, position=position, created_by=by, **data)
        regions = "、".join(dict.fromkeys(p.book.region.name for p in locked))
        _save(measure, by, f"合并同类项（{regions}）")
        _add_sources(measure, locked, by)
    return measure


def measure_add_sources(*, measure: Measure, proposals: Iterable[MeasureProposal], by: User) -> Measure:
    """Merge more proposals into an existing measure. An expert assigned to it whose region a new proposal
    comes from is in conflict (issue 16): the assignment is withdrawn, or a review already submitted is kept,
    marked and left out of the averages; the expert and the reviewers are told."""
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        locked = _lock_proposals(measure.cycle, proposals)
        _add_sources(measure, locked, by)
        _resolve_conflicts(measure, by)
    return measure


def _resolve_conflicts(measure: Measure, by: User) -> None:
    regions = source_region_ids(measure)
    reviews = (
        ExpertReview.objects.select_for_update(of=("self",))
        .filter(measure=measure, conflict_at__isnull=True, expert__organization__region_id__in=regions)
        .select_related("expert__organization__region", "measure__cycle")
    )
    for review in reviews:
        reason = rules.conflict_of_interest(review.expert, regions)
        if review.submitted_at is None:
            transition(review, "unassign", by, flow=EXPERT_REVIEW)
            remove_perm(rules.VIEW_REVIEW, review.expert, review)
            remove_perm(rules.CHANGE_REVIEW, review.expert, review)
            remove_perm(rules.VIEW_MEASURE, review.expert, measure)
            handoffs.conflict_found(review, reason=reason, withdrawn=True, by=by)
            _delete(review, by, f"利益冲突，撤回分配：{review.expert}")
        else:
            transition(review, "conflict", by, flow=EXPERT_REVIEW)
            review.conflict_at = timezone.now()
            review.conflict_reason = reason[:200]
            _save(review, by, f"利益冲突，意见不计入：{review.expert}")  # the expert still reads it, marked
            handoffs.conflict_found(review, reason=reason, withdrawn=False, by=by)


def measure_unmerge(*, measure: Measure, by: User) -> None:
    """Undo a merge while the list is a draft: the sources go (history keeps them) and so does the measure."""
    with transaction.atomic():
        measure = Measure.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=measure.pk)
        _check(rules.can_unmerge(by, measure))
        title = measure.title
        for source in measure.sources.all():
            _delete(source, by, f"撤销合并：{title}")
        for review in measure.reviews.all():
            _delete(review, by, f"撤销合并：{title}")
        for opinion in DepartmentOpinion.objects.filter(measure=measure):
            _delete(opinion, by, f"撤销合并：{title}")
        MeasureInclusion.objects.filter(measure=measure).delete()
        _delete(measure, by, f"撤销合并：{title}")


def measure_update(
    *, measure: Measure, fields: Mapping[str, Any], by: User, reason: str = "", revision: int | None = None
) -> Measure:
    """修改完善: every revision is a history record with who and why. ``revision``: the 稿 the reviewer loaded
    (the form sends it); a revision saved by a colleague in between is refused, not overwritten."""
    _check(rules.reviewer_only(by))
    data = _clean_measure_fields({**{k: getattr(measure, k) for k in MEASURE_FIELDS}, **fields})
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        if revision is not None:
            check_revision(measure, revision, _("举措"))
        for k, v in data.items():
            setattr(measure, k, v)
        measure.revision += 1
        _save(
            measure,
            by,
            f"修订举措（第{measure.revision}稿）" + (f"：{reason.strip()}" if reason.strip() else ""),
        )
    return measure


def measure_set_inclusion(*, measure: Measure, included: bool, note: str = "", by: User) -> MeasureInclusion:
    """列入 / 不列入 the list (a measure is on the list unless the reviewers leave it off)."""
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        inclusion, _created = MeasureInclusion.objects.select_for_update().get_or_create(measure=measure)
        inclusion.included, inclusion.note = bool(included), note.strip()
        _save(
            inclusion,
            by,
            ("列入清单" if included else "不列入清单") + (f"：{note.strip()}" if note.strip() else ""),
        )
    return inclusion


def proposal_reject(*, proposal: MeasureProposal, reason: str, by: User) -> ProposalRejection:
    """未采纳, with a reason the region reads on its dashboard."""
    _check(rules.reviewer_only(by))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写未采纳理由。")})
    with transaction.atomic():
        p = MeasureProposal.objects.select_for_update(of=("self",)).select_related("book").get(pk=proposal.pk)
        if p.book.state not in OPEN_BOOK_STATES:
            raise ValidationError(_("只能处理已报送建议书中的建议。"))
        if MeasureSource.objects.filter(proposal=p).exists():
            raise ValidationError(
                _("建议“%(t)s”已合并到举措，不能标记为未采纳；请先撤销合并。") % {"t": p.title}
            )
        rejection = ProposalRejection.objects.filter(proposal=p).first() or ProposalRejection(proposal=p)
        rejection.reason, rejection.decided_by = reason.strip(), by
        _save(rejection, by, f"未采纳：{reason.strip()}")
    return rejection


def proposal_unreject(*, proposal: MeasureProposal, by: User) -> None:
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        rejection = ProposalRejection.objects.select_for_update().filter(proposal=proposal).first()
        if rejection is not None:
            _delete(rejection, by, "撤销未采纳")


# ---- expert review ------------------------------------------------------------------------------


def source_region_ids(measure: Measure) -> list[int]:
    return list(measure.sources.values_list("region_id", flat=True))


def expert_assign(*, measure: Measure, expert: User, by: User) -> ExpertReview:
    """分配专家: refused for a conflict of interest; the expert gets object permissions on the assignment."""
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        assigned = measure.reviews.values_list("expert_id", flat=True)
        _check(rules.can_assign(by, expert, measure, source_region_ids(measure), assigned))
        review = ExpertReview(measure=measure, expert=expert, assigned_by=by)
        _save(review, by, f"分配专家：{expert}")
        assign_perm(rules.VIEW_REVIEW, expert, review)
        assign_perm(rules.CHANGE_REVIEW, expert, review)
        assign_perm(rules.VIEW_MEASURE, expert, measure)
        handoffs.expert_assigned(review, by=by)
    return review


def expert_unassign(*, review: ExpertReview, by: User) -> None:
    """撤回分配 (e.g. assigned by mistake, or the expert cannot review): only while unanswered; the expert
    loses access to the assignment and the measure, and the reminders for it stop with the row."""
    with transaction.atomic():
        Measure.objects.select_for_update().get(pk=review.measure_id)
        review = (
            ExpertReview.objects.select_for_update(of=("self",))
            .select_related("measure", "expert")
            .get(pk=review.pk)
        )
        _check(rules.can_unassign(by, review))
        transition(review, "unassign", by, flow=EXPERT_REVIEW)
        remove_perm(rules.VIEW_REVIEW, review.expert, review)
        remove_perm(rules.CHANGE_REVIEW, review.expert, review)
        remove_perm(rules.VIEW_MEASURE, review.expert, review.measure)
        review._history_user = by  # type: ignore[attr-defined]  # simple-history's attributes (no stubs)
        review._change_reason = f"撤回分配：{review.expert}"[:100]  # type: ignore[attr-defined]
        review.delete()


def review_submit(
    *,
    review: ExpertReview,
    scores: Mapping[str, int],
    comments: Mapping[str, str],
    recommendation: str,
    by: User,
    now: datetime.datetime | None = None,
) -> ExpertReview:
    """Scores 1–5 on each criterion, a comment each, and 列入 / 修改后列入 / 不列入. Submitted once."""
    errors = {}
    for key, label in ExpertReview.CRITERIA:
        value = scores.get(key)
        if value is None or not 1 <= int(value) <= 5:
            errors[f"{key}_score"] = _("“%(c)s”请打1—5分。") % {"c": label}
    if recommendation not in {"include", "revise", "exclude"}:
        errors["recommendation"] = _("请选择论证意见。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        review = (
            ExpertReview.objects.select_for_update(of=("self",)).select_related("measure").get(pk=review.pk)
        )
        _check(rules.can_score(by, review))
        transition(review, "submit", by, flow=EXPERT_REVIEW)
        for key, _label in ExpertReview.CRITERIA:
            setattr(review, f"{key}_score", int(scores[key]))
            setattr(review, f"{key}_comment", (comments.get(key) or "").strip())
        review.recommendation = recommendation
        review.submitted_at = now or timezone.now()
        _save(review, by, "提交专家论证意见")
    return review


# ---- lists, consultation, publishing ------------------------------------------------------------


def list_title(cycle: ReformCycle) -> str:
    return f"{cycle.year}年度全面改革创新举措清单"


def list_draft(*, cycle: ReformCycle, by: User) -> MeasureList:
    """The cycle's working version (draft or out for consultation), created after the last published one."""
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        working = (
            MeasureList.objects.select_for_update()
            .filter(cycle=cycle)
            .exclude(state=ListState.PUBLISHED)
            .order_by("-version")
            .first()
        )
        if working is not None:
            return working
        version = (MeasureList.objects.filter(cycle=cycle).aggregate(m=Max("version"))["m"] or 0) + 1
        measure_list = MeasureList(cycle=cycle, version=version, title=list_title(cycle))
        _save(measure_list, by, f"新建第{version}版草稿")
    return measure_list


def list_update(
    *, measure_list: MeasureList, title: str, by: User, revision: int | None = None
) -> MeasureList:
    """The draft's title. ``revision``: the version the reviewer loaded; a colleague's save in between wins."""
    _check(rules.reviewer_only(by))
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写清单标题。")})
    with transaction.atomic():
        measure_list = MeasureList.objects.select_for_update().get(pk=measure_list.pk)
        _check(rules.list_editable(measure_list))
        if revision is not None:
            check_revision(measure_list, revision, _("清单标题"))
        measure_list.revision += 1
        measure_list.title = title.strip()
        _save(measure_list, by, "修改清单标题")
    return measure_list


def consultation_send(
    *, measure_list: MeasureList, ministries: Iterable[Organization], by: User
) -> list[Consultation]:
    """征求有关部门意见: the draft goes to the chosen ministries; their liaisons get read access."""
    _check(rules.reviewer_only(by))
    ministries = list(ministries)
    if not ministries:
        raise ValidationError({"ministries": _("请选择征求意见的部门。")})
    if any(m.kind != OrgKind.MINISTRY for m in ministries):
        raise ValidationError({"ministries": _("只能向有关部门征求意见。")})
    with transaction.atomic():
        measure_list = MeasureList.objects.select_for_update().get(pk=measure_list.pk)
        _check(rules.list_editable(measure_list))
        sent = []
        for ministry in ministries:
            consultation = Consultation.objects.filter(measure_list=measure_list, ministry=ministry).first()
            if consultation is None:
                consultation = Consultation(measure_list=measure_list, ministry=ministry, sent_by=by)
                _save(consultation, by, f"征求意见：{ministry.name}")
                assign_perm(rules.VIEW_CONSULTATION, organization_group(ministry), consultation)
                handoffs.consultation_sent(consultation, by=by)
            sent.append(consultation)
        if transition(measure_list, "consult", by, flow=LIST).source != ListState.CONSULTING:
            _save(measure_list, by, "征求有关部门意见：" + "、".join(m.name for m in ministries))
    return sent


def opinion_give(
    *, consultation: Consultation, measure: Measure, stance: str, text: str, by: User
) -> DepartmentOpinion:
    if stance not in {"agree", "revise", "disagree"}:
        raise ValidationError({"stance": _("请选择意见。")})
    if stance != "agree" and not (text or "").strip():
        raise ValidationError({"text": _("修改后同意或不同意的，请填写具体意见。")})
    with transaction.atomic():
        consultation = Consultation.objects.select_related("measure_list", "ministry").get(pk=consultation.pk)
        _check(rules.can_give_opinion(by, consultation))
        if measure.cycle_id != consultation.measure_list.cycle_id:
            raise ValidationError(_("该举措不在本清单中。"))
        opinion = (
            DepartmentOpinion.objects.select_for_update()
            .filter(consultation=consultation, measure=measure)
            .first()
        )
        if opinion is None:
            opinion = DepartmentOpinion(consultation=consultation, measure=measure)
        else:
            transition(opinion, "revise", by, flow=OPINION)
        opinion.stance, opinion.text, opinion.given_by = stance, (text or "").strip(), by
        _save(opinion, by, f"{consultation.ministry.name}反馈意见")
        handoffs.opinion_given(opinion, by=by)
    return opinion


def opinion_respond(*, opinion: DepartmentOpinion, response: str, by: User) -> DepartmentOpinion:
    _check(rules.reviewer_only(by))
    if not (response or "").strip():
        raise ValidationError({"response": _("请填写采纳情况说明。")})
    with transaction.atomic():
        opinion = DepartmentOpinion.objects.select_for_update().get(pk=opinion.pk)
        transition(opinion, "respond", by, flow=OPINION)
        opinion.response, opinion.responded_by, opinion.responded_at = response.strip(), by, timezone.now()
        _save(opinion, by, "答复部门意见")
        handoffs.opinion_answered(opinion, by=by)
    return opinion


def included_measures(cycle: ReformCycle) -> QuerySet[Measure]:
    return (
        Measure.objects.filter(cycle=cycle)
        .exclude(inclusion__included=False)
        .prefetch_related("sources__region")
        .order_by("position", "pk")
    )


# Later stages keep work on a published list's entries (揭榜申报, 揭榜任务 and the 通知书 that list them). The catalog
# names none of them: each registers ``uses(entry_ids) -> {entry_id: [what, …]}`` (for the refusal of a version
# that drops such an entry) and ``move(mapping, by)`` (old entry id → the new version's entry of the same measure).
EntryUses = Callable[[list[int]], dict[int, list[str]]]
EntryMove = Callable[[dict[int, ListEntry], User], None]
_ENTRY_KEEPERS: list[tuple[EntryUses, EntryMove]] = []


def register_entry_keeper(uses: EntryUses, move: EntryMove) -> None:
    """Called from a later stage's ``AppConfig.ready`` (idempotent)."""
    if (uses, move) not in _ENTRY_KEEPERS:
        _ENTRY_KEEPERS.append((uses, move))


def _entry_uses(entry_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for uses, _move in _ENTRY_KEEPERS:
        for pk, what in uses(entry_ids).items():
            found.setdefault(pk, []).extend(what)
    return found


def _sequence(number: str) -> int:
    """2027-03 → 3."""
    tail = number.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _numbers_and_carry(cycle: ReformCycle, measures: list[Measure]) -> tuple[dict[int, str], list[ListEntry]]:
    """A measure keeps its 编号 across versions (DECISIONS §14): the number of its entry in the year's published
    versions; a new measure gets the next free number. Returns (measure id → number, the earlier versions'
    entries). A version that drops an entry with bids, tasks or letters is refused with what uses it."""
    earlier = list(
        ListEntry.objects.filter(measure_list__cycle=cycle, measure_list__state=ListState.PUBLISHED)
        .select_related("measure_list")
        .order_by("measure_list__version", "position")
    )
    # The latest version a measure appears in gives its number; a number is never given to two measures (a list
    # made before numbers were kept may have reused one: the later claim gets a new number below).
    numbers: dict[int, str] = {}
    for e in sorted(earlier, key=lambda e: -e.measure_list.version):
        if e.measure_id not in numbers and e.number not in numbers.values():
            numbers[e.measure_id] = e.number
    kept = {m.pk for m in measures}
    dropped = [e for e in earlier if e.measure_id not in kept]
    uses = _entry_uses([e.pk for e in dropped]) if dropped else {}
    if uses:
        lines = [
            f"{e.number} {e.title}（{'、'.join(dict.fromkeys(uses[e.pk]))}）" for e in dropped if e.pk in uses
        ]
        raise ValidationError(
            _("新版本不能删去已有揭榜申报、任务或通知书的举措：%(entries)s。请将其重新列入清单后再公布。")
            % {"entries": "；".join(dict.fromkeys(lines))}
        )
    following = max((_sequence(e.number) for e in earlier), default=0)  # no number is ever given twice
    for m in measures:
        if m.pk not in numbers:
            following += 1
            numbers[m.pk] = f"{cycle.year}-{following:02d}"
    return numbers, earlier


def list_publish(
    *, measure_list: MeasureList, by: User, now: datetime.datetime | None = None, notify: bool = True
) -> MeasureList:
    """公布: entries become frozen, numbered copies (2027-01 …); every region's staff is told bidding can begin."""
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        measure_list = (
            MeasureList.objects.select_for_update(of=("self",))
            .select_related("cycle")
            .get(pk=measure_list.pk)
        )
        _check(rules.list_editable(measure_list))
        cycle = ReformCycle.objects.select_for_update().get(pk=measure_list.cycle_id)
        _check(rules.cycle_allows_publishing(cycle))
        measures = list(included_measures(measure_list.cycle))
        if not measures:
            raise ValidationError(_("清单中没有举措，不能公布。"))
        numbers, earlier = _numbers_and_carry(cycle, measures)
        new_entries: dict[int, ListEntry] = {}
        for i, m in enumerate(measures, start=1):
            regions = "、".join(dict.fromkeys(s.region.name for s in m.sources.all()))
            entry = ListEntry(
                measure_list=measure_list,
                measure=m,
                number=numbers[m.pk],
                position=i,
                source_regions=regions,
                **{k: getattr(m, k) for k in MEASURE_FIELDS},
            )
            _save(entry, by, "公布清单")
            new_entries[m.pk] = entry
        # Bids, tasks and letters follow their measure into the new version (the 揭榜 pages show its entries).
        mapping = {e.pk: new_entries[e.measure_id] for e in earlier if e.measure_id in new_entries}
        if mapping:
            for _uses, move in _ENTRY_KEEPERS:
                move(mapping, by)
        transition(measure_list, "publish", by, flow=LIST)
        measure_list.published_at, measure_list.published_by = now or timezone.now(), by
        measure_list.number = docnumbers.take(
            year=timezone.localtime(measure_list.published_at).year,
            prefix=settings.PORTAL_NOTICE_NUMBER_PREFIX,
            kind="举措清单通知",
            subject=f"{measure_list.title}（第{measure_list.version}版）",
            by=by,
        )
        _save(measure_list, by, f"公布第{measure_list.version}版（{len(measures)}项举措）")
        if cycle.state == CycleState.REVIEW:
            # The first version published: the year moves to 悬榜揭榜 (the cycle's table), whichever page did it.
            transition(cycle, "publish_list", by, flow=CYCLE)
            _save(cycle, by, f"公布清单（第{measure_list.version}版）")
        if notify:
            notify_published(measure_list)
        # The PDF is rendered by the worker after the commit (the outbox), so the first visitor does not wait
        # for it and the request never waits on Redis. By the task's name: the task module calls these services.
        enqueue("catalog.store_list_pdf", measure_list_id=measure_list.pk)
    return measure_list


def list_pdf_bytes(*, measure_list: MeasureList) -> bytes:
    """The PDF of a published version. A published version is frozen, so the PDF is rendered once and stored
    (``lists/<pk>-<sha256 prefix>.pdf``, digest in ``pdf_sha256``); later calls read the stored file. A file
    that is missing or fails its digest is rendered again (it is derived from the frozen entries)."""
    from .documents import render_list_pdf

    return _stored_once(
        measure_list,
        "pdf",
        lambda ml: render_list_pdf(ml, list(ml.entries.order_by("position"))),
        "生成清单 PDF 文件",
    )


def _stored_once(
    measure_list: MeasureList, kind: str, make: Callable[[MeasureList], bytes], reason: str
) -> bytes:
    """A published version's derived file ``kind`` ("pdf" or "xlsx": the fields ``<kind>`` and ``<kind>_sha256``):
    the stored bytes when the file is there and passes its digest, else made by ``make`` under the version's row
    lock (concurrent first downloads make it once), stored as ``lists/<pk>-<sha256 prefix>.<kind>`` and recorded
    in the version's history with ``reason``."""
    data = _stored_file(getattr(measure_list, kind), getattr(measure_list, f"{kind}_sha256"))
    if data is not None:
        return data
    with transaction.atomic():
        measure_list = (
            MeasureList.objects.select_for_update(of=("self",))
            .select_related("cycle")
            .get(pk=measure_list.pk)
        )
        if not measure_list.is_published:
            raise ValidationError(_("清单尚未公布。"))
        data = _stored_file(getattr(measure_list, kind), getattr(measure_list, f"{kind}_sha256"))
        if data is not None:
            return data
        data = make(measure_list)
        digest = hashlib.sha256(data).hexdigest()
        setattr(measure_list, f"{kind}_sha256", digest)
        getattr(measure_list, kind).save(
            f"{measure_list.pk}-{digest[:16]}.{kind}", ContentFile(data), save=False
        )
        _save(measure_list, None, reason)
    return data


def list_pdf_rerender_if_english(*, measure_list: MeasureList, by: User | None) -> bool:
    """Render a published version's stored PDF again when it was made under an English interface (English
    领域/事权 labels in its text). The old file stays on storage and in the version's history; the new one gets
    a new name and its digest is recorded. Returns whether it was rendered again."""
    from reform_portal.pdf import rendered_in_english

    from .documents import PRINTED_CHOICES, render_list_pdf

    with transaction.atomic():
        measure_list = (
            MeasureList.objects.select_for_update(of=("self",))
            .select_related("cycle")
            .get(pk=measure_list.pk)
        )
        old = _stored_pdf(measure_list)
        if old is None or not rendered_in_english(old, PRINTED_CHOICES):
            return False
        data = render_list_pdf(measure_list, list(measure_list.entries.order_by("position")))
        measure_list.pdf_sha256 = hashlib.sha256(data).hexdigest()
        measure_list.pdf.save(
            f"{measure_list.pk}-{measure_list.pdf_sha256[:16]}.pdf", ContentFile(data), save=False
        )
        _save(measure_list, by, "清单 PDF 曾以英文界面生成，已按中文重新生成")
    return True


def _stored_pdf(measure_list: MeasureList) -> bytes | None:
    return _stored_file(measure_list.pdf, measure_list.pdf_sha256)


def _stored_file(field: Any, sha256: str) -> bytes | None:
    """A stored file's bytes, or None when there is none, it is missing or it fails its digest."""
    if not field:
        return None
    try:
        with field.open("rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


def list_xlsx_bytes(*, measure_list: MeasureList) -> bytes:
    """The spreadsheet of a published version, stored on its first download as the PDF is (``lists/<pk>-<sha256
    prefix>.xlsx``, digest in ``xlsx_sha256``): a published version is frozen, and writing every entry's cells
    on each download made the download grow with the list (issue 19). A file that is missing or fails its digest
    is written again; its labels are Chinese whatever the reader's language (``documents.list_xlsx``)."""
    from .documents import list_xlsx

    return _stored_once(
        measure_list,
        "xlsx",
        lambda ml: list_xlsx(
            ml, list(ListEntry.objects.filter(measure_list=ml).order_by("position"))
        ).to_bytes(),
        "生成清单 XLSX 文件",
    )


def notify_published(measure_list: MeasureList) -> int:
    """Tell every region's staff, in the portal and by e-mail, that the list is out and bidding can begin."""
    from reform_portal.notifications import notify

    users = list(
        User.objects.filter(groups__name=Role.REGIONAL_STAFF, is_active=True).distinct().order_by("pk")
    )
    cycle = measure_list.cycle
    deadline = cycle.bidding_deadline
    body = _(
        "国家发展改革委、科技部已公布《%(t)s》（第%(v)s版）。请各地发展改革委、科技厅（委、局）组织揭榜，"
        "原则上每个地方年度揭榜改革任务不少于%(n)s项，揭榜截止日期为%(y)s年%(m)s月%(d)s日。"
    ) % {
        "t": measure_list.title,
        "v": measure_list.version,
        "n": cycle.min_bids,
        "y": deadline.year,
        "m": deadline.month,
        "d": deadline.day,
    }
    sent = notify(
        recipients=users,
        title=_("《%(t)s》已公布，请组织揭榜") % {"t": measure_list.title},
        body=body,
        url=reverse("catalog:public_list", args=[measure_list.pk]),
        kind="list_published",
        key=f"list_published:catalog.measurelist-{measure_list.pk}:published",
    )
    return len(sent)


def ministries() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrgKind.MINISTRY).order_by("name")


# ---- 同义词表 (the merge page's synonym table) --------------------------------------------------------------


def synonyms_changed(**kwargs: Any) -> None:
    """A synonym group was saved or deleted (connected in apps.py, so the admin and the shell count too): a new
    version makes every cycle's cached ranking stale."""
    import uuid

    from django.core.cache import cache

    cache.set(SYNONYMS_VERSION_KEY, uuid.uuid4().hex, None)


def _clean_synonym_fields(canonical: str, variants: str, *, exclude: int | None) -> tuple[str, str]:
    import re

    canonical = (canonical or "").strip()
    words = [w for w in re.split(r"[\s、，,;；]+", variants or "") if w and w != canonical]
    words = list(dict.fromkeys(words))
    errors: dict[str, list[str]] = {}
    if not canonical:
        errors["canonical"] = [_("请填写规范用语。")]
    elif len(canonical) > SYNONYM_MAX_LEN:
        errors["canonical"] = [_("规范用语不能超过40字。")]
    elif SynonymGroup.objects.filter(canonical=canonical).exclude(pk=exclude or 0).exists():
        errors["canonical"] = [_("已有以“%(w)s”为规范用语的同义词组。") % {"w": canonical}]
    if not words:
        errors["variants"] = [_("请至少填写一个同义表述。")]
    elif any(len(w) > SYNONYM_MAX_LEN for w in words):
        errors["variants"] = [_("每个同义表述不能超过40字。")]
    if errors:
        raise ValidationError(errors)
    return canonical, " ".join(words)


def synonym_save(
    *,
    group: SynonymGroup | None,
    canonical: str,
    variants: str,
    by: User,
    reason: str = "",
    revision: int | None = None,
) -> SynonymGroup:
    """Adds (``group`` None) or changes a synonym group; history keeps every version with who changed it.
    ``revision``: the version the reviewer loaded; a colleague's save in between is refused, not overwritten."""
    _check(rules.reviewer_only(by))
    canonical, words = _clean_synonym_fields(canonical, variants, exclude=group.pk if group else None)
    with transaction.atomic():
        if group is None:
            group = SynonymGroup(canonical=canonical, variants=words, updated_by=by)
            _save(group, by, reason or "新增同义词组")
        else:
            group = SynonymGroup.objects.select_for_update().get(pk=group.pk)
            if revision is not None:
                check_revision(group, revision, _("同义词组"))
            group.revision += 1
            group.canonical, group.variants, group.updated_by = canonical, words, by
            _save(group, by, reason or "修改同义词组")
    return group


def synonym_delete(*, group: SynonymGroup, by: User) -> None:
    _check(rules.reviewer_only(by))
    _delete(group, by, f"删除同义词组：{group.canonical}")

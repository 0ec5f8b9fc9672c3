"""Every write of 制定清单: one function per action, in a transaction, checking permission and state.
Views, admin and tests all call these."""
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from proposals.enums import AuthorityLevel, BookState
from proposals.models import MeasureProposal
from reform_portal.enums import OrgKind, Role
from reform_portal.models import Organization, User
from reform_portal.services import check_revision, organization_group
from reform_portal.services import check_rule as _check
from reform_portal.services import save_with_history as _save

from . import rules
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
)

MEASURE_FIELDS = ["title", "area", "description", "goals", "authority_level", "coordination_departments"]
OPEN_BOOK_STATES = [BookState.SUBMITTED, BookState.CLOSED]


def _delete(obj, by, reason):
    obj._history_user = by
    obj._change_reason = reason[:100]
    obj.delete()


def _clean_measure_fields(fields):
    data = {k: (fields.get(k) or "").strip() if isinstance(fields.get(k, ""), str) else fields.get(k)
            for k in MEASURE_FIELDS}
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


def _lock_proposals(cycle, proposals):
    ids = sorted({p.pk for p in proposals})
    locked = list(
        MeasureProposal.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("book__region", "book__cycle")
        .order_by("pk")
    )
    if len(locked) != len(ids) or not ids:
        raise ValidationError(_("请选择要合并的建议。"))
    for p in locked:
        if p.book.cycle_id != cycle.pk or p.book.state not in OPEN_BOOK_STATES:
            raise ValidationError(_("建议“%(t)s”不属于本年度已报送的建议书，不能合并。") % {"t": p.title})
    sources = dict(MeasureSource.objects.filter(proposal_id__in=ids).select_related("measure")
                   .values_list("proposal_id", "measure__title"))
    rejected = set(ProposalRejection.objects.filter(proposal_id__in=ids).values_list("proposal_id", flat=True))
    for p in locked:
        if p.pk in sources:
            raise ValidationError(_("建议“%(t)s”（%(r)s）已合并到举措“%(m)s”，一项建议只能合并到一项举措。") % {
                "t": p.title, "r": p.book.region.name, "m": sources[p.pk]})
        if p.pk in rejected:
            raise ValidationError(_("建议“%(t)s”（%(r)s）已标记为未采纳，请先撤销未采纳后再合并。") % {
                "t": p.title, "r": p.book.region.name})
    return locked


def _add_sources(measure, proposals, by):
    for p in proposals:
        source = MeasureSource(measure=measure, proposal=p, region=p.book.region, proposal_title=p.title,
                               added_by=by)
        try:
            with transaction.atomic():
                _save(source, by, f"合并建议：{p.book.region.name}·{p.title}")
        except IntegrityError as exc:  # the one-to-one is the backstop against a concurrent merge
            raise ValidationError(_("建议“%(t)s”已合并到其他举措，一项建议只能合并到一项举措。") % {
                "t": p.title}) from exc


def measure_merge(*, cycle, proposals, fields, by) -> Measure:
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


def measure_add_sources(*, measure, proposals, by) -> Measure:
    """Merge more proposals into an existing measure."""
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        locked = _lock_proposals(measure.cycle, proposals)
        _add_sources(measure, locked, by)
    return measure


def measure_unmerge(*, measure, by):
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


def measure_update(*, measure, fields, by, reason="", revision=None) -> Measure:
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
        _save(measure, by, f"修订举措（第{measure.revision}稿）" + (f"：{reason.strip()}" if reason.strip() else ""))
    return measure


def measure_set_inclusion(*, measure, included, note="", by) -> MeasureInclusion:
    """列入 / 不列入 the list (a measure is on the list unless the reviewers leave it off)."""
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        inclusion, _created = MeasureInclusion.objects.select_for_update().get_or_create(measure=measure)
        inclusion.included, inclusion.note = bool(included), note.strip()
        _save(inclusion, by, ("列入清单" if included else "不列入清单") + (f"：{note.strip()}" if note.strip() else ""))
    return inclusion


def proposal_reject(*, proposal, reason, by) -> ProposalRejection:
    """未采纳, with a reason the region reads on its dashboard."""
    _check(rules.reviewer_only(by))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写未采纳理由。")})
    with transaction.atomic():
        p = MeasureProposal.objects.select_for_update(of=("self",)).select_related("book").get(pk=proposal.pk)
        if p.book.state not in OPEN_BOOK_STATES:
            raise ValidationError(_("只能处理已报送建议书中的建议。"))
        if MeasureSource.objects.filter(proposal=p).exists():
            raise ValidationError(_("建议“%(t)s”已合并到举措，不能标记为未采纳；请先撤销合并。") % {"t": p.title})
        rejection = ProposalRejection.objects.filter(proposal=p).first() or ProposalRejection(proposal=p)
        rejection.reason, rejection.decided_by = reason.strip(), by
        _save(rejection, by, f"未采纳：{reason.strip()}")
    return rejection


def proposal_unreject(*, proposal, by):
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        rejection = ProposalRejection.objects.select_for_update().filter(proposal=proposal).first()
        if rejection is not None:
            _delete(rejection, by, "撤销未采纳")


# ---- expert review ------------------------------------------------------------------------------

def source_region_ids(measure):
    return list(measure.sources.values_list("region_id", flat=True))


def expert_assign(*, measure, expert, by) -> ExpertReview:
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
    return review


def expert_unassign(*, review, by) -> None:
    """撤回分配 (e.g. assigned by mistake, or the expert cannot review): only while unanswered; the expert
    loses access to the assignment and the measure, and the reminders for it stop with the row."""
    with transaction.atomic():
        Measure.objects.select_for_update().get(pk=review.measure_id)
        review = ExpertReview.objects.select_for_update(of=("self",)).select_related("measure", "expert").get(pk=review.pk)
        _check(rules.can_unassign(by, review))
        remove_perm(rules.VIEW_REVIEW, review.expert, review)
        remove_perm(rules.CHANGE_REVIEW, review.expert, review)
        remove_perm(rules.VIEW_MEASURE, review.expert, review.measure)
        review._history_user = by
        review._change_reason = f"撤回分配：{review.expert}"[:100]
        review.delete()


def review_submit(*, review, scores, comments, recommendation, by, now=None) -> ExpertReview:
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
        review = ExpertReview.objects.select_for_update(of=("self",)).select_related("measure").get(pk=review.pk)
        _check(rules.can_score(by, review))
        for key, _label in ExpertReview.CRITERIA:
            setattr(review, f"{key}_score", int(scores[key]))
            setattr(review, f"{key}_comment", (comments.get(key) or "").strip())
        review.recommendation = recommendation
        review.submitted_at = now or timezone.now()
        _save(review, by, "提交专家论证意见")
    return review


# ---- lists, consultation, publishing ------------------------------------------------------------

def list_title(cycle):
    return f"{cycle.year}年度全面改革创新举措清单"


def list_draft(*, cycle, by) -> MeasureList:
    """The cycle's working version (draft or out for consultation), created after the last published one."""
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        working = (MeasureList.objects.select_for_update().filter(cycle=cycle)
                   .exclude(state=ListState.PUBLISHED).order_by("-version").first())
        if working is not None:
            return working
        version = (MeasureList.objects.filter(cycle=cycle).aggregate(m=Max("version"))["m"] or 0) + 1
        measure_list = MeasureList(cycle=cycle, version=version, title=list_title(cycle))
        _save(measure_list, by, f"新建第{version}版草稿")
    return measure_list


def list_update(*, measure_list, title, by) -> MeasureList:
    _check(rules.reviewer_only(by))
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写清单标题。")})
    with transaction.atomic():
        measure_list = MeasureList.objects.select_for_update().get(pk=measure_list.pk)
        _check(rules.list_editable(measure_list))
        measure_list.title = title.strip()
        _save(measure_list, by, "修改清单标题")
    return measure_list


def consultation_send(*, measure_list, ministries, by) -> list[Consultation]:
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
            sent.append(consultation)
        if measure_list.state != ListState.CONSULTING:
            measure_list.state = ListState.CONSULTING
            _save(measure_list, by, "征求有关部门意见：" + "、".join(m.name for m in ministries))
    return sent


def opinion_give(*, consultation, measure, stance, text, by) -> DepartmentOpinion:
    if stance not in {"agree", "revise", "disagree"}:
        raise ValidationError({"stance": _("请选择意见。")})
    if stance != "agree" and not (text or "").strip():
        raise ValidationError({"text": _("修改后同意或不同意的，请填写具体意见。")})
    with transaction.atomic():
        consultation = Consultation.objects.select_related("measure_list", "ministry").get(pk=consultation.pk)
        _check(rules.can_give_opinion(by, consultation))
        if measure.cycle_id != consultation.measure_list.cycle_id:
            raise ValidationError(_("该举措不在本清单中。"))
        opinion = (DepartmentOpinion.objects.select_for_update()
                   .filter(consultation=consultation, measure=measure).first())
        if opinion is None:
            opinion = DepartmentOpinion(consultation=consultation, measure=measure)
        opinion.stance, opinion.text, opinion.given_by = stance, (text or "").strip(), by
        _save(opinion, by, f"{consultation.ministry.name}反馈意见")
    return opinion


def opinion_respond(*, opinion, response, by) -> DepartmentOpinion:
    _check(rules.reviewer_only(by))
    if not (response or "").strip():
        raise ValidationError({"response": _("请填写采纳情况说明。")})
    with transaction.atomic():
        opinion = DepartmentOpinion.objects.select_for_update().get(pk=opinion.pk)
        opinion.response, opinion.responded_by, opinion.responded_at = response.strip(), by, timezone.now()
        _save(opinion, by, "答复部门意见")
    return opinion


def included_measures(cycle):
    return (Measure.objects.filter(cycle=cycle).exclude(inclusion__included=False)
            .prefetch_related("sources__region").order_by("position", "pk"))


def list_publish(*, measure_list, by, now=None, notify=True) -> MeasureList:
    """公布: entries become frozen, numbered copies (2027-01 …); every region's staff is told bidding can begin."""
    _check(rules.reviewer_only(by))
    with transaction.atomic():
        measure_list = MeasureList.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=measure_list.pk)
        _check(rules.list_editable(measure_list))
        measures = list(included_measures(measure_list.cycle))
        if not measures:
            raise ValidationError(_("清单中没有举措，不能公布。"))
        year = measure_list.cycle.year
        for i, m in enumerate(measures, start=1):
            regions = "、".join(dict.fromkeys(s.region.name for s in m.sources.all()))
            entry = ListEntry(measure_list=measure_list, measure=m, number=f"{year}-{i:02d}", position=i,
                              source_regions=regions, **{k: getattr(m, k) for k in MEASURE_FIELDS})
            _save(entry, by, "公布清单")
        measure_list.state = ListState.PUBLISHED
        measure_list.published_at, measure_list.published_by = now or timezone.now(), by
        _save(measure_list, by, f"公布第{measure_list.version}版（{len(measures)}项举措）")
        pk = measure_list.pk
        if notify:
            transaction.on_commit(lambda: notify_published(MeasureList.objects.get(pk=pk)))
        transaction.on_commit(lambda: _queue_list_pdf(pk))
    return measure_list


def _queue_list_pdf(pk):
    from .tasks import store_list_pdf

    store_list_pdf.delay(measure_list_id=pk)


def list_pdf_bytes(*, measure_list) -> bytes:
    """The PDF of a published version. A published version is frozen, so the PDF is rendered once and stored
    (``lists/<pk>-<sha256 prefix>.pdf``, digest in ``pdf_sha256``); later calls read the stored file. A file
    that is missing or fails its digest is rendered again (it is derived from the frozen entries)."""
    data = _stored_pdf(measure_list)
    if data is not None:
        return data
    from .documents import render_list_pdf

    with transaction.atomic():  # the row lock makes concurrent first downloads render once
        measure_list = MeasureList.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=measure_list.pk)
        if not measure_list.is_published:
            raise ValidationError(_("清单尚未公布。"))
        data = _stored_pdf(measure_list)
        if data is not None:
            return data
        data = render_list_pdf(measure_list, list(measure_list.entries.order_by("position")))
        measure_list.pdf_sha256 = hashlib.sha256(data).hexdigest()
        measure_list.pdf.save(f"{measure_list.pk}-{measure_list.pdf_sha256[:16]}.pdf", ContentFile(data), save=False)
        _save(measure_list, None, "生成清单 PDF 文件")
    return data


def _stored_pdf(measure_list) -> bytes | None:
    if not measure_list.pdf:
        return None
    try:
        with measure_list.pdf.open("rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    return data if hashlib.sha256(data).hexdigest() == measure_list.pdf_sha256 else None


def notify_published(measure_list) -> int:
    """Tell every region's staff, in the portal and by e-mail, that the list is out and bidding can begin."""
    from reform_portal.notifications import notify

    users = list(User.objects.filter(groups__name=Role.REGIONAL_STAFF, is_active=True).distinct().order_by("pk"))
    cycle = measure_list.cycle
    deadline = cycle.bidding_deadline
    body = _(
        "国家发展改革委、科技部已公布《%(t)s》（第%(v)s版）。请各地发展改革委、科技厅（委、局）组织揭榜，"
        "原则上每个地方年度揭榜改革任务不少于%(n)s项，揭榜截止日期为%(y)s年%(m)s月%(d)s日。"
    ) % {"t": measure_list.title, "v": measure_list.version, "n": cycle.min_bids,
         "y": deadline.year, "m": deadline.month, "d": deadline.day}
    sent = notify(recipients=users, title=_("《%(t)s》已公布，请组织揭榜") % {"t": measure_list.title}, body=body,
                  url=reverse("catalog:public_list", args=[measure_list.pk]), kind="list_published")
    return len(sent)


def ministries():
    return Organization.objects.filter(kind=OrgKind.MINISTRY).order_by("name")

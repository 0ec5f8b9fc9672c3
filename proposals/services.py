"""Every write to a 建议书: one function per action, in a transaction, checking permission, state and
the deadline (``deadline_for``) on the server. Views, admin and tests all call these."""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from reform_portal.enums import OrgKind
from reform_portal.models import Organization
from reform_portal.services import check_revision, organization_group
from reform_portal.services import check_rule as _check
from reform_portal.services import save_with_history as _save
from reform_portal.uploads import stored_name, validate_upload

from . import rules
from .enums import AuthorityLevel, BookState
from .models import ExpectedResult, MeasureProposal, ProposalAttachment, ProposalBook

PROPOSAL_FIELDS = [
    "title", "area", "keywords", "pain_points", "content", "steps", "new_entities", "authority_level",
    "coordination_departments", "consulted_bases", "consulted_enterprises", "consulted_universities",
    "consulted_institutes", "consulted_departments",
]


def _locked(book):
    return ProposalBook.objects.select_for_update(of=("self",)).select_related("cycle", "region").get(pk=book.pk)


def _touch(book, by, reason):
    """An edit: new version, both sign-offs cleared (they confirmed the previous version)."""
    book.new_version()
    _save(book, by, reason)


def grant_region_access(book):
    """The region's two departments (and only they) may see and edit the book."""
    for org in Organization.objects.filter(region=book.region, kind__in=OrgKind.regional_departments()):
        group = organization_group(org)
        assign_perm(rules.VIEW, group, book)
        assign_perm(rules.CHANGE, group, book)


def book_get_or_create(*, cycle, region, by) -> ProposalBook:
    """The region's book for the cycle, created (with its object permissions) on first visit. When both
    departments open it for the first time at the same moment, the second insert meets the unique (cycle,
    region) constraint inside a savepoint and returns the book the first one created."""
    book = ProposalBook.objects.filter(cycle=cycle, region=region).first()
    if book is not None:
        return book
    try:
        with transaction.atomic():
            book = ProposalBook(cycle=cycle, region=region, contact_name=by.full_name, contact_phone=by.phone)
            book._history_user = by
            book._change_reason = "创建建议书"
            book.save()
            grant_region_access(book)
    except IntegrityError:
        return ProposalBook.objects.get(cycle=cycle, region=region)
    return book


def book_update_cover(*, book, contact_name, contact_phone, summary, by, now=None) -> ProposalBook:
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_edit(by, book, now))
        book.contact_name, book.contact_phone, book.summary = contact_name, contact_phone, summary
        _touch(book, by, "修改封面信息")
    return book


def _apply(proposal, fields, entities, results):
    for name in PROPOSAL_FIELDS:
        if name in fields:
            setattr(proposal, name, fields[name])
    if proposal.authority_level != AuthorityLevel.NATIONAL:
        proposal.coordination_departments = ""


def _write_children(proposal, entities, results, by):
    proposal.entities.set(entities)
    proposal.results.all().delete()
    for row in results:
        result = ExpectedResult(proposal=proposal, indicator=row["indicator"], unit=row["unit"],
                                target=row["target"])
        result._history_user = by
        result.save()


def proposal_create(*, book, fields, entities=(), results=(), by, now=None) -> MeasureProposal:
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_edit(by, book, now))
        count = book.proposals.count()
        if count >= book.cycle.max_proposals:
            raise ValidationError(
                _("每个地方每年提出%(min)s—%(max)s项改革举措建议，已有%(n)s项，不能再新增。")
                % {"min": book.cycle.min_proposals, "max": book.cycle.max_proposals, "n": count}
            )
        position = (book.proposals.aggregate(m=Max("position"))["m"] or 0) + 1
        proposal = MeasureProposal(book=book, position=position)
        _apply(proposal, fields, entities, results)
        if book.proposals.filter(title=proposal.title).exists():
            raise ValidationError(_("本建议书已有举措“%(t)s”，请勿重复提交。") % {"t": proposal.title})
        _save(proposal, by, "新增举措")
        _write_children(proposal, entities, results, by)
        _touch(book, by, f"新增举措：{proposal.title}")
    return proposal


def proposal_update(*, proposal, revision, fields, entities=(), results=(), by, now=None) -> MeasureProposal:
    """Optimistic lock: ``revision`` is what the editor loaded; someone else's save in between is refused
    (the view keeps the user's text on the page)."""
    with transaction.atomic():
        book = _locked(proposal.book)
        _check(rules.can_edit(by, book, now))
        current = MeasureProposal.objects.select_for_update().get(pk=proposal.pk)
        check_revision(current, revision, _("举措"))
        _apply(current, fields, entities, results)
        current.revision += 1
        _save(current, by, "修改举措")
        _write_children(current, entities, results, by)
        _touch(book, by, f"修改举措：{current.title}")
    return current


def proposal_delete(*, proposal, by, now=None):
    with transaction.atomic():
        book = _locked(proposal.book)
        _check(rules.can_edit(by, book, now))
        title = proposal.title
        proposal._history_user = by
        proposal.delete()
        for i, p in enumerate(book.proposals.order_by("position", "pk"), start=1):
            if p.position != i:
                p.position = i
                _save(p, by, "调整顺序")
        _touch(book, by, f"删除举措：{title}")


def proposal_move(*, proposal, direction, by, now=None):
    """Swap with the neighbour above (``up``) or below (``down``)."""
    with transaction.atomic():
        book = _locked(proposal.book)
        _check(rules.can_edit(by, book, now))
        items = list(book.proposals.order_by("position", "pk"))
        index = next(i for i, p in enumerate(items) if p.pk == proposal.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for i, p in enumerate(items, start=1):
            if p.position != i:
                p.position = i
                _save(p, by, "调整顺序")
        _touch(book, by, f"调整举措顺序：{proposal.title}")


def attachment_add(*, proposal, upload, by, now=None) -> ProposalAttachment:
    kind, _mime = validate_upload(upload)
    with transaction.atomic():
        book = _locked(proposal.book)
        _check(rules.can_edit(by, book, now))
        att = ProposalAttachment(proposal=proposal, original_name=upload.name[:200], kind=kind, size=upload.size,
                                 uploaded_by=by)
        att.file.save(stored_name(str(book.pk), upload.name), upload, save=False)
        _save(att, by, "上传附件")
        _touch(book, by, f"上传附件：{att.original_name}")
    return att


def attachment_delete(*, attachment, by, now=None):
    with transaction.atomic():
        book = _locked(attachment.proposal.book)
        _check(rules.can_edit(by, book, now))
        name = attachment.original_name
        attachment._history_user = by
        attachment.delete()
        transaction.on_commit(lambda f=attachment.file: f.delete(save=False))
        _touch(book, by, f"删除附件：{name}")


def submission_problems(book) -> list[str]:
    """Everything that stops the book from being submitted, in Chinese, for the page and the service."""
    problems = []
    cycle = book.cycle
    proposals = list(book.proposals.all())
    n = len(proposals)
    if not cycle.min_proposals <= n <= cycle.max_proposals:
        problems.append(
            _("改革举措数量须为%(min)s—%(max)s项，当前为%(n)s项。") % {"min": cycle.min_proposals,
                                                             "max": cycle.max_proposals, "n": n}
        )
    for label, value in [(_("联系人"), book.contact_name), (_("联系电话"), book.contact_phone),
                         (_("总体说明"), book.summary)]:
        if not value.strip():
            problems.append(_("封面：请填写“%(f)s”。") % {"f": label})
    for p in proposals:
        for label in proposal_missing(p):
            problems.append(_("举措%(n)s“%(t)s”：缺少“%(f)s”。") % {"n": p.position, "t": p.title, "f": label})
    return problems


def proposal_missing(p) -> list[str]:
    """Labels of required fields still empty (uses prefetched entities/results when present)."""
    m = MeasureProposal._meta
    missing = [str(m.get_field(f).verbose_name) for f in
               ("area", "pain_points", "content", "steps", "authority_level", "consulted_departments")
               if not str(getattr(p, f)).strip()]
    if p.authority_level == AuthorityLevel.NATIONAL and not p.coordination_departments.strip():
        missing.append(str(m.get_field("coordination_departments").verbose_name))
    if not any(getattr(p, f).strip() for f in ("consulted_bases", "consulted_enterprises",
                                                "consulted_universities", "consulted_institutes")):
        missing.append(_("征求意见的单位（双创示范基地、创新型企业、高等院校、科研院所至少一类）"))
    if not list(p.entities.all()) and not p.new_entities.strip():
        missing.append(str(m.get_field("entities").verbose_name))
    if not list(p.results.all()):
        missing.append(_("预期成效（指标、单位、目标值）"))
    return missing


def book_sign(*, book, by, version=None, now=None) -> ProposalBook:
    """确认联合报送 by the user's department, on the current version. ``version`` is the one the user read
    (the page sends it): if the book was edited since, the confirmation is refused, so nobody confirms a
    version they have not seen."""
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_sign(by, book, now))
        book.check_seen_version(version, _("建议书"))
        label = book.record_sign_off(rules.department_of(by, book), by, timezone.now())
        _save(book, by, f"确认联合报送（{label}，第{book.version}版）")
    return book


def book_submit(*, book, by, now=None) -> ProposalBook:
    """报送: both departments confirmed this version, 3–5 complete proposals, before the deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_submit(by, book, now))
        problems = submission_problems(book)
        if not book.drc_signed_by_id or not book.std_signed_by_id:
            problems.insert(0, _("须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。"))
        if problems:
            raise ValidationError(problems)
        book.state = BookState.SUBMITTED
        book.submitted_at, book.submitted_by = now, by
        _save(book, by, "报送")
    return book


def book_withdraw(*, book, by, now=None) -> ProposalBook:
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_withdraw(by, book, now))
        book.state = BookState.DRAFT
        book.submitted_at = book.submitted_by = None
        _save(book, by, "撤回报送")
    return book


def book_return(*, book, reason, by) -> ProposalBook:
    """退回修改: the region edits and both departments confirm again before resubmitting."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请填写退回理由。")})
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_return(by, book))
        book.state = BookState.RETURNED
        book.return_reason = reason.strip()
        book.clear_sign_offs()
        _save(book, by, f"退回修改：{reason.strip()[:80]}")
    return book

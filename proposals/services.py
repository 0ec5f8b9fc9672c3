"""Every write to a 建议书: one function per action, in a transaction, checking permission, state and
the deadline (``deadline_for``) on the server. Views, admin and tests all call these."""

import datetime
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Field, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.models import Organization, ReformCycle, Region, User
from reform_portal.services import check_revision, grant_region_departments, joint_sign
from reform_portal.services import check_rule as _check
from reform_portal.services import save_with_history as _save
from reform_portal.transitions import transition
from reform_portal.uploads import stored_name, validate_upload

from . import handoffs, rules
from .enums import AuthorityLevel
from .models import ExpectedResult, MeasureProposal, ProposalAttachment, ProposalBook
from .transitions import BOOK

PROPOSAL_FIELDS = [
    "title",
    "area",
    "keywords",
    "pain_points",
    "content",
    "steps",
    "new_entities",
    "authority_level",
    "coordination_departments",
    "consulted_bases",
    "consulted_enterprises",
    "consulted_universities",
    "consulted_institutes",
    "consulted_departments",
]


def _locked(book: ProposalBook) -> ProposalBook:
    return (
        ProposalBook.objects.select_for_update(of=("self",)).select_related("cycle", "region").get(pk=book.pk)
    )


def _touch(book: ProposalBook, by: User, reason: str) -> None:
    """An edit: new version, both sign-offs cleared (they confirmed the previous version)."""
    book.new_version()
    _save(book, by, reason)


def book_get_or_create(*, cycle: ReformCycle, region: Region, by: User) -> ProposalBook:
    """The region's book for the cycle, created (with its object permissions) on first visit. When both
    departments open it for the first time at the same moment, the second insert meets the unique (cycle,
    region) constraint inside a savepoint and returns the book the first one created."""
    book = ProposalBook.objects.filter(cycle=cycle, region=region).first()
    if book is not None:
        return book
    try:
        with transaction.atomic():
            book = ProposalBook(cycle=cycle, region=region, contact_name=by.full_name, contact_phone=by.phone)
            # simple-history reads these attributes when it writes the history row (the package has no stubs).
            book._history_user = by  # type: ignore[attr-defined]
            book._change_reason = "创建建议书"  # type: ignore[attr-defined]
            book.save()
            grant_region_departments(book, [rules.VIEW, rules.CHANGE])
    except IntegrityError:
        return ProposalBook.objects.get(cycle=cycle, region=region)
    return book


def book_update_cover(
    *,
    book: ProposalBook,
    contact_name: str,
    contact_phone: str,
    summary: str,
    by: User,
    revision: int | None = None,
    now: datetime.datetime | None = None,
    doc_number: str | None = None,
    drc_signer: str | None = None,
    scitech_signer: str | None = None,
) -> ProposalBook:
    """Optimistic lock: ``revision`` is the book version the editor loaded; a save by anyone in between (the
    other department's cover or a proposal) is refused, and the view keeps the typed text. ``doc_number`` and the
    two 签发人 (the 上行文's 版头) are left as they are when None."""
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_edit(by, book, now))
        if revision is not None:  # None: not from a page (scripts, the demo), saved unchecked as elsewhere
            check_revision(book, revision, _("建议书"))
        book.contact_name, book.contact_phone, book.summary = contact_name, contact_phone, summary
        for name, value in (
            ("doc_number", doc_number),
            ("drc_signer", drc_signer),
            ("scitech_signer", scitech_signer),
        ):
            if value is not None:
                setattr(book, name, value)
        _touch(book, by, "修改封面信息")
    return book


def _apply(
    proposal: MeasureProposal,
    fields: Mapping[str, Any],
    entities: Iterable[Organization],
    results: Iterable[Mapping[str, Any]],
) -> None:
    for name in PROPOSAL_FIELDS:
        if name in fields:
            setattr(proposal, name, fields[name])
    if proposal.authority_level != AuthorityLevel.NATIONAL:
        proposal.coordination_departments = ""


def _write_children(
    proposal: MeasureProposal,
    entities: Iterable[Organization],
    results: Iterable[Mapping[str, Any]],
    by: User,
) -> None:
    proposal.entities.set(entities)
    proposal.results.all().delete()
    for row in results:
        result = ExpectedResult(
            proposal=proposal, indicator=row["indicator"], unit=row["unit"], target=row["target"]
        )
        result._history_user = by  # type: ignore[attr-defined]  # simple-history's (no stubs)
        result.save()


def proposal_create(
    *,
    book: ProposalBook,
    fields: Mapping[str, Any],
    entities: Iterable[Organization] = (),
    results: Iterable[Mapping[str, Any]] = (),
    by: User,
    now: datetime.datetime | None = None,
) -> MeasureProposal:
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


def proposal_update(
    *,
    proposal: MeasureProposal,
    revision: int | None,
    fields: Mapping[str, Any],
    entities: Iterable[Organization] = (),
    results: Iterable[Mapping[str, Any]] = (),
    by: User,
    now: datetime.datetime | None = None,
) -> MeasureProposal:
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


def proposals_import(
    *,
    book: ProposalBook,
    items: Iterable[Mapping[str, Any]],
    revision: int | None,
    by: User,
    now: datetime.datetime | None = None,
) -> tuple[int, int]:
    """Excel import (proposals.imports): each item's ``fields``, ``entities`` and ``results`` (None: keep the
    proposal's results) update the book's proposal of the same title or add one; nothing is deleted. All or
    nothing, in one transaction; refused when the book changed since the preview (``revision``, the book
    version the preview was made on), when it may not be edited, or past ``max_proposals``. Returns (added,
    updated)."""
    items = list(items)
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_edit(by, book, now))
        check_revision(book, revision, _("建议书"))
        existing = {p.title: p for p in book.proposals.select_for_update()}
        new = [item for item in items if item["fields"]["title"] not in existing]
        if new and len(existing) + len(new) > book.cycle.max_proposals:
            raise ValidationError(
                _("每个地方每年提出%(min)s—%(max)s项改革举措建议，导入后将有%(n)s项，不能导入。")
                % {
                    "min": book.cycle.min_proposals,
                    "max": book.cycle.max_proposals,
                    "n": len(existing) + len(new),
                }
            )
        position = book.proposals.aggregate(m=Max("position"))["m"] or 0
        for item in items:
            proposal = existing.get(item["fields"]["title"])
            if proposal is None:
                position += 1
                proposal = MeasureProposal(book=book, position=position)
                reason = "从Excel导入：新增举措"
            else:
                proposal.revision += 1
                reason = "从Excel导入：修改举措"
            _apply(proposal, item["fields"], item["entities"], ())
            _save(proposal, by, reason)
            proposal.entities.set(item["entities"])
            if item.get("results") is not None:
                _write_children(proposal, item["entities"], item["results"], by)
        _touch(book, by, f"从Excel导入举措：新增{len(new)}项，修改{len(items) - len(new)}项")
    return len(new), len(items) - len(new)


def proposal_delete(*, proposal: MeasureProposal, by: User, now: datetime.datetime | None = None) -> None:
    with transaction.atomic():
        book = _locked(proposal.book)
        _check(rules.can_edit(by, book, now))
        title = proposal.title
        proposal._history_user = by  # type: ignore[attr-defined]  # simple-history's (no stubs)
        proposal.delete()
        for i, p in enumerate(book.proposals.order_by("position", "pk"), start=1):
            if p.position != i:
                p.position = i
                _save(p, by, "调整顺序")
        _touch(book, by, f"删除举措：{title}")


def proposal_move(
    *, proposal: MeasureProposal, direction: str, by: User, now: datetime.datetime | None = None
) -> None:
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


def _sha256(stream: Any) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def attachment_add(
    *, proposal: MeasureProposal, upload: UploadedFile, by: User, now: datetime.datetime | None = None
) -> ProposalAttachment:
    kind, _mime = validate_upload(upload)
    # validate_upload accepted the file, so it has a name and a size.
    assert upload.name is not None and upload.size is not None
    digest = _sha256(upload)
    with transaction.atomic():
        book = _locked(proposal.book)
        _check(rules.can_edit(by, book, now))
        # The same file posted twice (a double click, a resend after a slow answer): one copy, the first. The book
        # lock serialises the two requests, so the second sees the first's row.
        for existing in proposal.attachments.filter(original_name=upload.name[:200], size=upload.size):
            with existing.file.open("rb") as stored:
                if _sha256(stored) == digest:
                    existing.duplicate = True  # type: ignore[attr-defined]  # for the view's message
                    return existing
        att = ProposalAttachment(
            proposal=proposal, original_name=upload.name[:200], kind=kind, size=upload.size, uploaded_by=by
        )
        att.file.save(stored_name(str(book.pk), upload.name), upload, save=False)
        _save(att, by, "上传附件")
        _touch(book, by, f"上传附件：{att.original_name}")
    return att


def attachment_delete(
    *, attachment: ProposalAttachment, by: User, now: datetime.datetime | None = None
) -> None:
    with transaction.atomic():
        book = _locked(attachment.proposal.book)
        _check(rules.can_edit(by, book, now))
        name = attachment.original_name
        attachment._history_user = by  # type: ignore[attr-defined]  # simple-history's (no stubs)
        attachment.delete()
        stored = attachment.file
        transaction.on_commit(lambda: stored.delete(save=False))
        _touch(book, by, f"删除附件：{name}")


def submission_problems(book: ProposalBook) -> list[str]:
    """Everything that stops the book from being submitted, in Chinese, for the page and the service."""
    problems = []
    cycle = book.cycle
    proposals = list(book.proposals.all())
    n = len(proposals)
    if not cycle.min_proposals <= n <= cycle.max_proposals:
        problems.append(
            _("改革举措数量须为%(min)s—%(max)s项，当前为%(n)s项。")
            % {"min": cycle.min_proposals, "max": cycle.max_proposals, "n": n}
        )
    for label, value in [
        (_("联系人"), book.contact_name),
        (_("联系电话"), book.contact_phone),
        (_("总体说明"), book.summary),
    ]:
        if not value.strip():
            problems.append(_("封面：请填写“%(f)s”。") % {"f": label})
    for p in proposals:
        for label in proposal_missing(p):
            problems.append(
                _("举措%(n)s“%(t)s”：缺少“%(f)s”。") % {"n": p.position, "t": p.title, "f": label}
            )
    return problems


def proposal_missing(p: MeasureProposal) -> list[str]:
    """Labels of required fields still empty (uses prefetched entities/results when present)."""
    m = MeasureProposal._meta
    missing = [
        str(cast(Field, m.get_field(f)).verbose_name)  # concrete fields (get_field may return a relation)
        for f in ("area", "pain_points", "content", "steps", "authority_level", "consulted_departments")
        if not str(getattr(p, f)).strip()
    ]
    if p.authority_level == AuthorityLevel.NATIONAL and not p.coordination_departments.strip():
        missing.append(str(m.get_field("coordination_departments").verbose_name))
    if not any(
        getattr(p, f).strip()
        for f in (
            "consulted_bases",
            "consulted_enterprises",
            "consulted_universities",
            "consulted_institutes",
        )
    ):
        missing.append(_("征求意见的单位（双创示范基地、创新型企业、高等院校、科研院所至少一类）"))
    if not list(p.entities.all()) and not p.new_entities.strip():
        missing.append(str(m.get_field("entities").verbose_name))
    if not list(p.results.all()):
        missing.append(_("预期成效（指标、单位、目标值）"))
    return missing


def book_sign(
    *, book: ProposalBook, by: User, version: int | None = None, now: datetime.datetime | None = None
) -> ProposalBook:
    """确认联合报送 by the user's department, on the current version. ``version`` is the one the user read
    (the page sends it): if the book was edited since, the confirmation is refused, so nobody confirms a
    version they have not seen."""
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_sign(by, book, now))
        joint_sign(
            book, by=by, department=rules.department_of(by, book), version=version, document=_("建议书")
        )
        handoffs.book_signed(book, by=by)
    return book


def book_submit(*, book: ProposalBook, by: User, now: datetime.datetime | None = None) -> ProposalBook:
    """报送: both departments confirmed this version, 3–5 complete proposals, before the deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_submit(by, book, now))
        problems = book.sign_off_problems() + submission_problems(book)
        if problems:
            raise ValidationError(problems)
        transition(book, "submit", by, flow=BOOK)
        book.submitted_at, book.submitted_by = now, by
        _save(book, by, "报送")
        handoffs.book_submitted(book, by=by)
    return book


def book_withdraw(*, book: ProposalBook, by: User, now: datetime.datetime | None = None) -> ProposalBook:
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_withdraw(by, book, now))
        transition(book, "withdraw", by, flow=BOOK)
        book.submitted_at = book.submitted_by = None
        _save(book, by, "撤回报送")
    return book


def book_return(*, book: ProposalBook, reason: str, by: User) -> ProposalBook:
    """退回修改: the region edits and both departments confirm again before resubmitting."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请填写退回理由。")})
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_return(by, book))
        transition(book, "return", by, flow=BOOK)
        book.return_reason = reason.strip()
        book.clear_sign_offs()
        _save(book, by, f"退回修改：{reason.strip()[:80]}")
        handoffs.book_returned(book, reason=reason, by=by)
    return book


def book_close(*, book: ProposalBook, by: User) -> ProposalBook:
    """进入汇总 (结束征集): a submitted book is frozen for consolidation — no edit, withdraw, delete or
    attachment change from then on (the rules read the state table)."""
    with transaction.atomic():
        book = _locked(book)
        _check(rules.can_close(by, book))
        transition(book, "close", by, flow=BOOK)
        _save(book, by, "结束征集，进入汇总")
    return book

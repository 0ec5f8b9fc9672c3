"""Every write of stage 3 悬榜揭榜: one function per action, in a transaction, checking permission, state
and the deadline (``deadline_for``) on the server. Views, Celery tasks, the demo and tests call these."""

import datetime
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from catalog.enums import ListState
from catalog.models import ListEntry, MeasureList
from reform_portal import pdf, tallies
from reform_portal.enums import OrgKind, OutboxState, Role
from reform_portal.models import DocNumberRegister, Organization, OutboxMessage, ReformCycle, Region, User
from reform_portal.outbox import enqueue
from reform_portal.selectors import entity_library
from reform_portal.services import (
    check_revision,
    grant_region_departments,
    joint_sign,
    local_today,
    organization_group,
)
from reform_portal.services import check_rule as _check
from reform_portal.services import save_with_history as _save
from reform_portal.transitions import transition
from reform_portal.uploads import same_stored_file, stored_name, validate_upload

from . import handoffs, rules, selectors
from .enums import BidSetState, MilestoneStatus, TaskState
from .models import (
    Bid,
    BidSet,
    CoordinationRequest,
    Milestone,
    MilestoneUpdate,
    NoticeBatch,
    ProgressReport,
    ReportAttachment,
    Target,
    TargetActual,
    Task,
    TaskNotice,
)
from .transitions import BID_SET, COORDINATION, TASK

BID_FIELDS = ["approach", "entity_kinds", "entity_names", "contact_name", "contact_phone"]
MILESTONE_FIELDS = [
    "title",
    "due_date",
    "deliverable",
    "responsible_name",
    "responsible_post",
    "responsible_phone",
    "responsible_email",
]
TARGET_FIELDS = ["indicator", "unit", "baseline", "target"]


def _reviewer(by: User) -> None:
    if not by.has_role(Role.NATIONAL_REVIEWER):
        raise PermissionDenied(_("只有国家审核人员可以办理此事项。"))


# ---- the published list --------------------------------------------------------------------------


def _published_versions(cycle: ReformCycle) -> QuerySet[MeasureList]:
    """The cycle's published versions of the 年度举措清单, the latest first."""
    return MeasureList.objects.filter(cycle=cycle, state=ListState.PUBLISHED).order_by("-version")


def published_list(cycle: ReformCycle | None) -> MeasureList | None:
    """The cycle's latest published version of the 年度举措清单 (bids are on its entries), or None."""
    return _published_versions(cycle).first() if cycle else None


def bidding_cycle() -> ReformCycle | None:
    """The latest cycle with a published list (the one regions bid in and reviewers aggregate)."""
    return ReformCycle.objects.filter(measure_lists__state=ListState.PUBLISHED).order_by("-year").first()


# ---- 揭榜: the region's bid set --------------------------------------------------------------------


def bid_set_get_or_create(*, cycle: ReformCycle, region: Region, by: User) -> BidSet:
    """The region's bid set, created on first visit; a simultaneous first visit of the other department
    meets the unique (cycle, region) constraint in a savepoint and gets the same row."""
    bid_set = BidSet.objects.filter(cycle=cycle, region=region).first()
    if bid_set is not None:
        return bid_set
    try:
        with transaction.atomic():
            bid_set = BidSet(cycle=cycle, region=region)
            _save(bid_set, by, "创建揭榜申报")
            grant_region_departments(bid_set, [rules.VIEW_BIDSET, rules.CHANGE_BIDSET])
    except IntegrityError:
        return BidSet.objects.get(cycle=cycle, region=region)
    return bid_set


def _locked_set(bid_set: BidSet) -> BidSet:
    return BidSet.objects.select_for_update(of=("self",)).select_related("cycle", "region").get(pk=bid_set.pk)


def _touch(bid_set: BidSet, by: User, reason: str) -> None:
    """An edit: new version; both sign-offs cleared (they confirmed the previous version)."""
    bid_set.new_version()
    _save(bid_set, by, reason)


def _check_entry(bid_set: BidSet, entry: ListEntry) -> None:
    current = published_list(bid_set.cycle)
    if current is None or entry.measure_list_id != current.pk:
        raise ValidationError(_("只能认领本年度最新公布的举措清单中的条目。"))


def _clean_kinds(kinds: Iterable[str]) -> list[str]:
    allowed = [str(k) for k in OrgKind.implementing()]
    kinds = [str(k) for k in kinds]
    if not kinds:
        raise ValidationError({"entity_kinds": _("请至少选择一类拟定实施主体。")})
    if any(k not in allowed for k in kinds):
        raise ValidationError(
            {
                "entity_kinds": _(
                    "实施主体类型须为同级职能部门、地方政府、企业、创新型企业、双创示范基地、高等院校或科研院所。"
                )
            }
        )
    return [k for k in allowed if k in kinds]


def bid_save(
    *,
    bid_set: BidSet,
    entry: ListEntry,
    fields: Mapping[str, Any],
    by: User,
    now: datetime.datetime | None = None,
    revision: int | None = None,
) -> Bid:
    """Claim an entry (or change the claim): approach, intended implementing entities, contact.
    ``revision``: the version of the claim the editor loaded (the form sends it); a change saved by the other
    department in between is refused, not overwritten."""
    with transaction.atomic():
        bid_set = _locked_set(bid_set)
        _check(rules.can_edit_bids(by, bid_set, now))
        _check_entry(bid_set, entry)
        bid = Bid.objects.filter(bid_set=bid_set, entry=entry).first() or Bid(bid_set=bid_set, entry=entry)
        created = bid.pk is None
        if not created and revision is not None:
            check_revision(bid, revision, _("揭榜事项"))
        if not created:
            bid.revision += 1
        for name in BID_FIELDS:
            if name in fields:
                setattr(bid, name, fields[name])
        bid.entity_kinds = _clean_kinds(bid.entity_kinds)
        if not bid.approach.strip():
            raise ValidationError({"approach": _("请填写改革思路。")})
        _save(bid, by, "揭榜" if created else "修改揭榜事项")
        _touch(bid_set, by, f"{'揭榜' if created else '修改'}：{entry.number} {entry.title}")
    return bid


def bid_delete(
    *, bid: Bid, by: User, now: datetime.datetime | None = None, revision: int | None = None
) -> None:
    """取消揭榜. ``revision``: the claim's revision the caller read, if any; a change saved since is refused."""
    with transaction.atomic():
        bid_set = _locked_set(bid.bid_set)
        _check(rules.can_edit_bids(by, bid_set, now))
        if revision is not None:
            check_revision(Bid.objects.get(pk=bid.pk), revision, _("揭榜事项"))
        label = f"{bid.entry.number} {bid.entry.title}"
        bid._history_user = by  # type: ignore[attr-defined]  # simple-history's (no stubs)
        bid.delete()
        _touch(bid_set, by, f"取消揭榜：{label}")


def bid_set_problems(bid_set: BidSet) -> list[str]:
    n = bid_set.bids.count()
    if n < bid_set.cycle.min_bids:
        return [
            _("每个地方年度揭榜改革任务不少于%(min)s项，当前为%(n)s项。")
            % {"min": bid_set.cycle.min_bids, "n": n}
        ]
    return []


def bid_set_sign(
    *, bid_set: BidSet, by: User, now: datetime.datetime | None = None, version: int | None = None
) -> BidSet:
    """确认联合报送 by the user's department, on the current version. ``version`` is the version the signer's
    page showed: if the other department changed the claims since, the confirmation is refused, not applied
    to claims the signer has not seen (None: not from a page)."""
    with transaction.atomic():
        bid_set = _locked_set(bid_set)
        _check(rules.can_sign(by, bid_set, now))
        joint_sign(
            bid_set,
            by=by,
            department=rules.department_of(by, bid_set.region_id),
            version=version,
            document=_("揭榜申报"),
        )
        handoffs.bid_set_signed(bid_set, by=by)
    return bid_set


def bid_set_submit(*, bid_set: BidSet, by: User, now: datetime.datetime | None = None) -> BidSet:
    """报送: ≥ cycle.min_bids claims, both departments confirmed this version, inside the window."""
    now = now or timezone.now()
    with transaction.atomic():
        bid_set = _locked_set(bid_set)
        _check(rules.can_edit_bids(by, bid_set, now))
        problems = bid_set.sign_off_problems() + bid_set_problems(bid_set)
        if problems:
            raise ValidationError(problems)
        transition(bid_set, "submit", by, flow=BID_SET)
        bid_set.submitted_at, bid_set.submitted_by = now, by
        _save(bid_set, by, "报送揭榜申报")
        tallies.invalidate(bid_set.cycle_id, selectors.MATRIX_TALLY)
        handoffs.bids_submitted(bid_set, by=by)
    return bid_set


def bid_set_withdraw(*, bid_set: BidSet, by: User, now: datetime.datetime | None = None) -> BidSet:
    """撤回报送 back to 草稿 inside the window and before any award, to correct the claims and report again.
    Sign-offs stay with the version they confirmed; the next edit clears them as always."""
    with transaction.atomic():
        bid_set = _locked_set(bid_set)
        _check(rules.can_withdraw_bids(by, bid_set, now))
        transition(bid_set, "withdraw", by, flow=BID_SET)
        bid_set.submitted_at = bid_set.submitted_by = None
        _save(bid_set, by, "撤回揭榜申报")
        tallies.invalidate(bid_set.cycle_id, selectors.MATRIX_TALLY)
    return bid_set


# ---- 汇总揭榜结果: awards ------------------------------------------------------------------------------


def tasks_award(*, cycle: ReformCycle, bids: Iterable[Bid], by: User) -> list[Task]:
    """确认揭榜: a Task per (region, entry) of the chosen bids of submitted bid sets."""
    _reviewer(by)
    created = []
    with transaction.atomic():
        for bid in (
            Bid.objects.select_related("bid_set__region", "entry")
            .filter(pk__in=[b.pk for b in bids])
            .order_by("bid_set__region__code", "entry__position")
        ):
            bid_set = bid.bid_set
            if bid_set.cycle_id != cycle.pk or bid_set.state != BidSetState.SUBMITTED:
                raise ValidationError(_("只能确认已报送的揭榜申报中的事项。"))
            if TaskNotice.objects.filter(cycle=cycle, region=bid_set.region).exists():
                raise ValidationError(
                    _("%(r)s的揭榜任务通知书已下达，不能再追加任务。") % {"r": bid_set.region}
                )
            if Task.objects.filter(region=bid_set.region, entry=bid.entry).exists():
                continue
            task = Task(cycle=cycle, region=bid_set.region, entry=bid.entry, bid=bid, awarded_by=by)
            _save(task, by, "确认揭榜")
            grant_region_departments(task, [rules.VIEW_TASK, rules.CHANGE_TASK])
            created.append(task)
        tallies.invalidate(cycle, selectors.MATRIX_TALLY)
        handoffs.tasks_awarded(created, by=by)
    return created


# ---- 揭榜任务通知书 ---------------------------------------------------------------------------------


def notice_doc_number(year: int, sequence: int) -> str:
    """The 发文字号 of a 揭榜任务通知书, e.g. 发改高技〔2027〕12号 (prefix from settings.PORTAL_NOTICE_NUMBER_PREFIX)."""
    return pdf.format_doc_number(settings.PORTAL_NOTICE_NUMBER_PREFIX, year, sequence)


def notice_allocate(
    *,
    cycle: ReformCycle,
    region: Region,
    by: User,
    today: datetime.date | None = None,
    typed: int | None = None,
) -> TaskNotice:
    """The region's notice row with its number: the existing one, or a new one numbered from the 发文字号 register
    (reform_portal.docnumbers: the register's next free number, or ``typed``, the number the office's registry
    assigned, refused when taken). The register row is locked for the whole transaction, so concurrent issuers
    take distinct numbers; (register, number) is unique in the database as a backstop."""
    from reform_portal import docnumbers

    _reviewer(by)
    today = today or local_today()
    prefix = settings.PORTAL_NOTICE_NUMBER_PREFIX
    docnumbers.register(today.year, prefix)
    with transaction.atomic():
        DocNumberRegister.objects.select_for_update().get(year=today.year, prefix=prefix)
        notice = TaskNotice.objects.filter(cycle=cycle, region=region).first()
        if notice is not None:
            return notice
        if not Task.objects.filter(cycle=cycle, region=region).exists():
            raise ValidationError(_("%(r)s尚无确认的揭榜任务，不能下达通知书。") % {"r": region})
        number = docnumbers.take(
            year=today.year,
            prefix=prefix,
            kind="揭榜任务通知书",
            subject=f"{region.name}{cycle.year}年度揭榜任务",
            by=by,
            typed=typed,
        )
        notice = TaskNotice(
            cycle=cycle,
            region=region,
            year=today.year,
            sequence=number.number,
            doc_number=number.text,
            number=number,
            issued_on=today,
            issued_by=by,
        )
        _save(notice, by, "下达揭榜任务通知书")
        grant_region_departments(notice, [rules.VIEW_NOTICE])
        for task in Task.objects.filter(cycle=cycle, region=region, state=TaskState.AWARDED):
            transition(task, "issue_notice", by, flow=TASK)
            _save(task, by, f"通知书{notice.doc_number}已下达")
        handoffs.notice_issued(notice, notice_tasks(notice), by=by)
    return notice


def notice_tasks(notice: TaskNotice) -> list[Task]:
    return list(
        Task.objects.filter(cycle=notice.cycle, region=notice.region)
        .select_related("entry", "bid")
        .prefetch_related("entities")
        .order_by("entry__position", "pk")
    )


def notice_render(*, notice: TaskNotice, by: User) -> TaskNotice:
    """Render and store the notice's PDF once. An issued letter is never regenerated: when the file is
    stored, it is returned as it is."""
    from .documents import render_notice_pdf

    with transaction.atomic():
        notice = (
            TaskNotice.objects.select_for_update(of=("self",))
            .select_related("cycle", "region")
            .get(pk=notice.pk)
        )
        if notice.pdf:
            return notice
        pdf = render_notice_pdf(notice, notice_tasks(notice))
        notice.sha256 = hashlib.sha256(pdf).hexdigest()
        notice.pdf.save(
            f"{notice.year}-{notice.sequence}-{notice.region.code}.pdf", ContentFile(pdf), save=False
        )
        _save(notice, by, "生成通知书文件")
    return notice


def notice_rerender_if_english(*, notice: TaskNotice, by: User | None) -> bool:
    """Render an issued letter's stored PDF again when it was made under an English interface (English labels
    in its text): the old file stays on storage and in the letter's history, the new one is saved under a new
    name and its digest recorded. Returns whether it was rendered again."""
    from reform_portal.pdf import rendered_in_english

    from .documents import PRINTED_CHOICES, render_notice_pdf

    with transaction.atomic():
        notice = (
            TaskNotice.objects.select_for_update(of=("self",))
            .select_related("cycle", "region")
            .get(pk=notice.pk)
        )
        if not notice.pdf:
            return False
        try:
            with notice.pdf.open("rb") as fh:
                old = fh.read()
        except FileNotFoundError:
            return False
        if not rendered_in_english(old, PRINTED_CHOICES):
            return False
        pdf = render_notice_pdf(notice, notice_tasks(notice))
        notice.sha256 = hashlib.sha256(pdf).hexdigest()
        notice.pdf.save(
            f"{notice.year}-{notice.sequence}-{notice.region.code}-{notice.sha256[:16]}.pdf",
            ContentFile(pdf),
            save=False,
        )
        _save(notice, by, "通知书曾以英文界面生成，已按中文重新生成")
    return True


def notice_issue(
    *,
    cycle: ReformCycle,
    region: Region,
    by: User,
    today: datetime.date | None = None,
    typed: int | None = None,
) -> TaskNotice:
    """下达 one region's 揭榜任务通知书 (idempotent: reissuing returns the stored letter)."""
    notice = notice_allocate(cycle=cycle, region=region, by=by, today=today, typed=typed)
    return notice_render(notice=notice, by=by)


def notice_pdf_bytes(notice: TaskNotice) -> bytes:
    with notice.pdf.open("rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != notice.sha256:
        raise ValidationError(_("通知书文件校验失败，请联系管理员。"))
    return data


def regions_to_notify(cycle: ReformCycle) -> list[Region]:
    """Regions with awarded tasks whose letter is not stored yet."""
    done = TaskNotice.objects.filter(cycle=cycle).exclude(pdf="").values("region")
    return list(Region.objects.filter(tasks__cycle=cycle).exclude(pk__in=done).distinct().order_by("code"))


NOTICE_TASK = "bidding.issue_region_notice"


def notice_batch_start(*, cycle: ReformCycle, by: User) -> NoticeBatch:
    """下达 for every region still without a stored letter: the batch row and one outbox message per region, in
    one transaction. The worker issues each region's letter (``notice_issue``, idempotent: a letter is numbered
    once and stored once, however often its message runs) and the last one closes the batch."""
    _reviewer(by)
    regions = regions_to_notify(cycle)
    if not regions:
        raise ValidationError(_("没有需要下达通知书的地区（尚无确认的揭榜任务，或通知书均已下达）。"))
    with transaction.atomic():
        batch = NoticeBatch(cycle=cycle, started_by=by)
        _save(batch, by, "批量下达揭榜任务通知书")
        batch.regions.set(regions)
        # The numbers first, in region-code order, in this transaction: the letters are rendered afterwards by
        # the workers in whatever order they run, and keep the numbers given here.
        for region in regions:
            notice_allocate(cycle=cycle, region=region, by=by)
        for region in regions:
            enqueue(NOTICE_TASK, cycle_id=cycle.pk, region_id=region.pk, user_id=by.pk, batch_id=batch.pk)
    return batch


def notice_batch_finish(*, batch_id: int, error: str = "") -> NoticeBatch:
    with transaction.atomic():
        batch = NoticeBatch.objects.select_for_update().get(pk=batch_id)
        if error:
            batch.error = (batch.error + "\n" + error).strip()[:2000]
        else:
            batch.finished_at = timezone.now()
        _save(batch, batch.started_by, "下达出错" if error else "全部下达完成")
    return batch


def _letters_stored(batch: NoticeBatch) -> int:
    return (
        TaskNotice.objects.filter(cycle_id=batch.cycle_id, region__in=batch.regions.all())
        .exclude(pdf="")
        .count()
    )


def notice_batch_item_done(*, batch_id: int) -> NoticeBatch:
    """One region's letter is stored: close the batch when every region's is (under the batch's row lock, so of
    two letters finishing together the later one closes it; a closed batch stays as it is)."""
    with transaction.atomic():
        batch = NoticeBatch.objects.select_for_update().get(pk=batch_id)
        if batch.finished_at is None and _letters_stored(batch) == batch.regions.count():
            batch.finished_at = timezone.now()
            _save(batch, batch.started_by, "全部下达完成")
    return batch


def batch_in_flight(batch: NoticeBatch) -> bool:
    """Whether some of the batch's letters are still queued or being issued (or waiting to be tried again)."""
    return OutboxMessage.objects.filter(
        task_name=NOTICE_TASK,
        kwargs__batch_id=batch.pk,
        state__in=[OutboxState.PENDING, OutboxState.DISPATCHED],
    ).exists()


def batch_progress(batch: NoticeBatch) -> dict[str, int | bool]:
    total = batch.regions.count()
    done = _letters_stored(batch)
    finished = batch.finished_at is not None or (total and done == total)
    return {
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else 100,
        # an error ends the wait only once no letter of the batch is queued for another try
        "finished": bool(finished) or (bool(batch.error) and not batch_in_flight(batch)),
    }


# ---- 实施方案: entities, milestones, targets ---------------------------------------------------------


def _locked_task(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("cycle", "region", "entry")
        .get(pk=task.pk)
    )


def plan_set_entities(
    *, task: Task, organizations: Iterable[Organization], by: User, revision: int | None = None
) -> Task:
    """实施主体: real organizations of the task's region; each one's users (implementers) see the task.
    ``revision``: the version of the task the user loaded; a colleague's save in between is refused."""
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_edit_plan(by, task))
        if revision is not None:
            check_revision(task, revision, _("揭榜任务"))
        wanted = list(organizations)
        library = set(entity_library(task.region_id).values_list("pk", flat=True))
        for org in wanted:
            if org.pk not in library:
                raise ValidationError(
                    {"entities": _("实施主体须为本地区的同级职能部门、地方政府、企业、高等院校或科研院所。")}
                )
        before = set(task.entities.all())
        task.revision += 1
        task.entities.set(wanted)
        for org in set(wanted) - before:
            assign_perm(rules.VIEW_TASK, organization_group(org), task)
        for org in before - set(wanted):
            remove_perm(rules.VIEW_TASK, organization_group(org), task)
        _save(task, by, "确定实施主体：" + "、".join(o.name for o in wanted))
        handoffs.entities_named(task, set(wanted) - before, by=by)
    return task


def milestone_add(*, task: Task, fields: Mapping[str, Any], by: User) -> Milestone:
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_edit_plan(by, task))
        milestone = Milestone(task=task, **{k: fields[k] for k in MILESTONE_FIELDS if k in fields})
        if milestone.due_date < timezone.localtime(task.awarded_at).date():
            raise ValidationError({"due_date": _("完成时限不能早于揭榜确认日期。")})
        _save(milestone, by, "新增里程碑")
    return milestone


def milestone_update(
    *, milestone: Milestone, fields: Mapping[str, Any], by: User, revision: int | None = None
) -> Milestone:
    """Change a milestone while the plan is editable. ``revision``: the one the editor read; a change saved in
    between is refused (``check_revision``), not overwritten."""
    with transaction.atomic():
        task = _locked_task(milestone.task)
        _check(rules.can_edit_plan(by, task))
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk, task=task)
        if revision is not None:
            check_revision(milestone, revision, _("里程碑"))
        for name in MILESTONE_FIELDS:
            if name in fields:
                setattr(milestone, name, fields[name])
        if milestone.due_date < timezone.localtime(task.awarded_at).date():
            raise ValidationError({"due_date": _("完成时限不能早于揭榜确认日期。")})
        milestone.revision += 1
        _save(milestone, by, "修改里程碑")
    return milestone


def milestone_delete(*, milestone: Milestone, by: User, revision: int | None = None) -> None:
    with transaction.atomic():
        task = _locked_task(milestone.task)
        _check(rules.can_edit_plan(by, task))
        if revision is not None:
            check_revision(Milestone.objects.get(pk=milestone.pk), revision, _("里程碑"))
        milestone._history_user = by  # type: ignore[attr-defined]  # simple-history's (no stubs)
        milestone.delete()


def target_add(*, task: Task, fields: Mapping[str, Any], by: User) -> Target:
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_edit_plan(by, task))
        target = Target(task=task, **{k: fields[k] for k in TARGET_FIELDS})
        if target.baseline == target.target:
            raise ValidationError({"target": _("目标值须与基期值不同，才能考核。")})
        _save(target, by, "新增量化目标")
    return target


def target_update(
    *, target: Target, fields: Mapping[str, Any], by: User, revision: int | None = None
) -> Target:
    """Change a quantified target while the plan is editable, with the same checks as adding one."""
    with transaction.atomic():
        task = _locked_task(target.task)
        _check(rules.can_edit_plan(by, task))
        target = Target.objects.select_for_update().get(pk=target.pk, task=task)
        if revision is not None:
            check_revision(target, revision, _("量化目标"))
        for name in TARGET_FIELDS:
            if name in fields:
                setattr(target, name, fields[name])
        if target.baseline == target.target:
            raise ValidationError({"target": _("目标值须与基期值不同，才能考核。")})
        target.revision += 1
        _save(target, by, "修改量化目标")
    return target


def target_delete(*, target: Target, by: User, revision: int | None = None) -> None:
    with transaction.atomic():
        task = _locked_task(target.task)
        _check(rules.can_edit_plan(by, task))
        if revision is not None:
            check_revision(Target.objects.get(pk=target.pk), revision, _("量化目标"))
        target._history_user = by  # type: ignore[attr-defined]  # simple-history's (no stubs)
        target.delete()


def plan_revision(task: Task) -> int:
    """The plan's version: every saved change of one of its milestones or targets adds a history row."""
    return int(
        Milestone.history.filter(task_id=task.pk).count() + Target.history.filter(task_id=task.pk).count()
    )


def plan_import(
    *, task: Task, items: Iterable[Mapping[str, Any]], revision: int | None, by: User
) -> tuple[int, int]:
    """Excel import of the plan (bidding.imports): each item updates the task's milestone of the same 节点 or
    target of the same 指标, or adds one; nothing is deleted. All or nothing, in one transaction; refused when the
    plan changed since the preview (``revision``: plan_revision then) or may not be edited. Returns
    (added, updated)."""
    added = updated = 0
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_edit_plan(by, task))
        if revision is not None and revision != plan_revision(task):
            raise ValidationError(
                _("该任务的实施方案在预览后已被修改，本次未导入。请重新上传文件，核对预览后再确认。")
            )
        milestones = {m.title: m for m in task.milestones.select_for_update()}
        targets = {t.indicator: t for t in task.targets.select_for_update()}
        for item in items:
            fields = item["fields"]
            if item["kind"] == "milestone":
                obj: Milestone | Target = milestones.get(item["key"]) or Milestone(task=task)
                names = MILESTONE_FIELDS
            else:
                obj = targets.get(item["key"]) or Target(task=task)
                names = TARGET_FIELDS
            new = obj.pk is None
            for name in names:
                setattr(obj, name, fields[name])
            _save(obj, by, "从Excel导入：新增" if new else "从Excel导入：修改")
            added, updated = added + new, updated + (not new)
    return added, updated


def plan_problems(task: Task) -> list[str]:
    return plan_problems_of(task.milestones.exists(), task.targets.exists())


def plan_problems_of(milestones: object, targets: object) -> list[str]:
    """What a plan lacks before it may be confirmed, from whether it has milestones and targets (lists the page
    has read, or ``exists()``)."""
    problems = []
    if not milestones:
        problems.append(_("请至少填写一个里程碑（时间表·路线图·责任人）。"))
    if not targets:
        problems.append(_("请至少填写一个可量化、可考核的目标。"))
    return problems


def plan_confirm(*, task: Task, by: User) -> Task:
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_edit_plan(by, task))
        problems = plan_problems(task)
        if problems:
            raise ValidationError(problems)
        transition(task, "confirm_plan", by, flow=TASK)
        task.plan_confirmed_at = timezone.now()
        _save(task, by, "确认实施方案")
        handoffs.plan_confirmed(task, by=by)
    return task


# ---- 进展报告 ---------------------------------------------------------------------------------------

REPORT_STATUSES = [
    MilestoneStatus.ON_TRACK,
    MilestoneStatus.AT_RISK,
    MilestoneStatus.LATE,
    MilestoneStatus.DONE,
]


def report_file(
    *,
    task: Task,
    period_end: datetime.date,
    narrative: str,
    actuals: Mapping[int, Decimal],
    statuses: Mapping[int, tuple[str, str]],
    uploads: Iterable[UploadedFile] = (),
    by: User,
    today: datetime.date | None = None,
) -> ProgressReport:
    """A progress report, appended after the last one (history already reported is never changed).

    ``actuals``: {target_id: Decimal}; ``statuses``: {milestone_id: (status, note)}. The newest report
    sets Target.latest_actual and Milestone.status."""
    today = today or local_today()
    checked = [(upload, validate_upload(upload)[0]) for upload in uploads]
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_report(by, task))
        errors = {}
        if period_end > today:
            errors["period_end"] = _("报告期截至日期不能晚于今天。")
        last = task.reports.order_by("-period_end").first()
        if last is not None and period_end <= last.period_end:
            errors["period_end"] = _("报告期须晚于上一期报告（截至%(d)s），已报送的进展不能修改。") % {
                "d": last.period_end
            }
        if not narrative.strip():
            errors["narrative"] = _("请填写进展情况。")
        targets = {t.pk: t for t in task.targets.all()}
        milestones = {m.pk: m for m in task.milestones.all()}
        if set(actuals) != set(targets):
            errors["actuals"] = _("请填写每个量化目标的实际值。")
        for value in actuals.values():
            if not isinstance(value, Decimal) or not value.is_finite():
                errors["actuals"] = _("实际值须为数字。")
        if set(statuses) != set(milestones):
            errors["statuses"] = _("请填写每个里程碑的状态。")
        for pk, (status, _note) in statuses.items():
            if status not in REPORT_STATUSES:
                errors["statuses"] = _("里程碑状态不正确。")
            elif (
                pk in milestones
                and milestones[pk].status == MilestoneStatus.DONE
                and status != MilestoneStatus.DONE
            ):
                errors["statuses"] = _("里程碑“%(t)s”已报告完成，不能改变已报送的进展。") % {
                    "t": milestones[pk].title
                }
        if errors:
            raise ValidationError(errors)
        report = ProgressReport(
            task=task, period_end=period_end, narrative=narrative.strip(), submitted_by=by
        )
        _save(report, by, f"报送进展（截至{period_end}）")
        for pk, value in actuals.items():
            row = TargetActual(report=report, target=targets[pk], value=value)
            _save(row, by, "实际值")
            targets[pk].latest_actual = value
            targets[pk].revision += 1
            _save(targets[pk], by, f"进展报告（截至{period_end}）")
        for pk, (status, note) in statuses.items():
            update = MilestoneUpdate(report=report, milestone=milestones[pk], status=status, note=note[:300])
            _save(update, by, "里程碑进展")
            if milestones[pk].status != status:
                milestones[pk].status = status
                milestones[pk].revision += 1
                _save(milestones[pk], by, f"进展报告（截至{period_end}）")
        # A file attached twice (to this report, or to an earlier report of the task) is stored once: the same
        # file in one report is one attachment; the same file in a later report points at the stored copy.
        kept = [a.file for a in ReportAttachment.objects.filter(report__task=task).exclude(report=report)]
        this_report: list[ReportAttachment] = []
        for upload, kind in checked:
            # validate_upload accepted the file, so it has a name and a size.
            assert upload.name is not None and upload.size is not None
            if same_stored_file(upload, [a.file for a in this_report]) is not None:
                continue
            att = ReportAttachment(
                report=report, original_name=upload.name[:200], kind=kind, size=upload.size
            )
            same = same_stored_file(upload, kept)
            if same is not None:
                att.file.name = (
                    same.name
                )  # attachments of reports are never deleted: sharing the copy is safe
            else:
                att.file.save(stored_name(f"t{task.pk}", upload.name), upload, save=False)
            _save(att, by, "上传附件")
            this_report.append(att)
        handoffs.progress_reported(report, by=by)
    return report


# ---- 协调解决、完成总结 ---------------------------------------------------------------------------------


def coordination_raise(*, task: Task, subject: str, detail: str, by: User) -> CoordinationRequest:
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_raise_coordination(by, task))
        if not subject.strip() or not detail.strip():
            raise ValidationError(_("请填写事项和具体困难。"))
        if task.coordination_requests.filter(
            subject=subject.strip(), detail=detail.strip(), answered_at__isnull=True
        ).exists():
            raise ValidationError(_("该协调事项已提交，请勿重复提交。"))
        req = CoordinationRequest(task=task, subject=subject.strip(), detail=detail.strip(), raised_by=by)
        _save(req, by, "提出协调事项")
        handoffs.coordination_raised(req, by=by)
    return req


def coordination_answer(
    *, request: CoordinationRequest, answer: str, by: User, revision: int | None = None
) -> CoordinationRequest:
    """答复 (or 重新答复). ``revision``: the version the reviewer loaded; a colleague's answer in between is refused,
    not overwritten."""
    _reviewer(by)
    if not answer.strip():
        raise ValidationError({"answer": _("请填写答复。")})
    with transaction.atomic():
        req = CoordinationRequest.objects.select_for_update().get(pk=request.pk)
        if revision is not None:
            check_revision(req, revision, _("协调事项"))
        req.revision += 1
        transition(req, "reanswer" if req.answered_at else "answer", by, flow=COORDINATION)
        req.answer, req.answered_by, req.answered_at = answer.strip(), by, timezone.now()
        _save(req, by, "答复协调事项")
        handoffs.coordination_answered(req, by=by)
    return req


def summary_file(
    *, task: Task, achieved: str, replicable: str, by: User, revision: int | None = None
) -> Task:
    """完成总结: when every milestone is done; the task becomes 待评估. ``revision``: the version of the task the
    user loaded; a colleague's summary filed in between is refused, not overwritten."""
    with transaction.atomic():
        task = _locked_task(task)
        if revision is not None:
            check_revision(task, revision, _("揭榜任务"))
        _check(rules.can_file_summary(by, task, list(task.milestones.all())))
        if not achieved.strip() or not replicable.strip():
            raise ValidationError(_("请填写完成情况和可复制推广的经验。"))
        task.revision += 1
        task.summary_achieved, task.summary_replicable = achieved.strip(), replicable.strip()
        task.summary_filed_at = timezone.now()
        transition(task, "file_summary", by, flow=TASK)
        _save(task, by, "报送完成总结")
        handoffs.summary_filed(task, by=by)
    return task


# What the 揭榜矩阵 and its XLSX print of an entry: the texts (改革内容, 改革目标…) are left in the database.
ENTRY_HEADINGS = ("measure_list_id", "number", "position", "title")


def published_entries(cycle: ReformCycle | None, *, only: Sequence[str] | None = None) -> list[ListEntry]:
    """The entries of the cycle's latest published list version (the ones regions bid on), in order: one query,
    the version a subquery (the 揭榜 pages read the entries, not the version; issue 19). ``only``: the fields to
    load (``ENTRY_HEADINGS`` for a page that prints no entry's texts: at 62 entries the texts were most of what
    the matrix read, and grew with the list)."""
    if cycle is None:
        return []
    latest = _published_versions(cycle).values("pk")[:1]
    entries = ListEntry.objects.filter(measure_list=Subquery(latest)).order_by("position")
    return list(entries.only(*only) if only else entries)

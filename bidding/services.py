"""Every write of stage 3 悬榜揭榜: one function per action, in a transaction, checking permission, state
and the deadline (``deadline_for``) on the server. Views, Celery tasks, the demo and tests call these."""
import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from catalog.enums import ListState
from catalog.models import ListEntry, MeasureList
from reform_portal import pdf
from reform_portal.enums import OrgKind, Role
from reform_portal.models import Organization, ReformCycle
from reform_portal.services import check_revision, local_today, organization_group
from reform_portal.services import check_rule as _check
from reform_portal.services import save_with_history as _save
from reform_portal.uploads import stored_name, validate_upload

from . import rules
from .enums import BidSetState, MilestoneStatus, TaskState
from .models import (
    Bid,
    BidSet,
    CoordinationRequest,
    Milestone,
    MilestoneUpdate,
    NoticeBatch,
    NoticeSequence,
    ProgressReport,
    ReportAttachment,
    Target,
    TargetActual,
    Task,
    TaskNotice,
)

BID_FIELDS = ["approach", "entity_kinds", "entity_names", "contact_name", "contact_phone"]
MILESTONE_FIELDS = ["title", "due_date", "deliverable", "responsible_name", "responsible_post",
                    "responsible_phone", "responsible_email"]
TARGET_FIELDS = ["indicator", "unit", "baseline", "target"]
ISSUERS = ["国家发展改革委", "科技部"]


def _reviewer(by):
    if not by.has_role(Role.NATIONAL_REVIEWER):
        raise PermissionDenied(_("只有国家审核人员可以办理此事项。"))


# ---- the published list --------------------------------------------------------------------------

def published_list(cycle):
    """The cycle's latest published version of the 年度举措清单 (bids are on its entries), or None."""
    return (MeasureList.objects.filter(cycle=cycle, state=ListState.PUBLISHED).order_by("-version").first()
            if cycle else None)


def bidding_cycle():
    """The latest cycle with a published list (the one regions bid in and reviewers aggregate)."""
    return (ReformCycle.objects.filter(measure_lists__state=ListState.PUBLISHED).order_by("-year").first())


def _region_groups(region):
    return [organization_group(org) for org in
            Organization.objects.filter(region=region, kind__in=OrgKind.regional_departments())]


def grant_region_access(obj, perms):
    """The region's two departments (and only they) get ``perms`` on ``obj``."""
    for group in _region_groups(obj.region):
        for perm in perms:
            assign_perm(perm, group, obj)


# ---- 揭榜: the region's bid set --------------------------------------------------------------------

def bid_set_get_or_create(*, cycle, region, by) -> BidSet:
    """The region's bid set, created on first visit; a simultaneous first visit of the other department
    meets the unique (cycle, region) constraint in a savepoint and gets the same row."""
    bid_set = BidSet.objects.filter(cycle=cycle, region=region).first()
    if bid_set is not None:
        return bid_set
    try:
        with transaction.atomic():
            bid_set = BidSet(cycle=cycle, region=region)
            _save(bid_set, by, "创建揭榜申报")
            grant_region_access(bid_set, [rules.VIEW_BIDSET, rules.CHANGE_BIDSET])
    except IntegrityError:
        return BidSet.objects.get(cycle=cycle, region=region)
    return bid_set


def _locked_set(bid_set):
    return BidSet.objects.select_for_update(of=("self",)).select_related("cycle", "region").get(pk=bid_set.pk)


def _touch(bid_set, by, reason):
    """An edit: new version; both sign-offs cleared (they confirmed the previous version)."""
    bid_set.new_version()
    _save(bid_set, by, reason)


def _check_entry(bid_set, entry):
    current = published_list(bid_set.cycle)
    if current is None or entry.measure_list_id != current.pk:
        raise ValidationError(_("只能认领本年度最新公布的举措清单中的条目。"))


def _clean_kinds(kinds):
    allowed = [str(k) for k in OrgKind.implementing()]
    kinds = [str(k) for k in kinds]
    if not kinds:
        raise ValidationError({"entity_kinds": _("请至少选择一类拟定实施主体。")})
    if any(k not in allowed for k in kinds):
        raise ValidationError({"entity_kinds": _("实施主体类型须为同级职能部门、地方政府、企业、高等院校或科研院所。")})
    return [k for k in allowed if k in kinds]


def bid_save(*, bid_set, entry, fields, by, now=None, revision=None) -> Bid:
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


def bid_delete(*, bid, by, now=None):
    with transaction.atomic():
        bid_set = _locked_set(bid.bid_set)
        _check(rules.can_edit_bids(by, bid_set, now))
        label = f"{bid.entry.number} {bid.entry.title}"
        bid._history_user = by
        bid.delete()
        _touch(bid_set, by, f"取消揭榜：{label}")


def bid_set_problems(bid_set) -> list[str]:
    n = bid_set.bids.count()
    if n < bid_set.cycle.min_bids:
        return [_("每个地方年度揭榜改革任务不少于%(min)s项，当前为%(n)s项。") % {"min": bid_set.cycle.min_bids, "n": n}]
    return []


def bid_set_sign(*, bid_set, by, now=None, version=None) -> BidSet:
    """确认联合报送 by the user's department, on the current version. ``version`` is the version the signer's
    page showed: if the other department changed the claims since, the confirmation is refused, not applied
    to claims the signer has not seen (None: not from a page)."""
    with transaction.atomic():
        bid_set = _locked_set(bid_set)
        _check(rules.can_sign(by, bid_set, now))
        bid_set.check_seen_version(version, _("揭榜申报"))
        label = bid_set.record_sign_off(rules.department_of(by, bid_set.region_id), by, timezone.now())
        _save(bid_set, by, f"确认联合报送（{label}，第{bid_set.version}版）")
    return bid_set


def bid_set_submit(*, bid_set, by, now=None) -> BidSet:
    """报送: ≥ cycle.min_bids claims, both departments confirmed this version, inside the window."""
    now = now or timezone.now()
    with transaction.atomic():
        bid_set = _locked_set(bid_set)
        _check(rules.can_edit_bids(by, bid_set, now))
        problems = bid_set_problems(bid_set)
        if not bid_set.fully_signed:
            problems.insert(0, _("须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。"))
        if problems:
            raise ValidationError(problems)
        bid_set.state = BidSetState.SUBMITTED
        bid_set.submitted_at, bid_set.submitted_by = now, by
        _save(bid_set, by, "报送揭榜申报")
    return bid_set


def bid_set_withdraw(*, bid_set, by, now=None) -> BidSet:
    """撤回报送 back to 草稿 inside the window and before any award, to correct the claims and report again.
    Sign-offs stay with the version they confirmed; the next edit clears them as always."""
    with transaction.atomic():
        bid_set = _locked_set(bid_set)
        _check(rules.can_withdraw_bids(by, bid_set, now))
        bid_set.state = BidSetState.DRAFT
        bid_set.submitted_at = bid_set.submitted_by = None
        _save(bid_set, by, "撤回揭榜申报")
    return bid_set


# ---- 汇总揭榜结果: awards ------------------------------------------------------------------------------

def tasks_award(*, cycle, bids, by) -> list[Task]:
    """确认揭榜: a Task per (region, entry) of the chosen bids of submitted bid sets."""
    _reviewer(by)
    created = []
    with transaction.atomic():
        for bid in Bid.objects.select_related("bid_set__region", "entry").filter(
                pk__in=[b.pk for b in bids]).order_by("bid_set__region__code", "entry__position"):
            bid_set = bid.bid_set
            if bid_set.cycle_id != cycle.pk or bid_set.state != BidSetState.SUBMITTED:
                raise ValidationError(_("只能确认已报送的揭榜申报中的事项。"))
            if TaskNotice.objects.filter(cycle=cycle, region=bid_set.region).exists():
                raise ValidationError(_("%(r)s的揭榜任务通知书已下达，不能再追加任务。") % {"r": bid_set.region})
            if Task.objects.filter(region=bid_set.region, entry=bid.entry).exists():
                continue
            task = Task(cycle=cycle, region=bid_set.region, entry=bid.entry, bid=bid, awarded_by=by)
            _save(task, by, "确认揭榜")
            grant_region_access(task, [rules.VIEW_TASK, rules.CHANGE_TASK])
            created.append(task)
    return created


# ---- 揭榜任务通知书 ---------------------------------------------------------------------------------

def format_doc_number(year, sequence):
    """发文字号, e.g. 发改高技〔2027〕12号 (prefix from settings.PORTAL_NOTICE_NUMBER_PREFIX)."""
    return pdf.format_doc_number(settings.PORTAL_NOTICE_NUMBER_PREFIX, year, sequence)


def _sequence_row(year):
    """Make sure the year's counter row exists (a concurrent creator loses to the unique year, harmlessly)."""
    try:
        with transaction.atomic():
            NoticeSequence.objects.get_or_create(year=year)
    except IntegrityError:
        pass


def notice_allocate(*, cycle, region, by, today=None) -> TaskNotice:
    """The region's notice row with its number: the existing one, or a new one numbered from the year's
    sequence. The year's counter row is locked for the whole transaction, so concurrent issuers take
    consecutive numbers; (year, sequence) is unique in the database as a backstop."""
    _reviewer(by)
    today = today or local_today()
    _sequence_row(today.year)
    with transaction.atomic():
        counter = NoticeSequence.objects.select_for_update().get(year=today.year)
        notice = TaskNotice.objects.filter(cycle=cycle, region=region).first()
        if notice is not None:
            return notice
        if not Task.objects.filter(cycle=cycle, region=region).exists():
            raise ValidationError(_("%(r)s尚无确认的揭榜任务，不能下达通知书。") % {"r": region})
        counter.last += 1
        _save(counter, by, f"{region}通知书取号")
        notice = TaskNotice(cycle=cycle, region=region, year=today.year, sequence=counter.last,
                            doc_number=format_doc_number(today.year, counter.last), issued_on=today, issued_by=by)
        _save(notice, by, "下达揭榜任务通知书")
        grant_region_access(notice, [rules.VIEW_NOTICE])
        for task in Task.objects.filter(cycle=cycle, region=region, state=TaskState.AWARDED):
            task.state = TaskState.PLANNING
            _save(task, by, f"通知书{notice.doc_number}已下达")
    return notice


def notice_tasks(notice):
    return list(Task.objects.filter(cycle=notice.cycle, region=notice.region).select_related("entry")
                .order_by("entry__position", "pk"))


def notice_render(*, notice, by) -> TaskNotice:
    """Render and store the notice's PDF once. An issued letter is never regenerated: when the file is
    stored, it is returned as it is."""
    from .documents import render_notice_pdf

    with transaction.atomic():
        notice = TaskNotice.objects.select_for_update(of=("self",)).select_related("cycle", "region").get(pk=notice.pk)
        if notice.pdf:
            return notice
        pdf = render_notice_pdf(notice, notice_tasks(notice))
        notice.sha256 = hashlib.sha256(pdf).hexdigest()
        notice.pdf.save(f"{notice.year}-{notice.sequence}-{notice.region.code}.pdf", ContentFile(pdf), save=False)
        _save(notice, by, "生成通知书文件")
    return notice


def notice_issue(*, cycle, region, by, today=None) -> TaskNotice:
    """下达 one region's 揭榜任务通知书 (idempotent: reissuing returns the stored letter)."""
    notice = notice_allocate(cycle=cycle, region=region, by=by, today=today)
    return notice_render(notice=notice, by=by)


def notice_pdf_bytes(notice) -> bytes:
    with notice.pdf.open("rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != notice.sha256:
        raise ValidationError(_("通知书文件校验失败，请联系管理员。"))
    return data


def regions_to_notify(cycle):
    """Regions with awarded tasks whose letter is not stored yet."""
    from reform_portal.models import Region

    done = TaskNotice.objects.filter(cycle=cycle).exclude(pdf="").values("region")
    return list(Region.objects.filter(tasks__cycle=cycle).exclude(pk__in=done).distinct().order_by("code"))


def notice_batch_start(*, cycle, by) -> NoticeBatch:
    _reviewer(by)
    regions = regions_to_notify(cycle)
    if not regions:
        raise ValidationError(_("没有需要下达通知书的地区（尚无确认的揭榜任务，或通知书均已下达）。"))
    with transaction.atomic():
        batch = NoticeBatch(cycle=cycle, started_by=by)
        _save(batch, by, "批量下达揭榜任务通知书")
        batch.regions.set(regions)
    return batch


def notice_batch_finish(*, batch_id, error=""):
    with transaction.atomic():
        batch = NoticeBatch.objects.select_for_update().get(pk=batch_id)
        if error:
            batch.error = (batch.error + "\n" + error).strip()[:2000]
        else:
            batch.finished_at = timezone.now()
        _save(batch, batch.started_by, "下达出错" if error else "全部下达完成")
    return batch


def batch_progress(batch):
    regions = list(batch.regions.all())
    done = TaskNotice.objects.filter(cycle=batch.cycle, region__in=regions).exclude(pdf="").count()
    total = len(regions)
    return {"done": done, "total": total, "percent": int(100 * done / total) if total else 100,
            "finished": batch.finished_at is not None or (total and done == total) or bool(batch.error)}


# ---- 实施方案: entities, milestones, targets ---------------------------------------------------------

def _locked_task(task):
    return Task.objects.select_for_update(of=("self",)).select_related("cycle", "region", "entry").get(pk=task.pk)


def plan_set_entities(*, task, organizations, by) -> Task:
    """实施主体: real organizations of the task's region; each one's users (implementers) see the task."""
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_edit_plan(by, task))
        wanted = list(organizations)
        for org in wanted:
            if org.kind not in OrgKind.implementing() or org.region_id != task.region_id:
                raise ValidationError({"entities": _("实施主体须为本地区的同级职能部门、地方政府、企业、高等院校或科研院所。")})
        before = set(task.entities.all())
        task.entities.set(wanted)
        for org in set(wanted) - before:
            assign_perm(rules.VIEW_TASK, organization_group(org), task)
        for org in before - set(wanted):
            remove_perm(rules.VIEW_TASK, organization_group(org), task)
        _save(task, by, "确定实施主体：" + "、".join(o.name for o in wanted))
    return task


def milestone_add(*, task, fields, by) -> Milestone:
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_edit_plan(by, task))
        milestone = Milestone(task=task, **{k: fields[k] for k in MILESTONE_FIELDS if k in fields})
        if milestone.due_date < timezone.localtime(task.awarded_at).date():
            raise ValidationError({"due_date": _("完成时限不能早于揭榜确认日期。")})
        _save(milestone, by, "新增里程碑")
    return milestone


def milestone_delete(*, milestone, by):
    with transaction.atomic():
        task = _locked_task(milestone.task)
        _check(rules.can_edit_plan(by, task))
        milestone._history_user = by
        milestone.delete()


def target_add(*, task, fields, by) -> Target:
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_edit_plan(by, task))
        target = Target(task=task, **{k: fields[k] for k in TARGET_FIELDS})
        if target.baseline == target.target:
            raise ValidationError({"target": _("目标值须与基期值不同，才能考核。")})
        _save(target, by, "新增量化目标")
    return target


def target_delete(*, target, by):
    with transaction.atomic():
        task = _locked_task(target.task)
        _check(rules.can_edit_plan(by, task))
        target._history_user = by
        target.delete()


def plan_problems(task) -> list[str]:
    problems = []
    if not task.milestones.exists():
        problems.append(_("请至少填写一个里程碑（时间表·路线图·责任人）。"))
    if not task.targets.exists():
        problems.append(_("请至少填写一个可量化、可考核的目标。"))
    return problems


def plan_confirm(*, task, by) -> Task:
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_edit_plan(by, task))
        problems = plan_problems(task)
        if problems:
            raise ValidationError(problems)
        task.state = TaskState.IN_PROGRESS
        task.plan_confirmed_at = timezone.now()
        _save(task, by, "确认实施方案")
    return task


# ---- 进展报告 ---------------------------------------------------------------------------------------

REPORT_STATUSES = [MilestoneStatus.ON_TRACK, MilestoneStatus.AT_RISK, MilestoneStatus.LATE, MilestoneStatus.DONE]


def report_file(*, task, period_end, narrative, actuals, statuses, uploads=(), by, today=None) -> ProgressReport:
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
            errors["period_end"] = _("报告期须晚于上一期报告（截至%(d)s），已报送的进展不能修改。") % {"d": last.period_end}
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
            elif pk in milestones and milestones[pk].status == MilestoneStatus.DONE and status != MilestoneStatus.DONE:
                errors["statuses"] = _("里程碑“%(t)s”已报告完成，不能改变已报送的进展。") % {"t": milestones[pk].title}
        if errors:
            raise ValidationError(errors)
        report = ProgressReport(task=task, period_end=period_end, narrative=narrative.strip(), submitted_by=by)
        _save(report, by, f"报送进展（截至{period_end}）")
        for pk, value in actuals.items():
            row = TargetActual(report=report, target=targets[pk], value=value)
            _save(row, by, "实际值")
            targets[pk].latest_actual = value
            _save(targets[pk], by, f"进展报告（截至{period_end}）")
        for pk, (status, note) in statuses.items():
            row = MilestoneUpdate(report=report, milestone=milestones[pk], status=status, note=note[:300])
            _save(row, by, "里程碑进展")
            if milestones[pk].status != status:
                milestones[pk].status = status
                _save(milestones[pk], by, f"进展报告（截至{period_end}）")
        for upload, kind in checked:
            att = ReportAttachment(report=report, original_name=upload.name[:200], kind=kind, size=upload.size)
            att.file.save(stored_name(f"t{task.pk}", upload.name), upload, save=False)
            _save(att, by, "上传附件")
    return report


# ---- 协调解决、完成总结 ---------------------------------------------------------------------------------

def coordination_raise(*, task, subject, detail, by) -> CoordinationRequest:
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_raise_coordination(by, task))
        if not subject.strip() or not detail.strip():
            raise ValidationError(_("请填写事项和具体困难。"))
        if task.coordination_requests.filter(subject=subject.strip(), detail=detail.strip(),
                                             answered_at__isnull=True).exists():
            raise ValidationError(_("该协调事项已提交，请勿重复提交。"))
        req = CoordinationRequest(task=task, subject=subject.strip(), detail=detail.strip(), raised_by=by)
        _save(req, by, "提出协调事项")
    return req


def coordination_answer(*, request, answer, by) -> CoordinationRequest:
    _reviewer(by)
    if not answer.strip():
        raise ValidationError({"answer": _("请填写答复。")})
    with transaction.atomic():
        req = CoordinationRequest.objects.select_for_update().get(pk=request.pk)
        req.answer, req.answered_by, req.answered_at = answer.strip(), by, timezone.now()
        _save(req, by, "答复协调事项")
    return req


def summary_file(*, task, achieved, replicable, by) -> Task:
    """完成总结: when every milestone is done; the task becomes 待评估."""
    with transaction.atomic():
        task = _locked_task(task)
        _check(rules.can_file_summary(by, task, list(task.milestones.all())))
        if not achieved.strip() or not replicable.strip():
            raise ValidationError(_("请填写完成情况和可复制推广的经验。"))
        task.summary_achieved, task.summary_replicable = achieved.strip(), replicable.strip()
        task.summary_filed_at = timezone.now()
        task.state = TaskState.PENDING_EVALUATION
        _save(task, by, "报送完成总结")
    return task


def entries_of(cycle):
    current = published_list(cycle)
    return list(ListEntry.objects.filter(measure_list=current).order_by("position")) if current else []

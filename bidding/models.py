"""Stage 3 悬榜揭榜 (notice 三(三), 四): a region's bid set (≥3 claims), awarded tasks, the 揭榜任务通知书,
the implementation plan (时间表·路线图·责任人, quantified targets), progress and coordination."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from catalog.models import ListEntry
from reform_portal.models import DocNumber, JointSignOff, Organization, ReformCycle, Region

from .enums import BidSetState, MilestoneStatus, TaskState


class BidSet(JointSignOff):
    """A region's claims for one cycle, confirmed by both departments and submitted once."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="bid_sets", verbose_name=_("年度")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="bid_sets", verbose_name=_("地区")
    )
    state = models.CharField(_("状态"), max_length=20, choices=BidSetState.choices, default=BidSetState.DRAFT)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送人"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "region__code"]
        verbose_name = _("揭榜申报")
        verbose_name_plural = _("揭榜申报")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "region"], name="one_bid_set_per_region_cycle")
        ]

    def __str__(self):
        return f"{self.region}{self.cycle.year}年度揭榜申报"


class Bid(models.Model):
    """揭榜: one claimed list entry, with the approach and the intended implementing entities."""

    bid_set = models.ForeignKey(
        BidSet, on_delete=models.CASCADE, related_name="bids", verbose_name=_("揭榜申报")
    )
    entry = models.ForeignKey(
        ListEntry, on_delete=models.PROTECT, related_name="bids", verbose_name=_("清单条目")
    )
    approach = models.TextField(_("改革思路"))
    entity_kinds = models.JSONField(_("拟定实施主体类型"), default=list, blank=True)
    entity_names = models.TextField(_("拟定实施主体"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=30)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_set", "entry__position"]
        verbose_name = _("揭榜事项")
        verbose_name_plural = _("揭榜事项")
        constraints = [models.UniqueConstraint(fields=["bid_set", "entry"], name="one_bid_per_entry")]

    def __str__(self):
        return f"{self.bid_set.region}：{self.entry}"


class Task(models.Model):
    """揭榜任务: an awarded claim (region × entry) carried through plan, progress and evaluation."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("年度")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("地区"))
    entry = models.ForeignKey(
        ListEntry, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("清单条目")
    )
    bid = models.OneToOneField(
        Bid, on_delete=models.PROTECT, null=True, blank=True, related_name="task", verbose_name=_("揭榜事项")
    )
    state = models.CharField(_("状态"), max_length=30, choices=TaskState.choices, default=TaskState.AWARDED)
    entities = models.ManyToManyField(
        Organization, blank=True, related_name="tasks", verbose_name=_("实施主体")
    )
    plan_confirmed_at = models.DateTimeField(_("方案确认时间"), null=True, blank=True)
    summary_achieved = models.TextField(_("完成情况（对照目标）"), blank=True)
    summary_replicable = models.TextField(_("可复制推广的经验"), blank=True)
    summary_filed_at = models.DateTimeField(_("总结报送时间"), null=True, blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("确认人")
    )
    awarded_at = models.DateTimeField(_("确认时间"), auto_now_add=True)
    # The version of what the region's staff write on the task (实施主体, 完成总结; optimistic locking, issue 17 §4).
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords(m2m_fields=[entities])

    # Not stored: the mean target attainment bidding.selectors.with_attainment attaches for the progress page.
    attainment: float | None

    class Meta:
        ordering = ["cycle", "region__code", "entry__position"]
        verbose_name = _("揭榜任务")
        verbose_name_plural = _("揭榜任务")
        constraints = [models.UniqueConstraint(fields=["region", "entry"], name="one_task_per_region_entry")]
        indexes = [models.Index(fields=["cycle", "state"])]

    def __str__(self):
        return f"{self.region}：{self.entry.title}"


class TaskNotice(models.Model):
    """揭榜任务通知书: one per region per cycle, numbered from a per-year sequence, stored once."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="notices", verbose_name=_("年度")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="notices", verbose_name=_("地区")
    )
    year = models.PositiveIntegerField(_("发文年份"))
    sequence = models.PositiveIntegerField(_("序号"))
    doc_number = models.CharField(_("发文字号"), max_length=40)
    number = models.OneToOneField(
        DocNumber,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="task_notice",
        verbose_name=_("发文字号登记"),
    )
    issued_on = models.DateField(_("成文日期"))
    pdf = models.FileField(_("通知书"), upload_to="notices/", max_length=200, blank=True)
    sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("签发人")
    )
    issued_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "sequence"]
        verbose_name = _("揭榜任务通知书")
        verbose_name_plural = _("揭榜任务通知书")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "region"], name="one_notice_per_region_cycle"),
        ]

    def __str__(self):
        return self.doc_number


class Milestone(models.Model):
    """时间表·路线图·责任人."""

    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("任务")
    )
    title = models.CharField(_("节点"), max_length=100)
    due_date = models.DateField(_("完成时限"))
    deliverable = models.CharField(_("标志性成果"), max_length=200)
    responsible_name = models.CharField(_("责任人"), max_length=30)
    responsible_post = models.CharField(_("职务"), max_length=50)
    responsible_phone = models.CharField(_("电话"), max_length=30)
    responsible_email = models.EmailField(_("电子邮箱"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["task", "due_date", "pk"]
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        indexes = [models.Index(fields=["due_date", "status"])]

    def __str__(self):
        return f"{self.title}（{self.due_date}）"


class Target(models.Model):
    """A quantified, checkable target (可量化、可考核): baseline → target; actuals come from reports."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="targets", verbose_name=_("任务"))
    indicator = models.CharField(_("指标"), max_length=100)
    unit = models.CharField(pgettext_lazy("计量", "单位"), max_length=20)
    baseline = models.DecimalField(_("基期值"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("目标值"), max_digits=14, decimal_places=2)
    latest_actual = models.DecimalField(
        _("最新实际值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["task", "pk"]
        verbose_name = _("量化目标")
        verbose_name_plural = _("量化目标")

    def __str__(self):
        return f"{self.indicator}：{self.baseline}→{self.target}{self.unit}"

    @property
    def attainment(self):
        """Share of the planned change achieved (0–1, capped), or None without an actual value."""
        return attainment_of(self.baseline, self.target, self.latest_actual)


def attainment_of(baseline, target, latest_actual):
    """``Target.attainment`` from the three values (the progress page reads them without loading targets)."""
    if latest_actual is None:
        return None
    planned = target - baseline
    if planned == 0:
        return 1.0 if latest_actual >= target else 0.0
    return max(0.0, min(1.0, float((latest_actual - baseline) / planned)))


class ProgressReport(models.Model):
    """A periodic report; append-only (a later report never rewrites an earlier one)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports", verbose_name=_("任务"))
    period_end = models.DateField(_("报告期截至"))
    narrative = models.TextField(_("进展情况"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("报送人")
    )
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["task", "-period_end", "-pk"]
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")

    def __str__(self):
        return f"{self.task} {self.period_end}"


class TargetActual(models.Model):
    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="actuals", verbose_name=_("报告")
    )
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="actuals", verbose_name=_("目标")
    )
    value = models.DecimalField(_("实际值"), max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("目标实际值")
        verbose_name_plural = _("目标实际值")
        constraints = [
            models.UniqueConstraint(fields=["report", "target"], name="one_actual_per_target_report")
        ]

    def __str__(self):
        return f"{self.target.indicator}={self.value}"


class MilestoneUpdate(models.Model):
    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="milestone_updates", verbose_name=_("报告")
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="updates", verbose_name=_("里程碑")
    )
    status = models.CharField(_("状态"), max_length=20, choices=MilestoneStatus.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("里程碑进展")
        verbose_name_plural = _("里程碑进展")
        constraints = [
            models.UniqueConstraint(fields=["report", "milestone"], name="one_update_per_milestone_report")
        ]

    def __str__(self):
        return f"{self.milestone.title}：{self.get_status_display()}"


class ReportAttachment(models.Model):
    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("报告")
    )
    file = models.FileField(_("文件"), upload_to="reports/", max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("报告附件")
        verbose_name_plural = _("报告附件")

    def __str__(self):
        return self.original_name


class CoordinationRequest(models.Model):
    """协调解决: a difficulty the region raises for the national side to answer."""

    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="coordination_requests", verbose_name=_("任务")
    )
    subject = models.CharField(_("事项"), max_length=100)
    detail = models.TextField(_("具体困难和问题"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    raised_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("协调事项")
        verbose_name_plural = _("协调事项")

    def __str__(self):
        return self.subject


class NoticeSequence(models.Model):
    """The per-year counter of 揭榜任务通知书 numbers before the 发文字号 register (reform_portal.docnumbers); kept
    for the record, migrated into the register, no longer used."""

    year = models.PositiveIntegerField(_("发文年份"), unique=True)
    last = models.PositiveIntegerField(_("已用最大序号"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通知书编号序列")
        verbose_name_plural = _("通知书编号序列")

    def __str__(self):
        return f"{self.year}：{self.last}"


class NoticeBatch(models.Model):
    """One run of 下达揭榜任务通知书 for every awarded region of a cycle (a Celery chord)."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="notice_batches", verbose_name=_("年度")
    )
    regions = models.ManyToManyField(Region, related_name="+", verbose_name=_("地区"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("通知书批量下达")
        verbose_name_plural = _("通知书批量下达")

    def __str__(self):
        return f"{self.cycle.year} {self.started_at:%Y-%m-%d %H:%M}"

"""Kernel models shared by every stage: who (users, organizations, regions) and when (cycles)."""
import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .enums import OrgKind, ReminderStatus, Role, Stage


class Region(models.Model):
    """A provincial-level region; the 13 of the notice are loaded by a data migration."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True, help_text=_("GB/T 2260"))
    name = models.CharField(_("名称"), max_length=20, unique=True)
    active = models.BooleanField(_("参与本轮改革"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("地区")
        verbose_name_plural = _("地区")

    def __str__(self):
        return self.name


class Organization(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="organizations",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [models.UniqueConstraint(fields=["name"], name="organization_unique_name")]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        return self.short_name or self.name

    @property
    def is_regional_department(self):
        return self.kind in OrgKind.regional_departments()


class User(AbstractUser):
    """A portal user. Every non-superuser belongs to one organization; roles are groups."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    post = models.CharField(_("职务"), max_length=50, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("所属单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="users",
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def region(self):
        return self.organization.region if self.organization_id else None

    @property
    def region_id(self):
        return self.organization.region_id if self.organization_id else None

    def role_names(self):
        # Cached on the instance: the header and permission checks ask several times per request.
        if not hasattr(self, "_role_names"):
            self._role_names = frozenset(self.groups.values_list("name", flat=True))
        return self._role_names

    def has_role(self, role):
        return str(role) in self.role_names()

    @property
    def primary_role(self):
        for role in Role:
            if role.value in self.role_names():
                return role
        return None


def _shanghai_end_of(day):
    """The first instant after ``day`` in Asia/Shanghai (deadlines close at the end of their day)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def default_offsets():
    return [30, 7, 1, -1]


class JointSignOff(models.Model):
    """确认联合报送 of a regional document (建议书, 揭榜申报) by the region's 发展改革委 and 科技厅 together (notice
    三(一)). ``version`` grows with every edit and an edit clears both sign-offs, so a document whose two
    sign-off fields are set was confirmed by both departments as it stands."""

    version = models.PositiveIntegerField(_("版本"), default=1)
    drc_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("发展改革委确认人"))
    drc_signed_at = models.DateTimeField(_("发展改革委确认时间"), null=True, blank=True)
    std_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("科技厅确认人"))
    std_signed_at = models.DateTimeField(_("科技厅确认时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def fully_signed(self):
        return self.drc_signed_by_id is not None and self.std_signed_by_id is not None

    def clear_sign_offs(self):
        self.drc_signed_by = self.drc_signed_at = None
        self.std_signed_by = self.std_signed_at = None

    def new_version(self):
        """An edit: the next version, which neither department has confirmed yet."""
        self.version += 1
        self.clear_sign_offs()

    def check_seen_version(self, version, document):
        """确认联合报送 confirms what the signer read: ``version`` is the one their page showed (None: not from
        a page). A document changed since is refused with a message, not confirmed unseen."""
        from django.utils.translation import gettext

        if version is not None and version != self.version:
            raise ValidationError(
                gettext("%(doc)s在您查看后已被修改（您看到的是第%(seen)s版，现为第%(now)s版），本次确认未生效。"
                        "请查看最新内容后再确认联合报送。") % {"doc": document, "seen": version, "now": self.version},
                code="stale")

    def record_sign_off(self, department, by, at) -> str:
        """Stamp ``department``'s confirmation of the current version; returns the department's label."""
        if department == OrgKind.REGIONAL_DRC:
            self.drc_signed_by, self.drc_signed_at = by, at
            return "发展改革委"
        if department == OrgKind.REGIONAL_STD:
            self.std_signed_by, self.std_signed_at = by, at
            return "科技厅"
        raise ValueError(f"not a regional department: {department!r}")


class ReformCycle(models.Model):
    """One yearly cycle (按年部署): its stage dates and its numbers.

    Every date is a calendar day in Asia/Shanghai; a stage is open to the end of its day
    (23:59:59 Beijing time). Numbers from the notice (3–5 proposals, ≥3 bids) are fields.
    """

    year = models.PositiveIntegerField(_("年度"), unique=True)
    title = models.CharField(_("名称"), max_length=100, blank=True)
    proposal_deadline = models.DateField(_("建议书报送截止"))
    review_deadline = models.DateField(_("清单制定截止（专家论证、征求意见）"))
    bidding_opens = models.DateField(_("揭榜开始"))
    bidding_deadline = models.DateField(_("揭榜截止"))
    implementation_end = models.DateField(_("组织实施截止"))
    evaluation_due = models.DateField(_("第三方评估截止"))
    min_proposals = models.PositiveSmallIntegerField(_("建议书最少举措数"), default=3)
    max_proposals = models.PositiveSmallIntegerField(_("建议书最多举措数"), default=5)
    min_bids = models.PositiveSmallIntegerField(_("每地最少揭榜数"), default=3)
    reminder_offsets = models.JSONField(
        _("提醒提前天数"), default=default_offsets,
        help_text=_("截止日前若干天提醒；负数表示逾期后若干天"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("改革年度")
        verbose_name_plural = _("改革年度")

    def __str__(self):
        return self.title or f"{self.year}年度全面创新改革"

    @classmethod
    def defaults_for(cls, year):
        d = datetime.date
        return {
            "proposal_deadline": d(year, 4, 30),
            "review_deadline": d(year, 6, 30),
            "bidding_opens": d(year, 7, 1),
            "bidding_deadline": d(year, 7, 31),
            "implementation_end": d(year + 1, 6, 30),
            "evaluation_due": d(year + 1, 9, 30),
        }

    def clean(self):
        errors = {}
        if self.min_proposals and self.max_proposals and self.min_proposals > self.max_proposals:
            errors["max_proposals"] = _("最多举措数不能小于最少举措数。")
        order = [
            ("proposal_deadline", self.proposal_deadline),
            ("review_deadline", self.review_deadline),
            ("bidding_opens", self.bidding_opens),
            ("bidding_deadline", self.bidding_deadline),
            ("implementation_end", self.implementation_end),
            ("evaluation_due", self.evaluation_due),
        ]
        for (_a, first), (b, second) in zip(order, order[1:], strict=False):
            if first and second and second < first:
                errors[b] = _("各阶段日期须按先后顺序排列。")
        if not isinstance(self.reminder_offsets, list) or not all(
            isinstance(x, int) for x in self.reminder_offsets or []
        ):
            errors["reminder_offsets"] = _("提醒天数须为整数列表，例如 [30, 7, 1, -1]。")
        if errors:
            raise ValidationError(errors)

    def stage_date(self, stage):
        return {
            Stage.PROPOSAL: self.proposal_deadline,
            Stage.REVIEW: self.review_deadline,
            Stage.BIDDING: self.bidding_deadline,
            Stage.IMPLEMENTATION: self.implementation_end,
            Stage.EVALUATION: self.evaluation_due,
        }[Stage(stage)]

    def stage_on(self, day):
        """The stage the calendar puts ``day`` (a date in Asia/Shanghai) in."""
        if day <= self.proposal_deadline:
            return Stage.PROPOSAL
        if day < self.bidding_opens:
            return Stage.REVIEW
        if day <= self.bidding_deadline:
            return Stage.BIDDING
        if day <= self.implementation_end:
            return Stage.IMPLEMENTATION
        if day <= self.evaluation_due:
            return Stage.EVALUATION
        return Stage.CLOSED

    def closes_at(self, stage):
        return _shanghai_end_of(self.stage_date(stage))


class DeadlineExtension(models.Model):
    """A national reviewer lets one region work past a stage's deadline (to the end of ``until``)."""

    cycle = models.ForeignKey(ReformCycle, on_delete=models.CASCADE, related_name="extensions",
                              verbose_name=_("年度"))
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="extensions",
                               verbose_name=_("地区"))
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices)
    until = models.DateField(_("延长至"))
    reason = models.TextField(_("理由"), max_length=500)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("批准人"))
    granted_at = models.DateTimeField(_("批准时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("延期")
        verbose_name_plural = _("延期")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "region", "stage"], name="one_extension_per_stage"),
        ]
        indexes = [models.Index(fields=["cycle", "region"])]

    def __str__(self):
        return f"{self.region} {self.get_stage_display()} → {self.until}"


class Notification(models.Model):
    """An in-app message to one user (站内通知); e-mail is a copy, this row is the record."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("接收人"))
    kind = models.CharField(_("类型"), max_length=50, default="general",
                            help_text=_("由发出通知的模块确定，例如 list_published"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True, help_text=_("站内相对地址"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class ReminderLog(models.Model):
    """One deadline reminder, keyed by (kind, object, recipient, offset, due day).

    The unique ``key`` is the idempotency guard: a send INSERTs its key before any mail leaves, and a
    second INSERT of the same key fails, so a beat that fires twice or two concurrent scans mail once.
    """

    key = models.CharField(_("幂等键"), max_length=255, unique=True)
    kind = models.CharField(_("类型"), max_length=50)
    cycle = models.ForeignKey(ReformCycle, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="reminder_logs", verbose_name=_("年度"))
    object_label = models.CharField(_("事项"), max_length=200)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminder_logs",
                                  verbose_name=_("接收人"))
    offset_days = models.SmallIntegerField(_("提前天数"), help_text=_("负数表示逾期后若干天"))
    due_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(_("状态"), max_length=10, choices=ReminderStatus.choices,
                              default=ReminderStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    notification = models.OneToOneField(Notification, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="reminder", verbose_name=_("站内通知"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        indexes = [models.Index(fields=["cycle", "status"], name="reminderlog_cycle_status")]

    def __str__(self):
        return self.key

    @property
    def last_day(self):
        """The deadline's last day in Asia/Shanghai (``due_at`` is the instant after it)."""
        return timezone.localtime(self.due_at - datetime.timedelta(microseconds=1)).date()

    @property
    def overdue_days(self):
        return -self.offset_days

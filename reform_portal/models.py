"""Kernel models shared by every stage: who (users, organizations, regions) and when (cycles)."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .enums import (
    AccountState,
    CycleState,
    ExportState,
    MailStatus,
    OrgKind,
    OrgLevel,
    OutboxState,
    ReminderStatus,
    Role,
    Stage,
)
from .validators import validate_credit_code


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
    """A unit in the cycle: a department, a ministry, an agency, an implementing entity, an expert's employer.

    Identified by its 统一社会信用代码 when it has one, else by (region, name) (DECISIONS §14). An implementing
    entity belongs to its ``region`` and may be used by other regions too (``used_by``: their libraries)."""

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=30, choices=OrgKind.choices)
    level = models.CharField(
        _("分层推进层级"), max_length=20, choices=OrgLevel.choices, default=OrgLevel.OTHER, blank=True
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在地区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
    )
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18位，选填"),
    )
    used_by = models.ManyToManyField(
        Region,
        verbose_name=_("使用地区"),
        blank=True,
        related_name="entity_library",
        help_text=_("本地区以外，将该单位列入实施主体单位库的地区"),
    )
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords(m2m_fields=[used_by])

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="organization_unique_credit_code"
            ),
            models.UniqueConstraint(fields=["region", "name"], name="organization_unique_region_name"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(region__isnull=True), name="organization_unique_national_name"
            ),
        ]

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
    # The version of what reviewers keep about a user (an expert's unit and post; optimistic locking, issue 17 §4).
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    # The text-message / 政务IM channel (reform_portal.channels): the user's own choice, to ``phone`` (a mobile).
    notify_sms = models.BooleanField(
        _("接收短信（政务IM）提醒"), default=False, help_text=_("办理事项的通知同时发送到手机")
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
        return self._organization_with_region().region if self.organization_id else None

    @property
    def region_id(self):
        return self._organization_with_region().region_id if self.organization_id else None

    def _organization_with_region(self):
        """The user's organization, read with its region in one query when it was not read yet: a regional page
        asks for the user's region (its id, then its name) — one query, not two (issue 19)."""
        if not User.organization.is_cached(self):
            self.organization = Organization.objects.select_related("region").get(pk=self.organization_id)
        return self.organization

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

    @property
    def account_state(self) -> AccountState:
        """已邀请 while an invitation waits for its set-password link, 已启用 when the account may log in."""
        if self.is_active:
            return AccountState.ACTIVE
        invitation = getattr(self, "invitation", None)
        if invitation is not None and invitation.accepted_at is None:
            return AccountState.INVITED
        return AccountState.DISABLED


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
    drc_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发展改革委确认人"),
    )
    drc_signed_at = models.DateTimeField(_("发展改革委确认时间"), null=True, blank=True)
    scitech_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("科技厅确认人"),
    )
    scitech_signed_at = models.DateTimeField(_("科技厅确认时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def fully_signed(self):
        return self.drc_signed_by_id is not None and self.scitech_signed_by_id is not None

    def clear_sign_offs(self):
        self.drc_signed_by = self.drc_signed_at = None
        self.scitech_signed_by = self.scitech_signed_at = None

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
                gettext(
                    "%(doc)s在您查看后已被修改（您看到的是第%(seen)s版，现为第%(now)s版），本次确认未生效。"
                    "请查看最新内容后再确认联合报送。"
                )
                % {"doc": document, "seen": version, "now": self.version},
                code="stale",
            )

    def record_sign_off(self, department, by, at) -> str:
        """Stamp ``department``'s confirmation of the current version; returns the department's label."""
        if department == OrgKind.REGIONAL_DRC:
            self.drc_signed_by, self.drc_signed_at = by, at
            return "发展改革委"
        if department == OrgKind.REGIONAL_SCITECH:
            self.scitech_signed_by, self.scitech_signed_at = by, at
            return "科技厅"
        raise ValueError(f"not a regional department: {department!r}")

    def signed_by_department(self, department) -> bool:
        """Whether ``department`` (REGIONAL_DRC / REGIONAL_SCITECH, or None) has confirmed the current version."""
        if department == OrgKind.REGIONAL_DRC:
            return self.drc_signed_by_id is not None
        if department == OrgKind.REGIONAL_SCITECH:
            return self.scitech_signed_by_id is not None
        return False

    def sign_off_problems(self) -> list[str]:
        """What stops 报送 as far as the sign-off goes (the page and the service show the same message)."""
        from django.utils.translation import gettext

        if self.fully_signed:
            return []
        return [gettext("须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。")]


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
        _("提醒提前天数"),
        default=default_offsets,
        help_text=_("截止日前若干天提醒；负数表示逾期后若干天"),
    )
    # Where the year stands (DECISIONS §14): moved only by the reviewers' stage actions (年度工作安排, through the
    # cycle's table); the page header and the 工作台 show it. Blank when created: ``save`` fills in the state the
    # dates give that day (a cycle made from dates alone — data generators, benchmarks); the year page opens a
    # new year in 筹备.
    state = models.CharField(_("当前阶段"), max_length=20, choices=CycleState.choices, blank=True)
    # 结束揭榜 before the deadline ends bidding at that instant: the dates alone cannot say it when bidding opened
    # the same day (the deadline may not precede the opening day). Cleared when the reviewers move the deadline.
    bidding_ended_at = models.DateTimeField(_("揭榜提前结束时间"), null=True, blank=True, editable=False)
    # What the year's 公文 (揭榜任务通知书, the 清单's 通知) print besides their text (issue 15; DECISIONS §15).
    notice_contacts = models.CharField(
        _("公文联系人及电话"),
        max_length=200,
        blank=True,
        help_text=_("印在通知书正文之后，如：于智锋 010-68501985；韩可珂 010-58884279"),
    )
    notice_cc = models.CharField(
        _("公文抄送机关"),
        max_length=300,
        blank=True,
        help_text=_("版记中的抄送机关，以顿号分隔，如：财政部、教育部"),
    )
    notice_printed_by = models.CharField(
        _("印发机关"), max_length=40, default="国家发展改革委办公厅", help_text=_("版记中的印发机关")
    )
    # Whether the year's results are public (issue 17 §10): moved only by the reviewers' 公布评估结果 / 撤回公布
    # through the results table (its values are that table's states); until then the public pages show none.
    results_state = models.CharField(
        _("评估结果公布状态"),
        max_length=20,
        choices=[("unpublished", _("未公布")), ("published", _("已公布"))],
        default="unpublished",
    )
    # The version of the dates form (optimistic locking, issue 17 §4): bumped by each 修改日期.
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("改革年度")
        verbose_name_plural = _("改革年度")

    def __str__(self):
        # the default name follows the interface language; documents render it under Chinese (issue 18 §10)
        return self.title or gettext("%(year)s年度全面创新改革") % {"year": self.year}

    def save(self, *args, **kwargs):
        if not self.state:
            self.state = self.stage_on(timezone.localdate())
        super().save(*args, **kwargs)

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

    @property
    def stage(self):
        """The stored state as a CycleState (``.label`` for pages)."""
        return CycleState(self.state) if self.state else CycleState(self.stage_on(timezone.localdate()))

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
        return self.hard_end(stage, _shanghai_end_of(self.stage_date(stage)))

    def hard_end(self, stage, closes):
        """``closes`` (a deadline, an extension's included), cut at the instant the reviewers ended the stage early."""
        if Stage(stage) == Stage.BIDDING and self.bidding_ended_at is not None:
            return min(closes, self.bidding_ended_at)
        return closes


class DeadlineExtension(models.Model):
    """A national reviewer lets one region work past a stage's deadline (to the end of ``until``)."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("年度")
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("地区")
    )
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


class CycleTally(models.Model):
    """A per-cycle aggregate stored once (issue 19, DECISIONS §19), e.g. the 揭榜矩阵's cells. The services that
    change what it sums bump ``generation`` in their own transaction (``reform_portal.tallies.invalidate``); a
    reader uses ``data`` only when it was computed at the current generation and otherwise computes it again
    and stores it. A reader that computed from data older than a concurrent change stores the older
    generation, so the change is never hidden (see ``tallies.read``)."""

    cycle = models.ForeignKey(ReformCycle, on_delete=models.CASCADE, related_name="+", verbose_name=_("年度"))
    key = models.CharField(_("统计项"), max_length=40)
    generation = models.PositiveIntegerField(_("版本"), default=0)
    data_generation = models.IntegerField(_("数据版本"), default=-1)
    data = models.JSONField(_("数据"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "key"], name="one_tally_per_cycle_key")]
        verbose_name = _("年度统计")
        verbose_name_plural = _("年度统计")

    def __str__(self):
        return f"{self.cycle_id}:{self.key}"


class Notification(models.Model):
    """An in-app message to one user (站内通知); e-mail is a copy, this row is the record."""

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(
        _("类型"), max_length=50, default="general", help_text=_("由发出通知的模块确定，例如 list_published")
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True, help_text=_("站内相对地址"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # What happened, once: a hand-off notifies each recipient once per key (kind:object:occurrence), whatever
    # retries or double clicks do (reform_portal.notifications.notify). Blank: not deduplicated.
    key = models.CharField(_("幂等键"), max_length=200, blank=True)
    # The e-mail copy, sent by the worker (reform_portal.notifications.notification_emails_deliver): blank when
    # no mail is due (no address, or email=False). Delivery bookkeeping, so not in the history.
    email_status = models.CharField(_("邮件状态"), max_length=10, choices=MailStatus.choices, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("邮件发送次数"), default=0)
    email_error = models.TextField(_("邮件错误信息"), blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    history = HistoricalRecords(
        excluded_fields=["email_status", "email_attempts", "email_error", "emailed_at"]
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["email_status", "created_at"], name="notification_mail_log"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class NotificationDelivery(models.Model):
    """The copy of one notification on an extra channel (短信 / 政务IM, ``reform_portal.channels``), for a user who
    opted in: written with the notification, sent by the worker through the outbox like the mail copy (row
    lock, only 待发送 rows are sent, retries with back-off, 发送失败 with the error after the last try)."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(_("渠道"), max_length=20)
    address = models.CharField(_("发送地址"), max_length=50)
    status = models.CharField(
        _("状态"), max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知发送（其他渠道）")
        verbose_name_plural = _("通知发送（其他渠道）")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")
        ]

    def __str__(self):
        return f"{self.channel} → {self.address}"

    @property
    def idempotency_key(self) -> str:
        """Sent to the gateway with every try: a gateway that keeps keys delivers one message per key."""
        return f"notification-{self.notification_id}-{self.channel}"


class ReminderLog(models.Model):
    """One deadline reminder, keyed by (kind, object, recipient, offset, due day).

    The unique ``key`` is the idempotency guard: a send INSERTs its key before any mail leaves, and a
    second INSERT of the same key fails, so a beat that fires twice or two concurrent scans mail once.
    """

    key = models.CharField(_("幂等键"), max_length=255, unique=True)
    kind = models.CharField(_("类型"), max_length=50)
    cycle = models.ForeignKey(
        ReformCycle,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminder_logs",
        verbose_name=_("年度"),
    )
    object_label = models.CharField(_("事项"), max_length=200)
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="reminder_logs", verbose_name=_("接收人")
    )
    offset_days = models.SmallIntegerField(_("提前天数"), help_text=_("负数表示逾期后若干天"))
    due_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    notification = models.OneToOneField(
        Notification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminder",
        verbose_name=_("站内通知"),
    )
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


class ExportJob(models.Model):
    """A list export longer than the request may build (``reform_portal.listing.EXPORT_LIMIT`` rows, DECISIONS §18):
    queued through the outbox, built by the worker through the list's own view (its permission checks, filters and
    sort, as the user who asked) and stored for that user alone to download."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name=_("申请人"),
    )
    path = models.CharField(_("导出地址"), max_length=200)
    query = models.TextField(_("筛选与排序"), blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=ExportState.choices, default=ExportState.PENDING
    )
    rows = models.PositiveIntegerField(_("行数"), default=0)
    file = models.FileField(_("文件"), upload_to="exports/", max_length=200, blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("后台导出")
        verbose_name_plural = _("后台导出")

    def __str__(self):
        return f"{self.path}?{self.query}"


class OutboxMessage(models.Model):
    """Work to do after a commit (a Celery task by name, with keyword arguments), written in the caller's
    transaction by ``reform_portal.outbox.enqueue`` and handed to Celery by the relay (``manage.py outbox_relay``).

    pending → dispatched (the relay handed it to the broker; ``attempts`` counts the hand-overs) → done / failed
    (the worker recorded how the task ended). A broker error leaves it pending with a later ``available_at``; a
    message dispatched but not done after ``PORTAL_OUTBOX_STALE_SECONDS`` (a worker killed mid-task) is pending
    again. The tasks are idempotent, so a second run of the same message does no harm."""

    task_name = models.CharField(_("任务"), max_length=200)
    kwargs = models.JSONField(_("参数"), default=dict)
    state = models.CharField(
        _("状态"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(_("派发次数"), default=0)
    available_at = models.DateTimeField(_("可派发时间"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("派发时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始执行时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("待办任务（发件箱）")
        verbose_name_plural = _("待办任务（发件箱）")
        indexes = [
            # the relay's two queries: due pending rows, and dispatched rows gone stale
            models.Index(fields=["state", "available_at"], name="outbox_due"),
            models.Index(fields=["state", "dispatched_at"], name="outbox_dispatched"),
        ]

    def __str__(self):
        return f"{self.task_name} #{self.pk}"

    @property
    def celery_task_id(self) -> str:
        """The id of this hand-over: ``outbox-<pk>-<attempt>``; a re-send of the same row is recognisable."""
        return f"outbox-{self.pk}-{self.attempts}"


class Invitation(models.Model):
    """An account opened by invitation (邀请): who invited whom, for which role; the invited user exists from the
    start, inactive and without a usable password, until the mailed set-password link activates it.

    Its state is derived (``accepted_at``), the table is ``invitation`` in ``reform_portal.transitions``."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="invitation", verbose_name=_("被邀请用户")
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("邀请人"))
    created_at = models.DateTimeField(_("邀请时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("最近发送时间"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("账号邀请")
        verbose_name_plural = _("账号邀请")

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class PasswordResetRequest(models.Model):
    """One request for a password-reset mail, kept an hour or so: the rate limit counts these rows (per client
    address and per e-mail address), in the database, so it holds when the cache (Redis) is down. The address
    is stored as a hash: the table says how often, not who."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)
    email_hash = models.CharField(_("邮箱摘要"), max_length=64)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("密码重置请求")
        verbose_name_plural = _("密码重置请求")
        indexes = [
            models.Index(fields=["email_hash", "created_at"], name="resetrequest_email"),
            models.Index(fields=["ip_address", "created_at"], name="resetrequest_ip"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.ip_address or '—'}"


class ApiToken(models.Model):
    """An API token (DECISIONS §18): it belongs to one named user and acts as that user, with that user's roles
    and region, through the same rules as the pages. A user may hold several (one per system that calls the
    API), each with a name, an expiry and a revocation. Only a hash of the secret is stored: the secret is shown
    once, when the token is created. A request sends ``Authorization: Token <prefix>.<secret>``; the prefix
    finds the row, the hash is compared in constant time."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(
        _("名称"), max_length=60, help_text=_("调用本平台接口的系统，如“省科技管理信息系统”")
    )
    prefix = models.CharField(_("前缀"), max_length=12, unique=True)
    secret_hash = models.CharField(_("密钥摘要"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("吊销人")
    )
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self):
        return f"{self.name}（{self.prefix}）"

    def is_active(self, now=None):
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at

    @property
    def status_label(self):
        if self.revoked_at is not None:
            return _("已吊销")
        if not self.is_active():
            return _("已过期")
        return _("有效")


class SearchDoc(models.Model):
    """One searchable object of a stage (DECISIONS §18 search; ``reform_portal.search``): its jieba tokens in one
    space-delimited column, `` 赋权 转化 … 先 赋 权 … ``, the same on SQLite and PostgreSQL. A query matches when
    each of its tokens is in the column (a ``LIKE '% token %'`` per token: multi-word AND). The stage says which
    objects a user may see; this row only says what words an object holds."""

    kind = models.CharField(_("类别"), max_length=30)
    object_id = models.PositiveBigIntegerField(_("对象"))
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    tokens = models.TextField(_("检索词"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("检索索引")
        verbose_name_plural = _("检索索引")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_search_doc_per_object")
        ]

    def __str__(self):
        return f"{self.kind}:{self.object_id} {self.title}"


class DocNumberRegister(models.Model):
    """发文字号 register of one (year, 机关代字): the office sets the next number (to follow its own registry);
    every number handed out is a ``DocNumber`` row, unique, never reused (issue 15; DECISIONS §15)."""

    year = models.PositiveIntegerField(_("年份"))
    prefix = models.CharField(_("机关代字"), max_length=20)
    next_number = models.PositiveIntegerField(
        _("下一个序号"), default=1, help_text=_("下一份公文自动取用的序号；已被占用的序号自动跳过")
    )
    revision = models.PositiveIntegerField(_("修订号"), default=1)  # of the office's own setting (set_next)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "prefix"]
        verbose_name = _("发文字号登记簿")
        verbose_name_plural = _("发文字号登记簿")
        constraints = [
            models.UniqueConstraint(fields=["year", "prefix"], name="one_register_per_year_prefix")
        ]

    def __str__(self):
        return f"{self.prefix}〔{self.year}〕"


class DocNumberState(models.TextChoices):
    ISSUED = "issued", _("已使用")
    VOIDED = "voided", _("已作废（号不再使用）")


class DocNumber(models.Model):
    """One 发文字号 taken from a register: by the portal's counter or typed from the office's registry. A voided
    document keeps its number (the row stays), so a number is never given twice (unique in the database)."""

    register = models.ForeignKey(
        DocNumberRegister, on_delete=models.PROTECT, related_name="numbers", verbose_name=_("登记簿")
    )
    number = models.PositiveIntegerField(_("序号"))
    text = models.CharField(_("发文字号"), max_length=40)
    kind = models.CharField(_("公文种类"), max_length=40)
    subject = models.CharField(_("事由"), max_length=200, blank=True)
    typed = models.BooleanField(_("按登记号填写"), default=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=DocNumberState.choices, default=DocNumberState.ISSUED
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("取号人"),
    )
    taken_at = models.DateTimeField(_("取号时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["register", "number"]
        verbose_name = _("发文字号")
        verbose_name_plural = _("发文字号")
        constraints = [
            models.UniqueConstraint(fields=["register", "number"], name="doc_number_never_reused"),
            models.CheckConstraint(condition=Q(number__gte=1), name="doc_number_positive"),
        ]

    def __str__(self):
        return self.text

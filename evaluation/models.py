"""Stage 4 评估激励 (notice 三(四)): third-party evaluation of finished tasks, the replicable outcomes
drawn from them (public library) and the incentives for the regions and units that did well."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from bidding.models import Task
from proposals.enums import ReformArea
from reform_portal.models import Organization, ReformCycle, Region

from .enums import AssessmentState, CommissionState, Grade, IncentiveKind, OutcomeState

SCORE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class EvaluationScheme(models.Model):
    """The per-cycle weights of the four indicators and the grade cut-offs (a setting, not a constant)."""

    cycle = models.OneToOneField(
        ReformCycle, on_delete=models.CASCADE, related_name="evaluation_scheme", verbose_name=_("年度")
    )
    weight_attainment = models.DecimalField(
        _("目标完成度权重"), max_digits=5, decimal_places=2, default=Decimal("40"), validators=SCORE
    )
    weight_breakthrough = models.DecimalField(
        _("改革突破性权重"), max_digits=5, decimal_places=2, default=Decimal("20"), validators=SCORE
    )
    weight_replicability = models.DecimalField(
        _("可复制推广性权重"), max_digits=5, decimal_places=2, default=Decimal("25"), validators=SCORE
    )
    weight_satisfaction = models.DecimalField(
        _("相关方满意度权重"), max_digits=5, decimal_places=2, default=Decimal("15"), validators=SCORE
    )
    cut_excellent = models.DecimalField(
        _("优秀分数线"), max_digits=5, decimal_places=2, default=Decimal("90"), validators=SCORE
    )
    cut_good = models.DecimalField(
        _("良好分数线"), max_digits=5, decimal_places=2, default=Decimal("80"), validators=SCORE
    )
    cut_pass = models.DecimalField(
        _("合格分数线"), max_digits=5, decimal_places=2, default=Decimal("60"), validators=SCORE
    )
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评估指标权重与等次")
        verbose_name_plural = _("评估指标权重与等次")

    def __str__(self):
        return f"{self.cycle.year}年度评估指标权重与等次"

    def weights(self):
        return {
            "attainment": self.weight_attainment,
            "breakthrough": self.weight_breakthrough,
            "replicability": self.weight_replicability,
            "satisfaction": self.weight_satisfaction,
        }

    def clean(self):
        errors = {}
        if sum((w or Decimal(0)) for w in self.weights().values()) != Decimal("100"):
            errors["weight_satisfaction"] = _("四项指标的权重之和须为100。")
        if None not in (self.cut_excellent, self.cut_good, self.cut_pass) and not (
            self.cut_excellent > self.cut_good > self.cut_pass
        ):
            errors["cut_pass"] = _("分数线须满足：优秀 > 良好 > 合格。")
        if errors:
            raise ValidationError(errors)


class Commission(models.Model):
    """委托第三方机构评估: one agency, one or more tasks in 待评估, a due date and terms of reference."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="commissions", verbose_name=_("年度")
    )
    agency = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="commissions", verbose_name=_("评估机构")
    )
    tasks = models.ManyToManyField(Task, related_name="commissions", verbose_name=_("评估任务"))
    due_date = models.DateField(_("评估完成时限"))
    terms = models.TextField(_("委托事项与评估要求"))
    state = models.CharField(
        _("状态"), max_length=20, choices=CommissionState.choices, default=CommissionState.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("委托人")
    )
    created_at = models.DateTimeField(_("委托时间"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[tasks])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("评估委托")
        verbose_name_plural = _("评估委托")

    def __str__(self):
        return f"{self.agency}（{self.due_date}）"


class Assessment(models.Model):
    """The agency's assessment of one task. Locked once submitted; a correction needs a reopen that a
    national reviewer approves. simple-history keeps every submitted version."""

    commission = models.ForeignKey(
        Commission, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("评估委托")
    )
    task = models.OneToOneField(
        Task, on_delete=models.PROTECT, related_name="assessment", verbose_name=_("任务")
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    report = models.FileField(_("评估报告"), upload_to="assessments/", max_length=200, blank=True)
    report_name = models.CharField(_("报告文件名"), max_length=200, blank=True)
    report_size = models.PositiveIntegerField(_("报告大小"), default=0)
    computed_attainment = models.DecimalField(
        _("目标完成度（按实际值计算）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score_attainment = models.DecimalField(
        _("目标完成度"), max_digits=5, decimal_places=2, null=True, blank=True, validators=SCORE
    )
    score_breakthrough = models.DecimalField(
        _("改革突破性"), max_digits=5, decimal_places=2, null=True, blank=True, validators=SCORE
    )
    score_replicability = models.DecimalField(
        _("可复制推广性"), max_digits=5, decimal_places=2, null=True, blank=True, validators=SCORE
    )
    score_satisfaction = models.DecimalField(
        _("相关方满意度"), max_digits=5, decimal_places=2, null=True, blank=True, validators=SCORE
    )
    weighted_score = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("评估等次"), max_length=20, choices=Grade.choices, blank=True)
    conclusion = models.TextField(_("评估结论"), blank=True)
    recommend_promotion = models.BooleanField(_("建议复制推广"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    reopen_reason = models.TextField(_("更正理由"), blank=True)
    reopen_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["task__region__code", "task__entry__position", "pk"]
        verbose_name = _("评估报告")
        verbose_name_plural = _("评估报告")

    def __str__(self):
        return f"{self.task}：{self.get_state_display()}"

    @property
    def locked(self):
        return self.state != AssessmentState.DRAFT

    def scores(self):
        return {
            "attainment": self.score_attainment,
            "breakthrough": self.score_breakthrough,
            "replicability": self.score_replicability,
            "satisfaction": self.score_satisfaction,
        }


class Outcome(models.Model):
    """可复制推广的改革成果, drawn from a task the evaluator recommended; public once published."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("年度")
    )
    task = models.OneToOneField(
        Task, on_delete=models.PROTECT, related_name="outcome", verbose_name=_("来源任务")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("来源地区")
    )
    area = models.CharField(_("改革任务领域"), max_length=20, choices=ReformArea.choices)
    title = models.CharField(_("成果名称"), max_length=100)
    summary = models.TextField(_("成果概要"))
    problem_solved = models.TextField(_("解决的问题"))
    how_to_replicate = models.TextField(_("复制推广方法"))
    applicable_scope = models.TextField(_("适用范围"))
    state = models.CharField(
        _("状态"), max_length=20, choices=OutcomeState.choices, default=OutcomeState.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("整理人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-cycle__year", "region__code", "pk"]
        verbose_name = _("可复制推广的改革成果")
        verbose_name_plural = _("可复制推广的改革成果")
        indexes = [models.Index(fields=["state", "area"])]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.state == OutcomeState.PUBLISHED


class Incentive(models.Model):
    """激励: 通报表扬, 优先支持承担创新创业创造等重大项目, or another measure, for a region and/or a unit."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="incentives", verbose_name=_("年度")
    )
    kind = models.CharField(_("激励方式"), max_length=20, choices=IncentiveKind.choices)
    reason = models.TextField(_("激励理由"))
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incentives",
        verbose_name=_("地区"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incentives",
        verbose_name=_("单位"),
    )
    tasks = models.ManyToManyField(Task, blank=True, related_name="incentives", verbose_name=_("相关任务"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    granted_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[tasks])

    class Meta:
        ordering = ["-granted_at", "-pk"]
        verbose_name = _("激励")
        verbose_name_plural = _("激励")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(region__isnull=False) | models.Q(organization__isnull=False),
                name="incentive_has_region_or_unit",
            ),
        ]

    def __str__(self):
        target = self.region or self.organization
        return f"{target}：{self.get_kind_display()}"

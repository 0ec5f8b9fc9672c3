"""Stage 2 制定清单 (notice 三(二)): measures merged from proposals (合并同类项), the annual list.

Core models (used by bidding): Measure with its provenance, MeasureList versions and their frozen
ListEntry rows. Expert review and ministry consultation models live beside them."""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from proposals.enums import AuthorityLevel, ReformArea
from proposals.models import MeasureProposal
from reform_portal.models import Organization, ReformCycle, Region

from .enums import ListState, OpinionStance, Recommendation


class Measure(models.Model):
    """A list item (清单举措), merged from one or more regions' proposals."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="measures", verbose_name=_("年度")
    )
    title = models.CharField(_("举措名称"), max_length=80)
    area = models.CharField(_("改革任务领域"), max_length=20, choices=ReformArea.choices)
    description = models.TextField(_("改革内容"))
    goals = models.TextField(_("改革目标"), blank=True)
    authority_level = models.CharField(
        _("事权层级"), max_length=20, choices=AuthorityLevel.choices, default=AuthorityLevel.PROVINCIAL
    )
    coordination_departments = models.CharField(_("国家协调部门"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    # Not stored: what catalog.selectors (with_stats, measure_detail) attach for the pages.
    stats: dict[str, Any]
    included: bool

    class Meta:
        ordering = ["cycle", "position", "pk"]
        verbose_name = _("清单举措")
        verbose_name_plural = _("清单举措")

    def __str__(self):
        return self.title


class MeasureSource(models.Model):
    """Provenance: one proposal merged into a measure. A proposal belongs to at most one measure
    (the one-to-one). The region and title are copied so provenance reads the same forever."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="sources", verbose_name=_("举措")
    )
    proposal = models.OneToOneField(
        MeasureProposal, on_delete=models.PROTECT, related_name="measure_source", verbose_name=_("来源建议")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("来源地区"))
    proposal_title = models.CharField(_("建议名称"), max_length=60)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("合并人")
    )
    added_at = models.DateTimeField(_("合并时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "region__code"]
        verbose_name = _("举措来源")
        verbose_name_plural = _("举措来源")

    def __str__(self):
        return f"{self.region}：{self.proposal_title}"


class ProposalRejection(models.Model):
    """未采纳: a proposal not taken into any measure, with a reason the region can read."""

    proposal = models.OneToOneField(
        MeasureProposal, on_delete=models.CASCADE, related_name="rejection", verbose_name=_("建议")
    )
    reason = models.TextField(_("未采纳理由"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("决定人")
    )
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("未采纳建议")
        verbose_name_plural = _("未采纳建议")

    def __str__(self):
        return f"{self.proposal}：{self.reason[:20]}"


class MeasureList(models.Model):
    """《年度全面改革创新举措清单》, versioned. A published version is frozen: its entries are copies."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="measure_lists", verbose_name=_("年度")
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    title = models.CharField(_("标题"), max_length=100)
    state = models.CharField(_("状态"), max_length=20, choices=ListState.choices, default=ListState.DRAFT)
    revision = models.PositiveIntegerField(_("修订号"), default=1)  # of the title (optimistic locking)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公布人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # A published version is frozen, so its PDF is rendered once (first download) and served from here.
    pdf = models.FileField(_("PDF 文件"), upload_to="lists/", max_length=200, blank=True)
    pdf_sha256 = models.CharField(_("PDF 文件摘要"), max_length=64, blank=True)
    # …and so is its spreadsheet (the public XLSX), made on its first download (issue 19).
    xlsx = models.FileField(_("XLSX 文件"), upload_to="lists/", max_length=200, blank=True)
    xlsx_sha256 = models.CharField(_("XLSX 文件摘要"), max_length=64, blank=True)
    # The 发文字号 of the 通知 that publishes this version, from the same register as the 揭榜任务通知书.
    number = models.OneToOneField(
        "reform_portal.DocNumber",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measure_list",
        verbose_name=_("发文字号"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "-version"]
        verbose_name = _("举措清单")
        verbose_name_plural = _("举措清单")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "version"], name="one_list_version_per_cycle")
        ]

    def __str__(self):
        return f"{self.title}（第{self.version}版）"

    @property
    def is_published(self):
        return self.state == ListState.PUBLISHED


class ListEntry(models.Model):
    """One numbered entry of a list version (e.g. 2027-01), a frozen copy of the measure when published."""

    measure_list = models.ForeignKey(
        MeasureList, on_delete=models.CASCADE, related_name="entries", verbose_name=_("清单")
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="entries", verbose_name=_("举措")
    )
    number = models.CharField(_("编号"), max_length=20)
    position = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("举措名称"), max_length=80)
    area = models.CharField(_("改革任务领域"), max_length=20, choices=ReformArea.choices)
    description = models.TextField(_("改革内容"))
    goals = models.TextField(_("改革目标"), blank=True)
    authority_level = models.CharField(_("事权层级"), max_length=20, choices=AuthorityLevel.choices)
    coordination_departments = models.CharField(_("国家协调部门"), max_length=300, blank=True)
    source_regions = models.CharField(_("建议来源地区"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure_list", "position"]
        verbose_name = _("清单条目")
        verbose_name_plural = _("清单条目")
        constraints = [
            models.UniqueConstraint(fields=["measure_list", "number"], name="unique_entry_number"),
            models.UniqueConstraint(fields=["measure_list", "measure"], name="measure_once_per_list"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


class MeasureInclusion(models.Model):
    """Whether the reviewers put a measure on the list (列入) or leave it off (不列入), with why.
    Kept beside the core model so the list selection has its own history."""

    measure = models.OneToOneField(
        Measure, on_delete=models.CASCADE, related_name="inclusion", verbose_name=_("举措")
    )
    included = models.BooleanField(_("列入清单"), default=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("列入情况")
        verbose_name_plural = _("列入情况")

    def __str__(self):
        return f"{self.measure}：{'列入' if self.included else '不列入'}"


class ExpertReview(models.Model):
    """专家论证: one expert's assignment to one measure and, once submitted, their scores on the rubric
    drawn from the notice 一 (含金量, 大胆闯·自主改, 小切口·大作为, 易操作·可考核, 出经验·做示范)."""

    CRITERIA = [
        ("value", _("含金量")),
        ("bold", _("大胆闯、自主改")),
        ("small", _("小切口、大作为")),
        ("easy", _("易操作、可考核")),
        ("exemplary", _("出经验、做示范")),
    ]
    SCORE = [MinValueValidator(1), MaxValueValidator(5)]

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("举措")
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="expert_reviews",
        verbose_name=_("专家"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("分配人")
    )
    assigned_at = models.DateTimeField(_("分配时间"), auto_now_add=True)
    value_score = models.PositiveSmallIntegerField(_("含金量"), null=True, blank=True, validators=SCORE)
    value_comment = models.TextField(_("含金量评语"), blank=True)
    bold_score = models.PositiveSmallIntegerField(
        _("大胆闯、自主改"), null=True, blank=True, validators=SCORE
    )
    bold_comment = models.TextField(_("大胆闯、自主改评语"), blank=True)
    small_score = models.PositiveSmallIntegerField(
        _("小切口、大作为"), null=True, blank=True, validators=SCORE
    )
    small_comment = models.TextField(_("小切口、大作为评语"), blank=True)
    easy_score = models.PositiveSmallIntegerField(
        _("易操作、可考核"), null=True, blank=True, validators=SCORE
    )
    easy_comment = models.TextField(_("易操作、可考核评语"), blank=True)
    exemplary_score = models.PositiveSmallIntegerField(
        _("出经验、做示范"), null=True, blank=True, validators=SCORE
    )
    exemplary_comment = models.TextField(_("出经验、做示范评语"), blank=True)
    recommendation = models.CharField(
        _("论证意见"), max_length=20, choices=Recommendation.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # A merge brought in a proposal of the expert's region after the review was submitted (issue 16): the
    # review stays (history), marked, and is left out of the averages.
    conflict_at = models.DateTimeField(_("利益冲突标记时间"), null=True, blank=True)
    conflict_reason = models.CharField(_("利益冲突说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "assigned_at", "pk"]
        verbose_name = _("专家论证")
        verbose_name_plural = _("专家论证")
        constraints = [models.UniqueConstraint(fields=["measure", "expert"], name="one_review_per_expert")]

    def __str__(self):
        return f"{self.expert}：{self.measure}"

    @property
    def submitted(self):
        return self.submitted_at is not None

    @property
    def counted(self):
        """Submitted and not marked for a conflict of interest: what the averages take."""
        return self.submitted_at is not None and self.conflict_at is None

    def scores(self):
        return [getattr(self, f"{key}_score") for key, _label in self.CRITERIA]

    @property
    def total(self):
        scores = self.scores()
        return sum(scores) if all(s is not None for s in scores) else None


class Consultation(models.Model):
    """征求有关部门意见: one draft list version sent to one ministry."""

    measure_list = models.ForeignKey(
        MeasureList, on_delete=models.CASCADE, related_name="consultations", verbose_name=_("清单")
    )
    ministry = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("征求意见部门")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发送人")
    )
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure_list", "ministry__name"]
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        constraints = [
            models.UniqueConstraint(fields=["measure_list", "ministry"], name="one_consultation_per_ministry")
        ]

    def __str__(self):
        return f"{self.measure_list} → {self.ministry}"


class DepartmentOpinion(models.Model):
    """A ministry's opinion on one measure (同意 / 修改后同意 / 不同意) and the reviewers' response."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="opinions", verbose_name=_("征求意见")
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="opinions", verbose_name=_("举措")
    )
    stance = models.CharField(_("意见"), max_length=20, choices=OpinionStance.choices)
    text = models.TextField(_("具体意见"), blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("反馈人")
    )
    given_at = models.DateTimeField(_("反馈时间"), auto_now=True)
    response = models.TextField(_("采纳情况说明"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["consultation", "measure__position", "measure_id"]
        verbose_name = _("部门意见")
        verbose_name_plural = _("部门意见")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "measure"], name="one_opinion_per_measure")
        ]

    def __str__(self):
        return f"{self.consultation.ministry}：{self.measure}（{self.get_stance_display()}）"


class SynonymGroup(models.Model):
    """One group of the merge page's synonym table: the words regions write for the same thing (技术经纪人,
    技术转移人才) and the canonical term they are compared as (技术经理人). Seeded from catalog/data/synonyms.txt
    by a data migration; national reviewers edit the table (history kept)."""

    canonical = models.CharField(_("规范用语"), max_length=40, unique=True)
    variants = models.TextField(_("同义表述"), help_text=_("以空格、顿号或换行分隔，每个表述不超过40字"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["canonical"]
        verbose_name = _("同义词组")
        verbose_name_plural = _("同义词组")

    def __str__(self):
        return self.canonical

    def variant_list(self) -> list[str]:
        import re

        return list(dict.fromkeys(w for w in re.split(r"[\s、，,;；]+", self.variants) if w))

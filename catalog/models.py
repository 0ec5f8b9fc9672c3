"""Stage 2 制定清单 (notice 三(二)): measures merged from proposals (合并同类项), the annual list.

Core models (used by bidding): Measure with its provenance, MeasureList versions and their frozen
ListEntry rows. Expert review and ministry consultation models live beside them."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from proposals.enums import AuthorityLevel, ReformArea
from proposals.models import MeasureProposal
from reform_portal.models import ReformCycle, Region

from .enums import ListState


class Measure(models.Model):
    """A list item (清单举措), merged from one or more regions' proposals."""

    cycle = models.ForeignKey(ReformCycle, on_delete=models.PROTECT, related_name="measures", verbose_name=_("年度"))
    title = models.CharField(_("举措名称"), max_length=80)
    area = models.CharField(_("改革任务领域"), max_length=20, choices=ReformArea.choices)
    description = models.TextField(_("改革内容"))
    goals = models.TextField(_("改革目标"), blank=True)
    authority_level = models.CharField(_("事权层级"), max_length=20, choices=AuthorityLevel.choices,
                                       default=AuthorityLevel.PROVINCIAL)
    coordination_departments = models.CharField(_("国家协调部门"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "position", "pk"]
        verbose_name = _("清单举措")
        verbose_name_plural = _("清单举措")

    def __str__(self):
        return self.title


class MeasureSource(models.Model):
    """Provenance: one proposal merged into a measure. A proposal belongs to at most one measure
    (the one-to-one). The region and title are copied so provenance reads the same forever."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="sources", verbose_name=_("举措"))
    proposal = models.OneToOneField(MeasureProposal, on_delete=models.PROTECT, related_name="measure_source",
                                    verbose_name=_("来源建议"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("来源地区"))
    proposal_title = models.CharField(_("建议名称"), max_length=60)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("合并人"))
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

    proposal = models.OneToOneField(MeasureProposal, on_delete=models.CASCADE, related_name="rejection",
                                    verbose_name=_("建议"))
    reason = models.TextField(_("未采纳理由"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("未采纳建议")
        verbose_name_plural = _("未采纳建议")

    def __str__(self):
        return f"{self.proposal}：{self.reason[:20]}"


class MeasureList(models.Model):
    """《年度全面改革创新举措清单》, versioned. A published version is frozen: its entries are copies."""

    cycle = models.ForeignKey(ReformCycle, on_delete=models.PROTECT, related_name="measure_lists",
                              verbose_name=_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    title = models.CharField(_("标题"), max_length=100)
    state = models.CharField(_("状态"), max_length=20, choices=ListState.choices, default=ListState.DRAFT)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("公布人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "-version"]
        verbose_name = _("举措清单")
        verbose_name_plural = _("举措清单")
        constraints = [models.UniqueConstraint(fields=["cycle", "version"], name="one_list_version_per_cycle")]

    def __str__(self):
        return f"{self.title}（第{self.version}版）"

    @property
    def is_published(self):
        return self.state == ListState.PUBLISHED


class ListEntry(models.Model):
    """One numbered entry of a list version (e.g. 2027-01), a frozen copy of the measure when published."""

    measure_list = models.ForeignKey(MeasureList, on_delete=models.CASCADE, related_name="entries",
                                     verbose_name=_("清单"))
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="entries", verbose_name=_("举措"))
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

"""基层征集 (notice 一, 三(一), 四): a region collects reform suggestions from its units and the public before it
chooses the 3–5 proposals of its 建议书. Sits between catalog and bidding in the layers: it reads proposals and
the kernel; nothing below imports it (the provenance it gives a proposal is stored on the proposal)."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from proposals.models import MeasureProposal
from reform_portal.enums import OrgKind
from reform_portal.models import Organization, ReformCycle, Region

from .enums import CollectionState, Moderation, Source, SuggestionState


class Collection(models.Model):
    """One 征集 per (region, cycle), opened by either of the region's two departments."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="collections", verbose_name=_("年度")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="collections", verbose_name=_("地区")
    )
    title = models.CharField(_("征集名称"), max_length=100)
    description = models.TextField(_("征集说明"), validators=[MaxLengthValidator(3000)])
    pain_points_sought = models.TextField(
        _("重点征集的痛点堵点"), blank=True, validators=[MaxLengthValidator(2000)]
    )
    closes_on = models.DateField(_("截止日期"), help_text=_("须早于本地区建议书报送截止日期"))
    public_form = models.BooleanField(
        _("开放公开征集"), default=False, help_text=_("本地区任何单位和个人均可填报")
    )
    invited = models.ManyToManyField(
        Organization, blank=True, related_name="collections", verbose_name=_("受邀单位")
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=CollectionState.choices, default=CollectionState.OPEN
    )
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[invited])

    class Meta:
        ordering = ["-cycle__year", "region__code"]
        verbose_name = _("基层征集")
        verbose_name_plural = _("基层征集")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "region"], name="one_collection_per_region_cycle")
        ]

    def __str__(self):
        return self.title


class Suggestion(models.Model):
    """A suggestion from an invited unit's user (``organization``, ``submitted_by``) or from the public (no
    account: name, unit and phone kept here, followed through a signed link whose nonce is ``follow_nonce``)."""

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("征集")
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    title = models.CharField(_("建议名称"), max_length=60)
    pain_points = models.TextField(_("针对的痛点堵点"), validators=[MaxLengthValidator(2000)])
    measure = models.TextField(_("建议的改革举措"), validators=[MaxLengthValidator(3000)])
    effect = models.TextField(_("预期成效"), blank=True, validators=[MaxLengthValidator(1000)])
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("受邀单位"),
    )
    unit_name = models.CharField(_("单位名称"), max_length=100)
    unit_kind = models.CharField(_("单位类型"), max_length=30, choices=OrgKind.choices, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=30)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    state = models.CharField(
        _("答复状态"), max_length=20, choices=SuggestionState.choices, default=SuggestionState.SUBMITTED
    )
    moderation = models.CharField(
        _("审核"), max_length=20, choices=Moderation.choices, default=Moderation.APPROVED
    )
    reply = models.TextField(_("答复意见"), blank=True, validators=[MaxLengthValidator(1000)])
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    adopted_into = models.ForeignKey(
        MeasureProposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("采纳为举措"),
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("合并至")
    )
    tags = models.CharField(_("标签"), max_length=100, blank=True)
    drc_score = models.PositiveSmallIntegerField(_("发展改革委评分"), null=True, blank=True)
    drc_opinion = models.CharField(_("发展改革委意见"), max_length=200, blank=True)
    scitech_score = models.PositiveSmallIntegerField(_("科技厅评分"), null=True, blank=True)
    scitech_opinion = models.CharField(_("科技厅意见"), max_length=200, blank=True)
    follow_nonce = models.CharField(_("跟踪链接随机数"), max_length=40, blank=True, editable=False)
    ip_digest = models.CharField(
        _("客户端地址摘要"), max_length=64, blank=True, editable=False, db_index=True
    )
    phone_digest = models.CharField(_("电话摘要"), max_length=64, blank=True, editable=False, db_index=True)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["follow_nonce", "ip_digest", "phone_digest"])

    class Meta:
        ordering = ["collection", "-created_at", "-pk"]
        verbose_name = _("基层建议")
        verbose_name_plural = _("基层建议")

    def __str__(self):
        return self.title


class SuggestionAttachment(models.Model):
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("建议")
    )
    file = models.FileField(_("文件"), upload_to="grassroots/", max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["suggestion", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name

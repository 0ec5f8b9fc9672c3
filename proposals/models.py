"""Stage 1 征集选题 (notice 三(一), 四): the region's 《全面创新改革举措建议书》 and its 3–5 proposals."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from reform_portal.models import JointSignOff, Organization, ReformCycle, Region

from .enums import AuthorityLevel, BookState, ReformArea


class ProposalBook(JointSignOff):
    """One per region per cycle. ``version`` grows with every edit; sign-offs are cleared by edits,
    so a book whose two sign-off fields are set was confirmed by both departments as it stands."""

    cycle = models.ForeignKey(
        ReformCycle, on_delete=models.PROTECT, related_name="proposal_books", verbose_name=_("年度")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="proposal_books", verbose_name=_("地区")
    )
    state = models.CharField(_("状态"), max_length=20, choices=BookState.choices, default=BookState.DRAFT)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    summary = models.TextField(
        _("总体说明"),
        blank=True,
        validators=[MaxLengthValidator(2000)],
        help_text=_("简述本地区改革举措建议的总体考虑（不超过2000字）"),
    )
    # 上行文 (GB/T 9704): the region's own 发文字号 and the 签发人 of each department, printed in the 版头; optional.
    doc_number = models.CharField(
        _("发文字号"),
        max_length=30,
        blank=True,
        help_text=_("本地区为建议书编的发文字号，如：浙发改高技〔2027〕12号；不填则版头不印字号"),
    )
    drc_signer = models.CharField(
        _("签发人（发展改革委）"),
        max_length=20,
        blank=True,
        help_text=_("本地区发展改革委签发人姓名，印在版头右侧"),
    )
    scitech_signer = models.CharField(
        _("签发人（科技厅）"),
        max_length=20,
        blank=True,
        help_text=_("本地区科技厅（委、局）签发人姓名，印在版头右侧"),
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送人"),
    )
    return_reason = models.TextField(_("退回理由"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["region__code"]
        verbose_name = _("全面创新改革举措建议书")
        verbose_name_plural = _("全面创新改革举措建议书")
        constraints = [models.UniqueConstraint(fields=["cycle", "region"], name="one_book_per_region_cycle")]

    @property
    def revision(self) -> int:
        """Optimistic locking of the cover (services.check_revision): every edit of the book is a new version."""
        return self.version

    def __str__(self):
        return f"{self.region}{self.cycle.year}年度全面创新改革举措建议书"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("proposals:book_detail", args=[self.pk])

    @property
    def signers(self) -> list[str]:
        """签发人 of the 上行文, the 发展改革委's first."""
        return [name for name in (self.drc_signer, self.scitech_signer) if name]

    @property
    def display_state(self):
        if self.state in (BookState.DRAFT, BookState.RETURNED) and self.fully_signed:
            return _("已联合确认，待报送")
        return self.get_state_display()

    @property
    def is_late(self):
        return bool(self.submitted_at and self.submitted_at >= self.cycle.closes_at("proposal"))


class MeasureProposal(models.Model):
    """One 改革举措建议 in a book (title ≤ 60 characters, notice 二 reform area, 事权, who was consulted)."""

    book = models.ForeignKey(
        ProposalBook, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("建议书")
    )
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    title = models.CharField(_("举措名称"), max_length=60)
    area = models.CharField(_("改革任务领域"), max_length=20, choices=ReformArea.choices, blank=True)
    keywords = models.CharField(_("关键词"), max_length=100, blank=True, help_text=_("以逗号或空格分隔"))
    pain_points = models.TextField(_("拟解决的痛点堵点"), blank=True, validators=[MaxLengthValidator(3000)])
    content = models.TextField(_("改革内容"), blank=True, validators=[MaxLengthValidator(5000)])
    steps = models.TextField(_("实施步骤及时间安排"), blank=True, validators=[MaxLengthValidator(3000)])
    entities = models.ManyToManyField(
        Organization, blank=True, related_name="proposals", verbose_name=_("实施主体")
    )
    new_entities = models.TextField(
        _("其他实施主体"),
        blank=True,
        validators=[MaxLengthValidator(1000)],
        help_text=_("单位库中没有的实施主体，每行一个"),
    )
    authority_level = models.CharField(
        _("事权层级"), max_length=20, choices=AuthorityLevel.choices, blank=True
    )
    coordination_departments = models.CharField(_("需协调的国家部门"), max_length=300, blank=True)
    consulted_bases = models.CharField(_("征求意见的国家双创示范基地"), max_length=300, blank=True)
    consulted_enterprises = models.CharField(_("征求意见的创新型企业"), max_length=300, blank=True)
    consulted_universities = models.CharField(_("征求意见的高等院校"), max_length=300, blank=True)
    consulted_institutes = models.CharField(_("征求意见的科研院所"), max_length=300, blank=True)
    consulted_departments = models.CharField(_("商议的同级相关部门"), max_length=300, blank=True)
    # 来源：N 条基层建议 — written by the 基层征集 services above this layer when suggestions become this
    # proposal: {"count": N, "kinds": {org kind: n}}; counts only, never the submitters' contact data.
    provenance = models.JSONField(_("基层建议来源"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[entities])

    class Meta:
        ordering = ["book", "position", "pk"]
        verbose_name = _("改革举措建议")
        verbose_name_plural = _("改革举措建议")
        indexes = [models.Index(fields=["book", "position"])]

    def __str__(self):
        return self.title

    def provenance_summary(self):
        """ "来源：N 条基层建议（高等院校 2 条、创新型企业 1 条）", or "" when none came from 基层征集."""
        from reform_portal.enums import OrgKind

        count = (self.provenance or {}).get("count") or 0
        if not count:
            return ""
        labels = dict(OrgKind.choices)
        counted = [
            (str(labels.get(kind, "其他")), n) for kind, n in (self.provenance.get("kinds") or {}).items()
        ]
        parts = [f"{label} {n} 条" for label, n in sorted(counted, key=lambda kv: (-kv[1], kv[0]))]
        head = f"来源：{count} 条基层建议"
        return f"{head}（{'、'.join(parts)}）" if parts else head

    def entity_names(self):
        names = [o.name for o in self.entities.all()]
        names += [line.strip() for line in self.new_entities.splitlines() if line.strip()]
        return names


class ExpectedResult(models.Model):
    """A measurable expected result: indicator, unit, target (易操作、可考核)."""

    proposal = models.ForeignKey(
        MeasureProposal, on_delete=models.CASCADE, related_name="results", verbose_name=_("举措")
    )
    indicator = models.CharField(_("指标"), max_length=100)
    unit = models.CharField(pgettext_lazy("计量", "单位"), max_length=20)
    target = models.DecimalField(_("目标值"), max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["proposal", "pk"]
        verbose_name = _("预期成效")
        verbose_name_plural = _("预期成效")

    def __str__(self):
        return f"{self.indicator}：{self.target.normalize():f}{self.unit}"


class ProposalAttachment(models.Model):
    proposal = models.ForeignKey(
        MeasureProposal, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("举措")
    )
    file = models.FileField(_("文件"), upload_to="proposals/", max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["proposal", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name

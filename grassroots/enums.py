from django.db import models
from django.utils.translation import gettext_lazy as _


class CollectionState(models.TextChoices):
    OPEN = "open", _("征集中")
    CLOSED = "closed", _("已截止")


class SuggestionState(models.TextChoices):
    """The reply the submitter reads (notice 一: 问题从群众中来)."""

    SUBMITTED = "submitted", _("待答复")
    ADOPTED = "adopted", _("已采纳")
    MERGED = "merged", _("已合并")
    DECLINED = "declined", _("暂不采纳")


class Moderation(models.TextChoices):
    """A public suggestion is shown to nobody but the region's staff until they approve it (DECISIONS §20)."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("不予受理")


class Source(models.TextChoices):
    INVITED = "invited", _("受邀单位")
    PUBLIC = "public", _("公开征集")

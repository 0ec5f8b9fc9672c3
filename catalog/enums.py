from django.db import models
from django.utils.translation import gettext_lazy as _


class ListState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    CONSULTING = "consulting", _("征求意见中")
    PUBLISHED = "published", _("已公布")


class Recommendation(models.TextChoices):
    INCLUDE = "include", _("列入")
    REVISE = "revise", _("修改后列入")
    EXCLUDE = "exclude", _("不列入")


class OpinionStance(models.TextChoices):
    AGREE = "agree", _("同意")
    AGREE_IF_REVISED = "revise", _("修改后同意")
    DISAGREE = "disagree", _("不同意")

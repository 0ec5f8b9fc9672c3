from django.db import models
from django.utils.translation import gettext_lazy as _


class BidSetState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")


class TaskState(models.TextChoices):
    AWARDED = "awarded", _("已确认揭榜")
    PLANNING = "planning", _("细化方案中")
    IN_PROGRESS = "in_progress", _("实施中")
    PENDING_EVALUATION = "pending_evaluation", _("待评估")
    EVALUATING = "evaluating", _("评估中")
    EVALUATED = "evaluated", _("已评估")


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("未开始")
    ON_TRACK = "on_track", _("正常推进")
    AT_RISK = "at_risk", _("存在风险")
    LATE = "late", _("滞后")
    DONE = "done", _("已完成")

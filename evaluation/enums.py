from django.db import models
from django.utils.translation import gettext_lazy as _


class CommissionState(models.TextChoices):
    ACTIVE = "active", _("评估中")
    COMPLETED = "completed", _("已完成")
    WITHDRAWN = "withdrawn", _("已撤回")


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("填写中")
    SUBMITTED = "submitted", _("已提交")
    REOPEN_REQUESTED = "reopen_requested", _("申请更正")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


# 优秀=4 … 不合格=1, for the yearly average grade (our choice, shown on the results page).
GRADE_POINTS = {Grade.EXCELLENT: 4, Grade.GOOD: 3, Grade.PASS: 2, Grade.FAIL: 1}


class OutcomeState(models.TextChoices):
    DRAFT = "draft", _("未发布")
    PUBLISHED = "published", _("已发布")


class IncentiveKind(models.TextChoices):
    COMMENDATION = "commendation", _("通报表扬")
    PRIORITY_SUPPORT = "priority_support", _("优先支持承担重大项目")
    OTHER = "other", _("其他")


# The four indicators of an assessment: (field suffix, label).
INDICATORS = [
    ("attainment", _("目标完成度")),
    ("breakthrough", _("改革突破性")),
    ("replicability", _("可复制推广性")),
    ("satisfaction", _("相关方满意度")),
]

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    NATIONAL_NDRC = "national_ndrc", _("国家发展改革委司局")
    NATIONAL_MOST = "national_most", _("科技部司局")
    MINISTRY = "ministry", _("有关部门")
    REGIONAL_DRC = "regional_drc", _("省级发展改革委")
    REGIONAL_STD = "regional_std", _("省级科技厅（委、局）")
    EVALUATOR = "evaluator", _("第三方评估机构")
    FUNCTIONAL_DEPT = "functional_dept", _("同级职能部门")
    LOCAL_GOV = "local_gov", _("地方政府")
    ENTERPRISE = "enterprise", _("企业")
    UNIVERSITY = "university", _("高等院校")
    INSTITUTE = "institute", _("科研院所")
    EXPERT_BODY = "expert_body", _("专家所在单位")

    @classmethod
    def national(cls):
        return [cls.NATIONAL_NDRC, cls.NATIONAL_MOST]

    @classmethod
    def regional_departments(cls):
        return [cls.REGIONAL_DRC, cls.REGIONAL_STD]

    @classmethod
    def implementing(cls):
        return [cls.FUNCTIONAL_DEPT, cls.LOCAL_GOV, cls.ENTERPRISE, cls.UNIVERSITY, cls.INSTITUTE]


class Role(models.TextChoices):
    """Roles are Django groups whose names are these values."""

    REGIONAL_STAFF = "regional_staff", _("省级填报")
    NATIONAL_REVIEWER = "national_reviewer", _("国家审核")
    EXPERT = "expert", _("评审专家")
    MINISTRY_LIAISON = "ministry_liaison", _("部门联络")
    EVALUATOR = "evaluator", _("第三方评估")
    IMPLEMENTER = "implementer", _("实施主体")


class Stage(models.TextChoices):
    """The stages of one yearly cycle (notice 三(一)–(四))."""

    PROPOSAL = "proposal", _("征集选题")
    REVIEW = "review", _("制定清单")
    BIDDING = "bidding", _("悬榜揭榜")
    IMPLEMENTATION = "implementation", _("组织实施")
    EVALUATION = "evaluation", _("评估激励")
    CLOSED = "closed", _("本年度已结束")


class ReminderStatus(models.TextChoices):
    """A reminder key's state: pending from the claiming INSERT until the mail leaves or gives up."""

    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    NATIONAL_NDRC = "national_ndrc", _("国家发展改革委司局")
    NATIONAL_MOST = "national_most", _("科技部司局")
    MINISTRY = "ministry", _("有关部门")
    REGIONAL_DRC = "regional_drc", _("省级发展改革委")
    REGIONAL_SCITECH = "regional_scitech", _("省级科技厅（委、局）")
    EVALUATOR = "evaluator", _("第三方评估机构")
    FUNCTIONAL_DEPT = "functional_dept", _("同级职能部门")
    LOCAL_GOV = "local_gov", _("地方政府")
    ENTERPRISE = "enterprise", _("企业")
    INNOVATIVE_ENTERPRISE = "innovative_enterprise", _("创新型企业")
    INNOVATION_BASE = "innovation_base", _("双创示范基地")
    UNIVERSITY = "university", _("高等院校")
    INSTITUTE = "institute", _("科研院所")
    EXPERT_BODY = "expert_body", _("专家所在单位")

    @classmethod
    def national(cls):
        return [cls.NATIONAL_NDRC, cls.NATIONAL_MOST]

    @classmethod
    def regional_departments(cls):
        return [cls.REGIONAL_DRC, cls.REGIONAL_SCITECH]

    @classmethod
    def implementing(cls):
        return [
            cls.FUNCTIONAL_DEPT,
            cls.LOCAL_GOV,
            cls.ENTERPRISE,
            cls.INNOVATIVE_ENTERPRISE,
            cls.INNOVATION_BASE,
            cls.UNIVERSITY,
            cls.INSTITUTE,
        ]


class OrgLevel(models.TextChoices):
    """分层推进 (notice 四): the tier a unit works at, set by the region's staff."""

    PROVINCIAL = "provincial", _("省级")
    KEY_CITY = "key_city", _("重点城市")
    PILOT = "pilot", _("试点单位")
    OTHER = "other", _("其他")


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


class CycleState(models.TextChoices):
    """The state stored on a cycle (DECISIONS §14): 筹备, then the stages. Moved only by the reviewers' actions on
    the 年度工作安排 page (the cycle's table in reform_portal.transitions); the dates stay deadlines."""

    PLANNING = "planning", _("筹备")
    PROPOSAL = Stage.PROPOSAL.value, Stage.PROPOSAL.label
    REVIEW = Stage.REVIEW.value, Stage.REVIEW.label
    BIDDING = Stage.BIDDING.value, Stage.BIDDING.label
    IMPLEMENTATION = Stage.IMPLEMENTATION.value, Stage.IMPLEMENTATION.label
    EVALUATION = Stage.EVALUATION.value, Stage.EVALUATION.label
    CLOSED = Stage.CLOSED.value, Stage.CLOSED.label


class ReminderStatus(models.TextChoices):
    """A reminder key's state: pending from the claiming INSERT until the mail leaves or gives up."""

    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class MailStatus(models.TextChoices):
    """The e-mail copy of one notification: queued for the worker, sent, or given up after the retries."""

    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class ExportState(models.TextChoices):
    """A list export too long for the request (reform_portal.listing): queued, then built by the worker."""

    PENDING = "pending", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("生成失败")


class OutboxState(models.TextChoices):
    """An outbox message: written with the action, handed to Celery by the relay, finished by the worker."""

    PENDING = "pending", _("待派发")
    DISPATCHED = "dispatched", _("已派发")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class AccountState(models.TextChoices):
    """Where an account stands: invited (the set-password link not used yet), active, or switched off."""

    INVITED = "invited", _("已邀请")
    ACTIVE = "active", _("已启用")
    DISABLED = "disabled", _("已停用")

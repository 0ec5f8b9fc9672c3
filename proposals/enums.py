from django.db import models
from django.utils.translation import gettext_lazy as _


class BookState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("退回修改")
    CLOSED = "closed", _("已进入汇总")


class ReformArea(models.TextChoices):
    """The four reform tasks of the notice, section 二."""

    RESEARCH_SYSTEM = "research_system", _("构建高效运行的科研体系")
    CORE_TECH = "core_tech", _("打好关键核心技术攻坚战")
    TECH_MARKET = "tech_market", _("促进技术要素市场体系建设")
    NEW_ECONOMY = "new_economy", _("包容审慎监管新产业新业态")


class AuthorityLevel(models.TextChoices):
    """事权 (notice 三(一)): provincial first; national coordination when needed."""

    PROVINCIAL = "provincial", _("省级事权范围内")
    NATIONAL = "national", _("需国家层面协调")

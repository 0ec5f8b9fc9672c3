"""What each role must do next, per stage. Stage apps add richer panels through ``register_panel``
(called from their AppConfig.ready), so the kernel never imports upwards."""
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .enums import Role, Stage
from .services import days_left, deadline_for, last_day_of

NEXT_ACTIONS = {
    Role.REGIONAL_STAFF: {
        Stage.PROPOSAL: (_("填报并联合报送本年度《全面创新改革举措建议书》（3—5项改革举措，发展改革委与科技厅共同确认）"), "proposals:book"),
        Stage.REVIEW: (_("国家发展改革委、科技部正在汇总论证，可查看本地区建议书的采纳情况"), "proposals:book"),
        Stage.BIDDING: (_("揭榜：认领年度举措清单中不少于规定数量的改革任务并联合报送"), "bidding:bids"),
        Stage.IMPLEMENTATION: (_("组织实施：细化时间表、路线图、责任人，按期报送进展"), "bidding:tasks"),
        Stage.EVALUATION: (_("配合第三方评估，总结凝练可复制推广的改革成果"), "bidding:tasks"),
    },
    Role.NATIONAL_REVIEWER: {
        Stage.PROPOSAL: (_("跟踪各地建议书报送情况，必要时退回修改或批准延期"), "proposals:inbox"),
        Stage.REVIEW: (_("汇总与合并同类项、组织专家论证、征求有关部门意见并公布举措清单"), "catalog:merge"),
        Stage.BIDDING: (_("汇总揭榜结果，确认揭榜并下达揭榜任务通知书"), "bidding:matrix"),
        Stage.IMPLEMENTATION: (_("跟踪各地任务进展，答复协调解决事项"), "bidding:progress"),
        Stage.EVALUATION: (_("委托第三方机构评估，遴选可复制推广成果并实施激励"), "evaluation:commissions"),
    },
    Role.EXPERT: {
        Stage.REVIEW: (_("对分配给您的改革举措进行专家论证并打分"), "catalog:my_reviews"),
    },
    Role.MINISTRY_LIAISON: {
        Stage.REVIEW: (_("对征求意见的举措清单逐项反馈部门意见"), "catalog:consultations"),
    },
    Role.EVALUATOR: {
        Stage.IMPLEMENTATION: (_("查看受托评估任务，准备评估工作"), "evaluation:assignments"),
        Stage.EVALUATION: (_("对受托任务开展评估并上传评估报告"), "evaluation:assignments"),
    },
    Role.IMPLEMENTER: {
        Stage.IMPLEMENTATION: (_("按时间表推进所承担的改革任务并报送进展"), "bidding:tasks"),
        Stage.EVALUATION: (_("配合第三方评估"), "bidding:tasks"),
    },
}

IDLE = _("当前阶段暂无需要您办理的事项")

# The deadline each role watches in each stage.
WATCHED_STAGE = {
    Role.REGIONAL_STAFF: None,  # the current stage's own deadline
    Role.NATIONAL_REVIEWER: None,
    Role.EXPERT: Stage.REVIEW,
    Role.MINISTRY_LIAISON: Stage.REVIEW,
    Role.EVALUATOR: Stage.EVALUATION,
    Role.IMPLEMENTER: Stage.IMPLEMENTATION,
}


@dataclass
class NextAction:
    text: str
    url: str | None


@dataclass
class Deadline:
    stage: Stage
    at: object
    last_day: object
    days_left: int
    extended: bool


def safe_reverse(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def next_action(role, stage):
    text, url_name = NEXT_ACTIONS.get(role, {}).get(stage, (IDLE, None))
    return NextAction(text=str(text), url=safe_reverse(url_name) if url_name else None)


def next_deadline(user, cycle, stage):
    role = user.primary_role
    watched = WATCHED_STAGE.get(role) or stage
    if watched == Stage.CLOSED:
        return None
    region = user.region if role in (Role.REGIONAL_STAFF, Role.IMPLEMENTER) else None
    at = deadline_for(cycle, region, watched)
    return Deadline(
        stage=Stage(watched), at=at, last_day=last_day_of(at), days_left=days_left(at),
        extended=at != cycle.closes_at(watched),
    )


_PANELS = []


def register_panel(func):
    """``func(user, cycle, stage) -> dict | None`` with keys title, template (or lines), context."""
    _PANELS.append(func)
    return func


def panels_for(user, cycle, stage):
    out = []
    for func in _PANELS:
        panel = func(user=user, cycle=cycle, stage=stage)
        if panel:
            out.append(panel)
    return out

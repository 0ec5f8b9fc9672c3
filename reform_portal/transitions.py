"""State tables: for each workflow, state → action → next state, who may, and the guards the rules check.

Every workflow of the portal (建议书, 清单版本, 揭榜申报, 揭榜任务, 评估委托, 评估报告, 改革成果, 专家论证, 征求意见,
协调事项, and the cycle's own table) is declared as data in its app's ``transitions.py`` and registered here.
Services change a state only through :func:`transition`, which refuses a (state, action) pair that is not in
the table; rules ask :meth:`Workflow.allows` instead of comparing states themselves; the tables are printed
into docs/architecture.md by ``manage.py transitions --markdown``. A test tries every (state, action) pair of
every table and checks that every state can be reached.

The kernel declares the mechanism and the cycle's table; it names no stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .enums import AccountState, Role, Stage

if TYPE_CHECKING:
    from django.db.models import Model
    from django_stubs_ext import StrOrPromise

    from .models import User

SYSTEM = "system"  # the portal itself (a scheduled job), no user


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    who: tuple[str, ...]  # Role values (or SYSTEM) that may take the action
    guards: tuple[str, ...] = ()  # what else the rules check, in words (printed in the docs)


@dataclass
class Workflow:
    """One state table. ``states``: (value, label) pairs in their natural order, the first is the initial
    state. ``state_field``: the model field that holds the state; None when the state is derived from other fields
    by ``derive(obj)`` (then the service sets those fields and :func:`transition` only checks the pair)."""

    name: str
    label: Any
    states: list[tuple[str, Any]]
    actions: dict[str, Any]
    transitions: list[Transition]
    model: str = ""  # "app_label.ModelName"; empty for a table whose object does not exist yet
    state_field: str | None = "state"
    derive: Callable[[Any], str] | None = None
    refusals: dict[str, Any] = dataclass_field(default_factory=dict)

    def __post_init__(self) -> None:
        values = {value for value, _label in self.states}
        for t in self.transitions:
            if t.source not in values or t.target not in values:
                raise ValueError(f"{self.name}: {t} names a state not in the table")
            if t.action not in self.actions:
                raise ValueError(f"{self.name}: action {t.action!r} has no label")
            if not t.who:
                raise ValueError(f"{self.name}: {t} says nobody may take it")
        pairs = [(t.source, t.action) for t in self.transitions]
        if len(pairs) != len(set(pairs)):
            raise ValueError(f"{self.name}: a (state, action) pair leads to two states")

    @property
    def initial(self) -> str:
        return self.states[0][0]

    def state_values(self) -> list[str]:
        return [value for value, _label in self.states]

    def state_label(self, state: str) -> str:
        return str(dict(self.states).get(state, state))

    def find(self, state: str, action: str) -> Transition | None:
        for t in self.transitions:
            if t.source == state and t.action == action:
                return t
        return None

    def allows(self, state: str, action: str) -> bool:
        return self.find(state, action) is not None

    def actions_from(self, state: str) -> list[str]:
        return [t.action for t in self.transitions if t.source == state]

    def refusal(self, state: str, action: str) -> str:
        """The Chinese message for ``action`` refused in ``state``: the table's own, else a generic one."""
        message = (
            self.refusals.get(f"{state}:{action}")
            or self.refusals.get(state)
            or self.refusals.get(f"*:{action}")
        )
        if message:
            return str(message)
        return _("%(what)s当前状态为“%(state)s”，不能%(action)s。") % {
            "what": self.label,
            "state": self.state_label(state),
            "action": self.actions[action],
        }

    def state_of(self, obj: Model) -> str:
        if self.derive is not None:
            return self.derive(obj)
        return str(getattr(obj, self.state_field or "state"))

    def reachable(self) -> set[str]:
        seen, todo = {self.initial}, [self.initial]
        while todo:
            state = todo.pop()
            for t in self.transitions:
                if t.source == state and t.target not in seen:
                    seen.add(t.target)
                    todo.append(t.target)
        return seen

    def markdown(self) -> str:
        """The table as Markdown (docs/architecture.md holds this text; a test keeps them equal)."""
        lines = [
            f"#### {self.label} (`{self.name}`{', ' + self.model if self.model else ''})",
            "",
            "| state | action | next state | who | guards |",
            "| --- | --- | --- | --- | --- |",
        ]
        for t in self.transitions:
            who = "、".join(str(Role(w).label) if w in Role.values else "系统" for w in t.who)
            lines.append(
                f"| {self.state_label(t.source)} | {self.actions[t.action]} (`{t.action}`) "
                f"| {self.state_label(t.target)} | {who} | {'；'.join(t.guards) or '—'} |"
            )
        return "\n".join(lines)


_WORKFLOWS: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Called by each app's ``transitions.py`` (imported from its ``AppConfig.ready``)."""
    _WORKFLOWS[workflow.name] = workflow
    return workflow


def workflows() -> list[Workflow]:
    """Every registered table, the kernel's first, then each app's in INSTALLED_APPS order."""
    from django.apps import apps

    order = [config.label for config in apps.get_app_configs()]
    registered = list(_WORKFLOWS.values())

    def key(flow: Workflow) -> tuple[int, int]:
        label = flow.name.split(".")[0] if "." in flow.name else ""
        return (order.index(label) if label in order else -1, registered.index(flow))

    return sorted(registered, key=key)


def workflow(name: str) -> Workflow:
    return _WORKFLOWS[name]


def may(by: User | None, t: Transition) -> bool:
    if by is None:
        return SYSTEM in t.who
    return getattr(by, "is_authenticated", False) and any(by.has_role(w) for w in t.who if w != SYSTEM)


def transition(obj: Model, action: str, by: User | None, *, flow: Workflow) -> Transition:
    """Take ``action`` on ``obj``: refuse a pair that is not in the table (ValidationError with the table's
    message) or a user whose role may not (PermissionDenied); otherwise set the next state on ``obj`` (not
    saved: the service saves it with its history reason). Returns the transition taken."""
    state = flow.state_of(obj)
    t = flow.find(state, action)
    if t is None:
        raise ValidationError(flow.refusal(state, action), code="transition")
    if not may(by, t):
        raise PermissionDenied(
            _("您的角色不能对%(what)s执行“%(action)s”。")
            % {"what": flow.label, "action": flow.actions[action]}
        )
    if flow.state_field is not None:
        setattr(obj, flow.state_field, t.target)
    return t


def T(  # noqa: N802 - reads as a table row
    source: str, action: str, target: str, who: Iterable[str], guards: Iterable[StrOrPromise] = ()
) -> Transition:
    return Transition(
        str(source), action, str(target), tuple(str(w) for w in who), tuple(str(g) for g in guards)
    )


# ---- the cycle's own table (docs/design.md) -------------------------------------------------------
# The cycle's state is stored on ReformCycle by the 年度工作安排 services; until then the stage follows the
# calendar (ReformCycle.stage_on). The states are Stage's plus 筹备.

REVIEWER = Role.NATIONAL_REVIEWER
PLANNING = "planning"  # 筹备: the one state the calendar's Stage lacks
S = Stage

CYCLE = register(
    Workflow(
        name="cycle",
        label=gettext_lazy("改革年度"),
        model="reform_portal.ReformCycle",
        states=[(PLANNING, gettext_lazy("筹备")), *S.choices],
        actions={
            "edit_dates": gettext_lazy("修改日期"),
            "start_proposals": gettext_lazy("开始征集"),
            "close_proposals": gettext_lazy("结束征集"),
            "publish_list": gettext_lazy("公布清单（开始揭榜）"),
            "close_bidding": gettext_lazy("结束揭榜"),
            "confirm_bidding": gettext_lazy("确认揭榜结果（组织实施）"),
            "start_evaluation": gettext_lazy("开始评估"),
            "close_year": gettext_lazy("关闭年度"),
        },
        transitions=[
            T(PLANNING, "edit_dates", PLANNING, [REVIEWER]),
            T(PLANNING, "start_proposals", S.PROPOSAL, [REVIEWER], [gettext_lazy("日期完整且先后有序")]),
            T(S.PROPOSAL, "edit_dates", S.PROPOSAL, [REVIEWER], [gettext_lazy("填写理由")]),
            T(
                S.PROPOSAL,
                "close_proposals",
                S.REVIEW,
                [REVIEWER],
                [
                    gettext_lazy("截止（含延期）之后，或确认未报送地区名单后提前结束"),
                    gettext_lazy("已报送的建议书进入汇总"),
                ],
            ),
            T(S.REVIEW, "edit_dates", S.REVIEW, [REVIEWER], [gettext_lazy("填写理由")]),
            T(
                S.REVIEW,
                "publish_list",
                S.BIDDING,
                [REVIEWER],
                [gettext_lazy("确认页列出未办结事项；有未办结事项须填写理由")],
            ),
            T(S.BIDDING, "edit_dates", S.BIDDING, [REVIEWER], [gettext_lazy("填写理由")]),
            T(S.BIDDING, "close_bidding", S.BIDDING, [REVIEWER], [gettext_lazy("揭榜截止（含延期）之后")]),
            T(S.BIDDING, "confirm_bidding", S.IMPLEMENTATION, [REVIEWER], [gettext_lazy("确认页")]),
            T(S.IMPLEMENTATION, "edit_dates", S.IMPLEMENTATION, [REVIEWER], [gettext_lazy("填写理由")]),
            T(S.IMPLEMENTATION, "start_evaluation", S.EVALUATION, [REVIEWER]),
            T(S.EVALUATION, "edit_dates", S.EVALUATION, [REVIEWER], [gettext_lazy("填写理由")]),
            T(S.EVALUATION, "close_year", S.CLOSED, [REVIEWER], [gettext_lazy("确认页")]),
        ],
    )
)


# ---- accounts opened by invitation (reform_portal.Invitation; state derived from accepted_at) ----------------

INVITATION = register(
    Workflow(
        name="invitation",
        label=gettext_lazy("账号邀请"),
        model="reform_portal.Invitation",
        states=[
            (AccountState.INVITED.value, AccountState.INVITED.label),
            (AccountState.ACTIVE.value, AccountState.ACTIVE.label),
        ],
        actions={"resend": gettext_lazy("重新发送邀请"), "accept": gettext_lazy("设置密码，启用账号")},
        transitions=[
            T(
                AccountState.INVITED,
                "resend",
                AccountState.INVITED,
                [REVIEWER, Role.REGIONAL_STAFF],
                [gettext_lazy("有权邀请该单位该角色的用户"), gettext_lazy("此前发出的链接随之失效")],
            ),
            T(
                AccountState.INVITED,
                "accept",
                AccountState.ACTIVE,
                Role.values,
                [gettext_lazy("被邀请人本人，凭未过期的邀请链接"), gettext_lazy("密码符合密码规则")],
            ),
        ],
        state_field=None,
        derive=lambda invitation: (
            AccountState.ACTIVE.value if invitation.accepted_at is not None else AccountState.INVITED.value
        ),
        refusals={AccountState.ACTIVE.value: gettext_lazy("该用户已接受邀请并启用账号。")},
    )
)


# ---- 发文字号 (reform_portal.docnumbers; issue 15 §4) ------------------------------------------------------
# A number once taken is never given again: voiding a document marks its number, the row stays.
DOC_NUMBER = register(
    Workflow(
        name="docnumber",
        label=gettext_lazy("发文字号"),
        model="reform_portal.DocNumber",
        states=[("issued", gettext_lazy("已使用")), ("voided", gettext_lazy("已作废（号不再使用）"))],
        actions={"void": gettext_lazy("作废")},
        transitions=[
            T("issued", "void", "voided", [REVIEWER, SYSTEM], [gettext_lazy("写明理由；序号保留，不再取用")]),
        ],
    )
)

"""Stage 3's state tables: the region's 揭榜申报, the 揭榜任务 from award to evaluation, and 协调事项."""

from django.utils.translation import gettext_lazy as _

from reform_portal.enums import Role
from reform_portal.transitions import T, Workflow, register

from .enums import BidSetState as B
from .enums import TaskState as S

REGION = [Role.REGIONAL_STAFF]
REVIEWER = [Role.NATIONAL_REVIEWER]
WINDOW = _("揭榜时间内（含延期）")

BID_SET = register(
    Workflow(
        name="bidding.bid_set",
        label=_("揭榜申报"),
        model="bidding.BidSet",
        states=list(B.choices),
        actions={
            "edit": _("修改"),
            "sign": _("确认联合报送"),
            "submit": _("报送"),
            "withdraw": _("撤回报送"),
        },
        transitions=[
            T(
                B.DRAFT,
                "edit",
                B.DRAFT,
                REGION,
                [WINDOW, _("只能认领最新公布版本的条目"), _("修改后双方须重新确认")],
            ),
            T(
                B.DRAFT,
                "sign",
                B.DRAFT,
                REGION,
                [WINDOW, _("本地区发展改革委或科技厅（委、局）"), _("确认的是本人所见版本")],
            ),
            T(B.DRAFT, "submit", B.SUBMITTED, REGION, [WINDOW, _("不少于规定项数"), _("双方已确认当前版本")]),
            T(B.SUBMITTED, "withdraw", B.DRAFT, REGION, [WINDOW, _("国家审核人员尚未确认任何揭榜")]),
        ],
        refusals={
            B.SUBMITTED: _("揭榜申报已报送，不能再修改。"),
            f"{B.DRAFT}:withdraw": _("揭榜申报尚未报送，无需撤回。"),
        },
    )
)

IMPLEMENTING = [Role.REGIONAL_STAFF, Role.IMPLEMENTER]

TASK = register(
    Workflow(
        name="bidding.task",
        label=_("揭榜任务"),
        model="bidding.Task",
        states=list(S.choices),
        actions={
            "issue_notice": _("下达通知书"),
            "edit_plan": _("细化实施方案"),
            "confirm_plan": _("确认实施方案"),
            "report": _("报送进展"),
            "coordinate": _("提出协调事项"),
            "file_summary": _("报送完成总结"),
            "commission": _("委托第三方评估"),
            "withdraw_commission": _("撤回委托"),
            "assess": _("提交评估报告"),
            "reopen_assessment": _("同意更正评估报告"),
        },
        transitions=[
            T(S.AWARDED, "issue_notice", S.PLANNING, REVIEWER, [_("发文字号取自年度序号")]),
            T(S.PLANNING, "edit_plan", S.PLANNING, REGION),
            T(S.PLANNING, "confirm_plan", S.IN_PROGRESS, REGION, [_("至少一个里程碑和一个量化目标")]),
            T(S.PLANNING, "coordinate", S.PLANNING, IMPLEMENTING, [_("不重复提交")]),
            T(S.IN_PROGRESS, "report", S.IN_PROGRESS, IMPLEMENTING, [_("报告期晚于上一期、不晚于今天")]),
            T(S.IN_PROGRESS, "coordinate", S.IN_PROGRESS, IMPLEMENTING, [_("不重复提交")]),
            T(S.IN_PROGRESS, "file_summary", S.PENDING_EVALUATION, REGION, [_("全部里程碑已完成")]),
            T(S.PENDING_EVALUATION, "commission", S.EVALUATING, REVIEWER, [_("评估机构与任务无利害关系")]),
            T(
                S.EVALUATING,
                "withdraw_commission",
                S.PENDING_EVALUATION,
                REVIEWER,
                [_("机构尚未填写评估报告")],
            ),
            T(
                S.EVALUATING,
                "assess",
                S.EVALUATED,
                [Role.EVALUATOR],
                [_("受托机构"), _("报告、得分、结论齐全")],
            ),
            T(S.EVALUATED, "reopen_assessment", S.EVALUATING, REVIEWER, [_("评估机构申请更正")]),
        ],
        refusals={
            f"{S.AWARDED}:edit_plan": _("揭榜任务通知书下达后方可细化实施方案。"),
            f"{S.AWARDED}:confirm_plan": _("揭榜任务通知书下达后方可细化实施方案。"),
            "*:edit_plan": _("实施方案已确认，不能再修改。"),
            "*:confirm_plan": _("实施方案已确认，不能再修改。"),
            "*:report": _("实施方案确认后、任务完成总结前方可报送进展。"),
            "*:coordinate": _("任务当前状态不能提出协调事项。"),
            "*:file_summary": _("只有实施中的任务可以报送完成总结。"),
        },
    )
)


def coordination_state(request) -> str:
    return "answered" if request.answered_at else "open"


COORDINATION = register(
    Workflow(
        name="bidding.coordination",
        label=_("协调事项"),
        model="bidding.CoordinationRequest",
        state_field=None,
        derive=coordination_state,
        states=[("open", _("待答复")), ("answered", _("已答复"))],
        actions={"answer": _("答复"), "reanswer": _("修改答复")},
        transitions=[
            T("open", "answer", "answered", REVIEWER, [_("填写答复")]),
            T("answered", "reanswer", "answered", REVIEWER, [_("填写答复")]),
        ],
    )
)

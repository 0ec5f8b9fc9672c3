"""Stage 4's state tables: 评估委托, 评估报告, 改革成果, and publishing the year's results."""

from django.utils.translation import gettext_lazy as _

from reform_portal.enums import Role
from reform_portal.transitions import T, Workflow, register

from .enums import AssessmentState as A
from .enums import CommissionState as C
from .enums import OutcomeState as O

REVIEWER = [Role.NATIONAL_REVIEWER]
EVALUATOR = [Role.EVALUATOR]

COMMISSION = register(
    Workflow(
        name="evaluation.commission",
        label=_("评估委托"),
        model="evaluation.Commission",
        states=list(C.choices),
        actions={"complete": _("全部评估完成"), "withdraw": _("撤回委托"), "reopen": _("重新开启")},
        transitions=[
            T(C.ACTIVE, "complete", C.COMPLETED, EVALUATOR, [_("委托的每项任务都已提交评估报告")]),
            T(C.ACTIVE, "withdraw", C.WITHDRAWN, REVIEWER, [_("机构尚未填写评估报告"), _("填写理由")]),
            T(C.COMPLETED, "reopen", C.ACTIVE, REVIEWER, [_("同意更正一份评估报告")]),
        ],
        refusals={"*:withdraw": _("只有评估中的委托可以撤回。")},
    )
)

ASSESSMENT = register(
    Workflow(
        name="evaluation.assessment",
        label=_("评估报告"),
        model="evaluation.Assessment",
        states=list(A.choices),
        actions={
            "save": _("保存"),
            "submit": _("提交"),
            "request_reopen": _("申请更正"),
            "approve_reopen": _("同意更正"),
            "refuse_reopen": _("不同意更正"),
        },
        transitions=[
            T(A.DRAFT, "save", A.DRAFT, EVALUATOR, [_("受托机构"), _("只接受 PDF 报告")]),
            T(A.DRAFT, "submit", A.SUBMITTED, EVALUATOR, [_("报告、得分、结论齐全")]),
            T(A.SUBMITTED, "request_reopen", A.REOPEN_REQUESTED, EVALUATOR, [_("说明更正内容和理由")]),
            T(A.REOPEN_REQUESTED, "approve_reopen", A.DRAFT, REVIEWER, [_("新的一版")]),
            T(A.REOPEN_REQUESTED, "refuse_reopen", A.SUBMITTED, REVIEWER),
        ],
        refusals={
            "*:save": _("评估报告已提交并锁定；如需更正，请申请更正并经国家审核人员同意。"),
            "*:submit": _("评估报告已提交并锁定；如需更正，请申请更正并经国家审核人员同意。"),
            "*:request_reopen": _("只有已提交的评估报告可以申请更正。"),
            "*:approve_reopen": _("该评估报告没有待处理的更正申请。"),
            "*:refuse_reopen": _("该评估报告没有待处理的更正申请。"),
        },
    )
)

OUTCOME = register(
    Workflow(
        name="evaluation.outcome",
        label=_("改革成果"),
        model="evaluation.Outcome",
        states=list(O.choices),
        actions={"edit": _("修改"), "publish": _("发布到成果库"), "unpublish": _("从成果库撤回")},
        transitions=[
            T(O.DRAFT, "edit", O.DRAFT, REVIEWER),
            T(O.DRAFT, "publish", O.PUBLISHED, REVIEWER),
            T(O.PUBLISHED, "edit", O.PUBLISHED, REVIEWER),
            T(O.PUBLISHED, "unpublish", O.DRAFT, REVIEWER),
        ],
    )
)

RESULTS = register(
    Workflow(
        name="evaluation.results",
        label=_("年度评估结果"),
        model="reform_portal.ReformCycle",  # the publication of a cycle's results, stored on the cycle
        state_field="results_state",
        states=[("unpublished", _("未公布")), ("published", _("已公布"))],
        actions={"publish": _("公布评估结果"), "unpublish": _("撤回公布")},
        transitions=[
            T(
                "unpublished",
                "publish",
                "published",
                REVIEWER,
                [_("该年度评估报告均已提交或确认公布部分结果")],
            ),
            T("published", "unpublish", "unpublished", REVIEWER, [_("填写理由")]),
        ],
    )
)

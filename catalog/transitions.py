"""Stage 2's state tables: the list version (清单), 专家论证 and 征求意见."""

from django.utils.translation import gettext_lazy as _

from reform_portal.enums import Role
from reform_portal.transitions import T, Workflow, register

from .enums import ListState as L

REVIEWER = [Role.NATIONAL_REVIEWER]

LIST = register(
    Workflow(
        name="catalog.list",
        label=_("举措清单"),
        model="catalog.MeasureList",
        states=list(L.choices),
        actions={"edit": _("修改"), "consult": _("征求有关部门意见"), "publish": _("公布")},
        transitions=[
            T(L.DRAFT, "edit", L.DRAFT, REVIEWER),
            T(L.DRAFT, "consult", L.CONSULTING, REVIEWER, [_("只向有关部门征求")]),
            T(L.DRAFT, "publish", L.PUBLISHED, REVIEWER, [_("至少一项列入的举措")]),
            T(L.CONSULTING, "edit", L.CONSULTING, REVIEWER),
            T(L.CONSULTING, "consult", L.CONSULTING, REVIEWER, [_("只向有关部门征求")]),
            T(L.CONSULTING, "publish", L.PUBLISHED, REVIEWER, [_("至少一项列入的举措")]),
        ],
    )
)


def review_state(review) -> str:
    if review.conflict_at:
        return "conflicted"
    return "submitted" if review.submitted_at else "assigned"


EXPERT_REVIEW = register(
    Workflow(
        name="catalog.expert_review",
        label=_("专家论证"),
        model="catalog.ExpertReview",
        state_field=None,
        derive=review_state,
        states=[
            ("assigned", _("待论证")),
            ("submitted", _("已提交")),
            ("withdrawn", _("已撤回分配")),
            ("conflicted", _("利益冲突，不计入")),
        ],
        actions={"submit": _("提交论证意见"), "unassign": _("撤回分配"), "conflict": _("标记利益冲突")},
        transitions=[
            T(
                "assigned",
                "submit",
                "submitted",
                [Role.EXPERT],
                [_("分配给本人"), _("五项均打1—5分"), _("专家所在地区不是举措的建议来源地区")],
            ),
            T("assigned", "unassign", "withdrawn", REVIEWER, [_("分配记录删除，历史保留")]),
            T(
                "submitted",
                "conflict",
                "conflicted",
                REVIEWER,
                [_("合并引入专家所在地区的建议"), _("意见保留并标记，不计入平均分")],
            ),
        ],
        refusals={
            "submitted": _("您已提交论证意见，不能再修改。"),
            "conflicted": _("合并后本举措的建议来源包含您所在地区，您的论证意见已标记为利益冲突、不计入。"),
        },
    )
)


def opinion_state(opinion) -> str:
    return "responded" if opinion.responded_at else "given"


OPINION = register(
    Workflow(
        name="catalog.opinion",
        label=_("部门意见"),
        model="catalog.DepartmentOpinion",
        state_field=None,
        derive=opinion_state,
        states=[("given", _("已反馈")), ("responded", _("已答复"))],
        actions={"revise": _("修改意见"), "respond": _("答复")},
        transitions=[
            T("given", "revise", "given", [Role.MINISTRY_LIAISON], [_("清单公布之前")]),
            T("given", "respond", "responded", REVIEWER, [_("填写采纳情况说明")]),
            T("responded", "revise", "responded", [Role.MINISTRY_LIAISON], [_("清单公布之前")]),
            T("responded", "respond", "responded", REVIEWER, [_("填写采纳情况说明")]),
        ],
    )
)

"""The 建议书's state table (notice 三(一), 四). Rules ask ``BOOK.allows``; services go through ``transition``."""

from django.utils.translation import gettext_lazy as _

from reform_portal.enums import Role
from reform_portal.transitions import T, Workflow, register

from .enums import BookState as S

REGION = [Role.REGIONAL_STAFF]
REVIEWER = [Role.NATIONAL_REVIEWER]
DEADLINE = _("建议书报送截止（含延期）之前")
OWN = _("本地区发展改革委或科技厅（委、局）")

BOOK = register(
    Workflow(
        name="proposals.book",
        label=_("建议书"),
        model="proposals.ProposalBook",
        states=list(S.choices),
        actions={
            "edit": _("修改"),
            "sign": _("确认联合报送"),
            "submit": _("报送"),
            "withdraw": _("撤回报送"),
            "return": _("退回修改"),
            "close": _("进入汇总"),
        },
        transitions=[
            T(S.DRAFT, "edit", S.DRAFT, REGION, [OWN, DEADLINE, _("修改后双方须重新确认")]),
            T(S.DRAFT, "sign", S.DRAFT, REGION, [OWN, DEADLINE, _("确认的是本人所见版本")]),
            T(
                S.DRAFT,
                "submit",
                S.SUBMITTED,
                REGION,
                [DEADLINE, _("双方已确认当前版本"), _("3—5项举措，必填项齐全")],
            ),
            T(S.RETURNED, "edit", S.RETURNED, REGION, [OWN, DEADLINE, _("修改后双方须重新确认")]),
            T(S.RETURNED, "sign", S.RETURNED, REGION, [OWN, DEADLINE, _("确认的是本人所见版本")]),
            T(
                S.RETURNED,
                "submit",
                S.SUBMITTED,
                REGION,
                [DEADLINE, _("双方已确认当前版本"), _("3—5项举措，必填项齐全")],
            ),
            T(S.SUBMITTED, "withdraw", S.DRAFT, REGION, [DEADLINE]),
            T(S.SUBMITTED, "return", S.RETURNED, REVIEWER, [_("填写退回理由"), _("双方确认随之清除")]),
            T(S.SUBMITTED, "close", S.CLOSED, REVIEWER, [_("结束征集时，已报送的建议书进入汇总并冻结")]),
        ],
        refusals={
            S.SUBMITTED: _("建议书已报送，如需修改请先撤回报送。"),
            f"{S.DRAFT}:withdraw": _("建议书尚未报送，无需撤回。"),
            f"{S.RETURNED}:withdraw": _("建议书尚未报送，无需撤回。"),
            f"{S.DRAFT}:return": _("只有已报送的建议书可以退回修改。"),
            f"{S.RETURNED}:return": _("只有已报送的建议书可以退回修改。"),
            S.CLOSED: _("建议书已进入汇总阶段，不能再修改。"),
        },
    )
)

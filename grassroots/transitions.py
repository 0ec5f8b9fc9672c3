"""The 基层征集's state tables. Rules ask ``allows``; services go through ``transition``."""

from django.utils.translation import gettext_lazy as _

from reform_portal.enums import Role
from reform_portal.transitions import SYSTEM, T, Workflow, register

from .enums import CollectionState as C
from .enums import Moderation as M
from .enums import SuggestionState as S

REGION = [Role.REGIONAL_STAFF]
OWN = _("本地区发展改革委或科技厅（委、局）")
BEFORE_CLOSE = _("征集截止日期之前")

COLLECTION = register(
    Workflow(
        name="grassroots.collection",
        label=_("基层征集"),
        model="grassroots.Collection",
        states=list(C.choices),
        actions={"edit": _("修改征集"), "close": _("结束征集"), "reopen": _("重新开放")},
        transitions=[
            T(C.OPEN, "edit", C.OPEN, REGION, [OWN, _("截止日期早于本地区建议书报送截止")]),
            T(C.OPEN, "close", C.CLOSED, [*REGION, SYSTEM], [OWN]),
            T(C.CLOSED, "reopen", C.OPEN, REGION, [OWN, _("新的截止日期早于本地区建议书报送截止")]),
        ],
        refusals={
            f"{C.CLOSED}:edit": _("征集已截止，不能再修改；如需延长请先重新开放。"),
            f"{C.CLOSED}:close": _("征集已截止。"),
            f"{C.OPEN}:reopen": _("征集正在进行中。"),
        },
    )
)

# The submitter (an invited unit's user, or the public through the follow link: the portal acts for them, SYSTEM)
# edits until the close; the region's staff reply, and may reconsider a reply.
SUBMITTER = [Role.IMPLEMENTER, SYSTEM]

SUGGESTION = register(
    Workflow(
        name="grassroots.suggestion",
        label=_("基层建议"),
        model="grassroots.Suggestion",
        states=list(S.choices),
        actions={
            "edit": _("修改建议"),
            "adopt": _("采纳"),
            "merge": _("合并"),
            "decline": _("暂不采纳"),
            "reconsider": _("重新答复"),
        },
        transitions=[
            T(S.SUBMITTED, "edit", S.SUBMITTED, SUBMITTER, [_("本单位或本人提交"), BEFORE_CLOSE]),
            T(S.SUBMITTED, "adopt", S.ADOPTED, REGION, [OWN, _("写明采纳为建议书中的哪项举措")]),
            T(S.SUBMITTED, "merge", S.MERGED, REGION, [OWN, _("写明合并至哪条建议")]),
            T(S.SUBMITTED, "decline", S.DECLINED, REGION, [OWN, _("填写提交人可见的理由")]),
            T(S.ADOPTED, "reconsider", S.SUBMITTED, REGION, [OWN]),
            T(S.MERGED, "reconsider", S.SUBMITTED, REGION, [OWN]),
            T(S.DECLINED, "reconsider", S.SUBMITTED, REGION, [OWN]),
        ],
        refusals={
            S.ADOPTED: _("该建议已答复，如需修改答复请先“重新答复”。"),
            S.MERGED: _("该建议已答复，如需修改答复请先“重新答复”。"),
            S.DECLINED: _("该建议已答复，如需修改答复请先“重新答复”。"),
            f"{S.SUBMITTED}:reconsider": _("该建议尚未答复。"),
        },
    )
)

MODERATION = register(
    Workflow(
        name="grassroots.moderation",
        label=_("公开征集审核"),
        model="grassroots.Suggestion",
        state_field="moderation",
        states=[(M.PENDING, _("待审核")), (M.APPROVED, _("已通过")), (M.REJECTED, _("不予受理"))],
        actions={"approve": _("审核通过"), "reject": _("不予受理")},
        transitions=[
            T(M.PENDING, "approve", M.APPROVED, REGION, [OWN]),
            T(M.PENDING, "reject", M.REJECTED, REGION, [OWN]),
            T(M.REJECTED, "approve", M.APPROVED, REGION, [OWN]),
        ],
        refusals={
            f"{M.APPROVED}:approve": _("该建议已审核通过。"),
            f"{M.APPROVED}:reject": _("该建议已审核通过，不能再设为不予受理。"),
            f"{M.REJECTED}:reject": _("该建议已设为不予受理。"),
        },
    )
)

"""Who may do what in a 基层征集. Each rule returns (allowed, reason) so a page can say why not.

The 征集 is the region's: its two departments' staff run it; an invited unit's users see their own unit's
suggestions only; the public follow their own suggestion through a signed link (no account); national reviewers
see counts on the proposals, never the suggestions (DECISIONS §20)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.enums import Stage
from reform_portal.permissions import department_of
from reform_portal.services import deadline_for, end_of_day

from .enums import CollectionState
from .transitions import COLLECTION, SUGGESTION

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from reform_portal.models import ReformCycle, Region, User

    from .models import Collection, Suggestion


def is_region_staff(user: User | AnonymousUser | None, region_id: int | None) -> bool:
    return user is not None and department_of(user, region_id) is not None


def closes_on_problem(
    cycle: ReformCycle, region: Region, closes_on: datetime.date, now: datetime.datetime | None = None
) -> str:
    """Why ``closes_on`` cannot close the region's 征集 ("" when it can): it must end before the region's
    建议书 deadline (its extension counts), and not in the past."""
    deadline = deadline_for(cycle, region, Stage.PROPOSAL)
    if end_of_day(closes_on) >= deadline:
        return _("征集截止日期须早于本地区建议书报送截止日期（%(at)s）。") % {
            "at": timezone.localtime(deadline - datetime.timedelta(seconds=1)).strftime("%Y-%m-%d")
        }
    if end_of_day(closes_on) <= (now or timezone.now()):
        return _("征集截止日期不能早于今天。")
    return ""


def can_open(user: User | AnonymousUser, region: Region | None) -> tuple[bool, str]:
    if region is None or not is_region_staff(user, region.pk):
        return False, _("只有本地区发展改革委、科技厅（委、局）的人员可以发起基层征集。")
    return True, ""


def _staff_may(user: User | AnonymousUser, collection: Collection, action: str) -> tuple[bool, str]:
    if not is_region_staff(user, collection.region_id):
        return False, _("只有本地区发展改革委、科技厅（委、局）的人员可以办理基层征集。")
    if not COLLECTION.allows(collection.state, action):
        return False, COLLECTION.refusal(collection.state, action)
    return True, ""


def can_edit_collection(user: User | AnonymousUser, collection: Collection) -> tuple[bool, str]:
    return _staff_may(user, collection, "edit")


def can_close(user: User | AnonymousUser, collection: Collection) -> tuple[bool, str]:
    return _staff_may(user, collection, "close")


def can_reopen(user: User | AnonymousUser, collection: Collection) -> tuple[bool, str]:
    return _staff_may(user, collection, "reopen")


def is_open(collection: Collection, now: datetime.datetime | None = None) -> tuple[bool, str]:
    """Suggestions are taken and edited while the 征集 is open and before the end of its closing day."""
    if collection.state != CollectionState.OPEN or (now or timezone.now()) >= end_of_day(
        collection.closes_on
    ):
        return False, _("本次征集已于%(day)s截止，不能再提交或修改建议。") % {
            "day": collection.closes_on.strftime("%Y-%m-%d")
        }
    return True, ""


def is_invited_user(user: User | AnonymousUser | None, collection: Collection) -> bool:
    if user is None or not user.is_authenticated or not user.organization_id:
        return False
    return collection.invited.filter(pk=user.organization_id).exists()


def can_submit(
    user: User | AnonymousUser, collection: Collection, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    if not is_invited_user(user, collection):
        return False, _("只有受邀单位的用户可以在此提交建议。")
    return is_open(collection, now)


def is_own(user: User | AnonymousUser | None, suggestion: Suggestion) -> bool:
    """An invited unit's users share their unit's suggestions; a public suggestion has no account (its link)."""
    return (
        user is not None
        and user.is_authenticated
        and suggestion.organization_id is not None
        and user.organization_id == suggestion.organization_id
    )


def can_edit_suggestion(
    user: User | AnonymousUser | None,
    suggestion: Suggestion,
    now: datetime.datetime | None = None,
    *,
    token_ok: bool = False,
) -> tuple[bool, str]:
    """The submitter edits until the close: an invited unit's user (``user``) or the holder of the follow link
    (``token_ok``, checked by the caller)."""
    if not (token_ok or is_own(user, suggestion)):
        return False, _("只有提交该建议的单位或本人可以修改。")
    if not SUGGESTION.allows(suggestion.state, "edit"):
        return False, SUGGESTION.refusal(suggestion.state, "edit")
    return is_open(suggestion.collection, now)


def can_reply(user: User | AnonymousUser, suggestion: Suggestion, action: str) -> tuple[bool, str]:
    if not is_region_staff(user, suggestion.collection.region_id):
        return False, _("只有本地区发展改革委、科技厅（委、局）的人员可以答复基层建议。")
    if not SUGGESTION.allows(suggestion.state, action):
        return False, SUGGESTION.refusal(suggestion.state, action)
    return True, ""


def can_review(user: User | AnonymousUser, suggestion: Suggestion) -> tuple[bool, str]:
    if not is_region_staff(user, suggestion.collection.region_id):
        return False, _("只有本地区发展改革委、科技厅（委、局）的人员可以评分。")
    return True, ""

"""Every write to a 基层征集: one function per action, in a transaction, checking the rule on the server and
changing states only through ``transition``. Views, demo and tests call these."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import services as proposal_services
from proposals.models import MeasureProposal
from reform_portal.enums import OrgKind
from reform_portal.models import Organization, ReformCycle, Region, User
from reform_portal.permissions import department_of
from reform_portal.services import check_revision, check_rule, save_with_history
from reform_portal.transitions import transition
from reform_portal.uploads import same_stored_file, stored_name, validate_upload

from . import handoffs, rules
from .enums import Moderation, Source, SuggestionState
from .models import Collection, Suggestion, SuggestionAttachment
from .transitions import COLLECTION, MODERATION, SUGGESTION

COLLECTION_FIELDS = ["title", "description", "pain_points_sought", "closes_on", "public_form"]
SUGGESTION_FIELDS = ["title", "pain_points", "measure", "effect", "contact_name", "contact_phone"]
PUBLIC_FIELDS = [*SUGGESTION_FIELDS, "unit_name", "unit_kind"]
FOLLOW_SALT = "grassroots.follow"


def _check_library(region: Region, invited: Iterable[Organization]) -> list[Organization]:
    """Invited organisations come from the region's library (its own implementing units and those it uses)."""
    chosen = list(invited)
    allowed = set(
        Organization.objects.filter(kind__in=OrgKind.implementing())
        .filter(region=region)
        .values_list("pk", flat=True)
    ) | set(region.entity_library.values_list("pk", flat=True))
    stray = [o.name for o in chosen if o.pk not in allowed]
    if stray:
        raise ValidationError(
            {"invited": _("只能邀请本地区单位库中的单位：%(n)s。") % {"n": "、".join(stray)}}
        )
    return chosen


def _check_closes_on(
    cycle: ReformCycle, region: Region, closes_on: datetime.date, now: datetime.datetime | None
) -> None:
    problem = rules.closes_on_problem(cycle, region, closes_on, now)
    if problem:
        raise ValidationError({"closes_on": problem})


def collection_open(
    *,
    cycle: ReformCycle,
    region: Region,
    fields: Mapping[str, Any],
    invited: Iterable[Organization] = (),
    by: User,
    now: datetime.datetime | None = None,
) -> Collection:
    """发起征集: one per (region, cycle); the invited units' users are told (``handoffs.collection_opened``)."""
    check_rule(rules.can_open(by, region))
    _check_closes_on(cycle, region, fields["closes_on"], now)
    chosen = _check_library(region, invited)
    with transaction.atomic():
        if Collection.objects.select_for_update().filter(cycle=cycle, region=region).exists():
            raise ValidationError(_("本地区本年度已发起基层征集。"))
        collection = Collection(cycle=cycle, region=region, created_by=by)
        for name in COLLECTION_FIELDS:
            if name in fields:
                setattr(collection, name, fields[name])
        save_with_history(collection, by, "发起基层征集")
        collection.invited.set(chosen)
        handoffs.collection_opened(collection, chosen)
    return collection


def collection_update(
    *,
    collection: Collection,
    revision: int | None,
    fields: Mapping[str, Any],
    invited: Iterable[Organization],
    by: User,
    now: datetime.datetime | None = None,
) -> Collection:
    with transaction.atomic():
        current = (
            Collection.objects.select_for_update().select_related("cycle", "region").get(pk=collection.pk)
        )
        check_rule(rules.can_edit_collection(by, current))
        check_revision(current, revision, _("征集"))
        if "closes_on" in fields:
            _check_closes_on(current.cycle, current.region, fields["closes_on"], now)
        chosen = _check_library(current.region, invited)
        before = set(current.invited.values_list("pk", flat=True))
        transition(current, "edit", by, flow=COLLECTION)
        for name in COLLECTION_FIELDS:
            if name in fields:
                setattr(current, name, fields[name])
        current.revision += 1
        save_with_history(current, by, "修改基层征集")
        current.invited.set(chosen)
        handoffs.collection_opened(current, [o for o in chosen if o.pk not in before])
    return current


def collection_close(*, collection: Collection, by: User | None) -> Collection:
    with transaction.atomic():
        current = Collection.objects.select_for_update().get(pk=collection.pk)
        if by is not None:
            check_rule(rules.can_close(by, current))
        transition(current, "close", by, flow=COLLECTION)
        current.revision += 1
        save_with_history(current, by, "结束基层征集")
    return current


def collection_reopen(
    *, collection: Collection, closes_on: datetime.date, by: User, now: datetime.datetime | None = None
) -> Collection:
    with transaction.atomic():
        current = (
            Collection.objects.select_for_update().select_related("cycle", "region").get(pk=collection.pk)
        )
        check_rule(rules.can_reopen(by, current))
        _check_closes_on(current.cycle, current.region, closes_on, now)
        transition(current, "reopen", by, flow=COLLECTION)
        current.closes_on = closes_on
        current.revision += 1
        save_with_history(current, by, "重新开放基层征集")
    return current


# ---- suggestions ------------------------------------------------------------------------------------------


def suggestion_submit(
    *, collection: Collection, fields: Mapping[str, Any], by: User, now: datetime.datetime | None = None
) -> Suggestion:
    """An invited unit's user submits for the unit (unit name and kind from the library)."""
    check_rule(rules.can_submit(by, collection, now))
    org = by.organization
    assert org is not None  # an invited user belongs to the invited organisation
    suggestion = Suggestion(
        collection=collection,
        source=Source.INVITED,
        organization=org,
        unit_name=org.name,
        unit_kind=org.kind,
        submitted_by=by,
    )
    for name in SUGGESTION_FIELDS:
        setattr(suggestion, name, fields.get(name, ""))
    with transaction.atomic():
        save_with_history(suggestion, by, "提交基层建议")
    return suggestion


def digest(value: str) -> str:
    """A keyed hash: the rate-limit columns say how often, not who."""
    return hmac.new(settings.SECRET_KEY.encode(), value.strip().encode(), hashlib.sha256).hexdigest()


def public_limits() -> tuple[int, int]:
    """(per client address per hour, per phone per day) — settings.GRASSROOTS_PUBLIC_LIMITS."""
    per_ip, per_phone = getattr(settings, "GRASSROOTS_PUBLIC_LIMITS", (5, 3))
    return int(per_ip), int(per_phone)


def public_allowed(
    *, ip_address: str | None, phone: str, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    now = now or timezone.now()
    per_ip, per_phone = public_limits()
    if ip_address and (
        Suggestion.objects.filter(
            ip_digest=digest(ip_address), created_at__gte=now - datetime.timedelta(hours=1)
        ).count()
        >= per_ip
    ):
        return False, _("本网络地址提交过于频繁，请一小时后再试。")
    if (
        Suggestion.objects.filter(
            phone_digest=digest(phone), created_at__gte=now - datetime.timedelta(days=1)
        ).count()
        >= per_phone
    ):
        return False, _("该电话号码今日提交的建议已达上限（%(n)s条），请明天再试。") % {"n": per_phone}
    return True, ""


def follow_token(suggestion: Suggestion) -> str:
    return signing.dumps({"s": suggestion.pk, "n": suggestion.follow_nonce}, salt=FOLLOW_SALT, compress=True)


def suggestion_from_token(token: str) -> Suggestion | None:
    """The public suggestion a follow link stands for, or None (forged, or the nonce was changed)."""
    try:
        data = signing.loads(token, salt=FOLLOW_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not data.get("n"):
        return None
    suggestion = (
        Suggestion.objects.select_related("collection", "collection__region", "collection__cycle")
        .filter(pk=data["s"], source=Source.PUBLIC)
        .first()
    )
    if suggestion is None or not hmac.compare_digest(suggestion.follow_nonce, str(data["n"])):
        return None
    return suggestion


def suggestion_submit_public(
    *,
    collection: Collection,
    fields: Mapping[str, Any],
    ip_address: str | None,
    now: datetime.datetime | None = None,
) -> tuple[Suggestion, str]:
    """公开征集: anyone in the region, no account; name, unit and phone required; rate limits per address and
    per phone; held for moderation. Returns the suggestion and its follow token (shown once)."""
    if not collection.public_form:
        raise PermissionDenied(_("本次征集未开放公开填报。"))
    check_rule(rules.is_open(collection, now))
    for name, label in (("contact_name", _("姓名")), ("unit_name", _("单位")), ("contact_phone", _("电话"))):
        if not str(fields.get(name, "")).strip():
            raise ValidationError({name: _("请填写%(f)s。") % {"f": label}})
    with transaction.atomic():
        # Serialise the limit check with concurrent submissions to the same 征集.
        Collection.objects.select_for_update().get(pk=collection.pk)
        allowed, reason = public_allowed(ip_address=ip_address, phone=fields["contact_phone"], now=now)
        if not allowed:
            raise ValidationError(reason, code="rate_limited")
        suggestion = Suggestion(
            collection=collection,
            source=Source.PUBLIC,
            moderation=Moderation.PENDING,
            follow_nonce=secrets.token_urlsafe(16),
            ip_digest=digest(ip_address) if ip_address else "",
            phone_digest=digest(fields["contact_phone"]),
        )
        for name in PUBLIC_FIELDS:
            setattr(suggestion, name, fields.get(name, ""))
        save_with_history(suggestion, None, "公开征集提交")
    return suggestion, follow_token(suggestion)


def suggestion_update(
    *,
    suggestion: Suggestion,
    revision: int | None,
    fields: Mapping[str, Any],
    by: User | None,
    token_ok: bool = False,
    now: datetime.datetime | None = None,
) -> Suggestion:
    """The submitter edits until the 征集 closes (``by`` None with ``token_ok``: the public follow link)."""
    with transaction.atomic():
        current = Suggestion.objects.select_for_update().select_related("collection").get(pk=suggestion.pk)
        check_rule(rules.can_edit_suggestion(by, current, now, token_ok=token_ok))
        check_revision(current, revision, _("建议"))
        transition(current, "edit", by if by is not None and by.is_authenticated else None, flow=SUGGESTION)
        for name in SUGGESTION_FIELDS:
            if name in fields:
                setattr(current, name, fields[name])
        if current.source == Source.PUBLIC:
            current.unit_name = fields.get("unit_name", current.unit_name)
        current.revision += 1
        save_with_history(current, by, "修改基层建议")
    return current


def attachment_add(
    *,
    suggestion: Suggestion,
    upload: UploadedFile,
    by: User | None,
    token_ok: bool = False,
    now: datetime.datetime | None = None,
) -> SuggestionAttachment:
    kind, _mime = validate_upload(upload)
    assert upload.name is not None and upload.size is not None  # validate_upload accepted it
    with transaction.atomic():
        current = Suggestion.objects.select_for_update().select_related("collection").get(pk=suggestion.pk)
        check_rule(rules.can_edit_suggestion(by, current, now, token_ok=token_ok))
        # The same file posted twice: one copy, the first (the row lock serialises the two requests).
        existing = list(current.attachments.all())
        same = same_stored_file(upload, [a.file for a in existing])
        if same is not None:
            att = next(a for a in existing if a.file.name == same.name)
            att.duplicate = True  # type: ignore[attr-defined]  # for the view's message
            return att
        if len(existing) >= 5:
            raise ValidationError(_("每条建议最多上传5个附件。"))
        att = SuggestionAttachment(
            suggestion=current, original_name=upload.name[:200], kind=kind, size=upload.size
        )
        att.file.save(stored_name(str(current.collection_id), upload.name), upload, save=False)
        save_with_history(att, by, "上传附件")
    return att


def suggestion_review(
    *, suggestion: Suggestion, score: int | None, opinion: str, tags: str, by: User
) -> Suggestion:
    """Each department's own score (0–100) and short opinion; tags are shared."""
    with transaction.atomic():
        current = Suggestion.objects.select_for_update().select_related("collection").get(pk=suggestion.pk)
        check_rule(rules.can_review(by, current))
        if score is not None and not 0 <= score <= 100:
            raise ValidationError({"score": _("评分须在0—100之间。")})
        dept = department_of(by, current.collection.region_id)
        if dept == OrgKind.REGIONAL_DRC:
            current.drc_score, current.drc_opinion = score, opinion[:200]
        else:
            current.scitech_score, current.scitech_opinion = score, opinion[:200]
        current.tags = tags[:100]
        save_with_history(current, by, "评分")
    return current


def suggestion_moderate(*, suggestion: Suggestion, action: str, by: User) -> Suggestion:
    with transaction.atomic():
        current = Suggestion.objects.select_for_update().select_related("collection").get(pk=suggestion.pk)
        if not rules.is_region_staff(by, current.collection.region_id):
            raise PermissionDenied(_("只有本地区发展改革委、科技厅（委、局）的人员可以审核公开征集的建议。"))
        transition(current, action, by, flow=MODERATION)
        save_with_history(current, by, "审核通过" if action == "approve" else "不予受理")
    return current


def provenance_of(proposal: MeasureProposal) -> dict[str, Any]:
    """{"count": N, "kinds": {kind: n}} of the suggestions adopted into ``proposal`` and of those merged into
    them (counts only)."""
    adopted = list(Suggestion.objects.filter(adopted_into=proposal, state=SuggestionState.ADOPTED))
    merged = list(
        Suggestion.objects.filter(merged_into__in=[s.pk for s in adopted], state=SuggestionState.MERGED)
    )
    kinds = Counter(s.unit_kind or "other" for s in [*adopted, *merged])
    return {"count": len(adopted) + len(merged), "kinds": dict(kinds)}


def _refresh_provenance(proposal_id: int | None, by: User) -> None:
    if proposal_id is None:
        return
    proposal = MeasureProposal.objects.filter(pk=proposal_id).first()
    if proposal is not None:
        proposal.provenance = provenance_of(proposal)
        save_with_history(proposal, by, "更新基层建议来源")


def suggestion_reply(
    *,
    suggestion: Suggestion,
    action: str,
    reason: str = "",
    proposal: MeasureProposal | None = None,
    merged_into: Suggestion | None = None,
    by: User,
    revision: int | None = None,
) -> Suggestion:
    """答复: 已采纳 (into which proposal of the region's 建议书), 已合并 (into which suggestion), 暂不采纳 (a reason
    the submitter reads); ``reconsider`` takes a reply back. The submitter is told (``handoffs``). ``revision``:
    the version the staff member loaded; a colleague's reply in between is refused, not overwritten."""
    reason = (reason or "").strip()
    with transaction.atomic():
        current = (
            Suggestion.objects.select_for_update()
            .select_related("collection", "collection__region")
            .get(pk=suggestion.pk)
        )
        if not rules.is_region_staff(by, current.collection.region_id):
            raise PermissionDenied(rules.can_reply(by, current, action)[1])
        if revision is not None:
            check_revision(current, revision, _("建议"))
        if not SUGGESTION.allows(current.state, action):  # a state refusal is the user's message, not a 403
            raise ValidationError(SUGGESTION.refusal(current.state, action))
        old_proposal = current.adopted_into_id
        old_target = current.merged_into
        if action == "adopt":
            if (
                proposal is None
                or proposal.book.region_id != current.collection.region_id
                or (proposal.book.cycle_id != current.collection.cycle_id)
            ):
                raise ValidationError({"proposal": _("请选择本地区本年度建议书中的举措。")})
            current.adopted_into, current.merged_into = proposal, None
        elif action == "merge":
            if (
                merged_into is None
                or merged_into.collection_id != current.collection_id
                or merged_into.pk == current.pk
            ):
                raise ValidationError({"merged_into": _("请选择本次征集中的另一条建议。")})
            current.merged_into, current.adopted_into = merged_into, None
        elif action == "decline":
            if not reason:
                raise ValidationError({"reason": _("请填写暂不采纳的理由，提交人将看到该理由。")})
            current.adopted_into = current.merged_into = None
        else:
            current.adopted_into = current.merged_into = None
        transition(current, action, by, flow=SUGGESTION)
        current.reply = reason[:1000] if action != "reconsider" else ""
        current.replied_at = timezone.now() if action != "reconsider" else None
        current.revision += 1
        save_with_history(current, by, f"答复：{SUGGESTION.actions[action]}")
        _refresh_provenance(current.adopted_into_id, by)
        if old_proposal != current.adopted_into_id:
            _refresh_provenance(old_proposal, by)
        targets = [t.pk for t in (current.merged_into, old_target) if t is not None]
        for proposal_id in set(
            Suggestion.objects.filter(pk__in=targets).values_list("adopted_into_id", flat=True)
        ):
            _refresh_provenance(proposal_id, by)
        if action != "reconsider":
            handoffs.suggestion_replied(current)
    return current


def _names(suggestions: list[Suggestion], kinds: Iterable[str]) -> str:
    wanted = {str(k) for k in kinds}
    names = list(dict.fromkeys(s.unit_name for s in suggestions if s.unit_kind in wanted))
    return "、".join(names)[:300]


def suggestions_to_proposal(
    *, collection: Collection, suggestions: list[Suggestion], by: User, now: datetime.datetime | None = None
) -> MeasureProposal:
    """转为建议: one or several suggestions become one proposal of the region's 建议书, pre-filled (title, pain
    points, measure, the 征求意见 fields from the units' kinds; all editable), the suggestions replied 已采纳 and
    the provenance stored on the proposal."""
    if not suggestions:
        raise ValidationError(_("请至少选择一条建议。"))
    if any(s.collection_id != collection.pk for s in suggestions):
        raise PermissionDenied
    if any(s.state != SuggestionState.SUBMITTED or s.moderation != Moderation.APPROVED for s in suggestions):
        raise ValidationError(_("只能转化尚未答复、已通过审核的建议。"))
    if not rules.is_region_staff(by, collection.region_id):
        raise PermissionDenied(_("只有本地区发展改革委、科技厅（委、局）的人员可以转为建议。"))
    first = suggestions[0]
    fields = {
        "title": first.title[:60],
        "pain_points": "\n".join(s.pain_points for s in suggestions)[:3000],
        "content": "\n".join(s.measure for s in suggestions)[:5000],
        "consulted_bases": _names(suggestions, [OrgKind.INNOVATION_BASE]),
        "consulted_enterprises": _names(suggestions, [OrgKind.ENTERPRISE, OrgKind.INNOVATIVE_ENTERPRISE]),
        "consulted_universities": _names(suggestions, [OrgKind.UNIVERSITY]),
        "consulted_institutes": _names(suggestions, [OrgKind.INSTITUTE]),
        "consulted_departments": _names(suggestions, [OrgKind.FUNCTIONAL_DEPT, OrgKind.LOCAL_GOV]),
    }
    with transaction.atomic():
        book = proposal_services.book_get_or_create(cycle=collection.cycle, region=collection.region, by=by)
        proposal = proposal_services.proposal_create(book=book, fields=fields, by=by, now=now)
        for s in suggestions:
            suggestion_reply(
                suggestion=s,
                action="adopt",
                reason=_("已采纳为本地区建议书举措“%(t)s”。") % {"t": proposal.title},
                proposal=proposal,
                by=by,
            )
        proposal.refresh_from_db()
    return proposal

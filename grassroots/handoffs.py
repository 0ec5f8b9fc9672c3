"""Who is told in a 基层征集 (issue 20 §4): invited units' users when a 征集 opens; the submitter when a reply
is given. Called by the services inside their transaction; each once per occurrence (``notify``'s key)."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal.models import Organization
from reform_portal.notifications import date_cn, idempotency_key, notify, organization_users

from .enums import Source
from .models import Collection, Suggestion


def collection_opened(collection: Collection, organizations: Iterable[Organization]) -> None:
    """发起征集 (or units added later) → the invited units' users."""
    orgs = list(organizations)
    if not orgs:
        return
    for org in orgs:
        notify(
            recipients=organization_users([org.pk]),
            kind="grassroots_invited",
            key=f"grassroots_invited:{collection.pk}:{org.pk}",
            title=_("%(region)s邀请贵单位参加“%(title)s”")
            % {"region": collection.region, "title": collection.title},
            body=_("请于%(due)s前登录平台提交改革举措建议（痛点堵点、建议举措、预期成效）。")
            % {"due": date_cn(collection.closes_on)},
            url=reverse("grassroots:unit", args=[collection.pk]),
        )


def suggestion_replied(suggestion: Suggestion) -> None:
    """答复 → the submitter: the invited unit's users (in-app and mail). A public submitter has no account and
    reads the reply through the follow link."""
    if suggestion.source != Source.INVITED or suggestion.organization_id is None:
        return
    notify(
        recipients=organization_users([suggestion.organization_id]),
        kind="grassroots_replied",
        key=idempotency_key("grassroots_replied", suggestion),
        title=_("您单位的建议“%(t)s”已答复：%(state)s")
        % {"t": suggestion.title, "state": suggestion.get_state_display()},
        body=suggestion.reply,
        url=reverse("grassroots:suggestion", args=[suggestion.pk]),
    )

"""Reminders of 基层征集 (issue 20 §4), on the kernel's reminder scan (idempotent keys in ReminderLog):

- invited units' users, a week before the 征集 closes (and on its last day), while it is open;
- the region's staff, once a day, a digest of the suggestions that arrived the day before (not one each)."""

import datetime

from django.urls import reverse

from reform_portal.notifications import organization_users
from reform_portal.reminders import Due, due_offsets, regional_staff_by_region, reminder_title
from reform_portal.services import end_of_day, local_today

from .enums import CollectionState
from .models import Collection, Suggestion

CLOSING = "grassroots_closing"
DIGEST = "grassroots_digest"
CLOSING_OFFSETS = [7, 0]


def collection_closing_source(*, cycle, now):
    for c in Collection.objects.filter(cycle=cycle, state=CollectionState.OPEN).select_related("region"):
        deadline = end_of_day(c.closes_on)
        offsets = due_offsets(deadline, CLOSING_OFFSETS, now=now)
        if not offsets:
            continue
        recipients = organization_users(c.invited.values_list("pk", flat=True))
        for offset in offsets:
            for user in recipients:
                yield Due(
                    kind=CLOSING,
                    obj_pk=c.pk,
                    obj_label=c.title,
                    recipient=user,
                    due_at=deadline,
                    offset_days=offset,
                    title=reminder_title(f"“{c.title}”建议提交", offset),
                    body=f"{c.region.name}基层征集将于{c.closes_on:%Y年%m月%d日}截止，截止前可提交或修改建议。",
                    url=reverse("grassroots:unit", args=[c.pk]),
                )


def suggestion_digest_source(*, cycle, now):
    """Yesterday's arrivals (Beijing days), one message per staff member per 征集 per day."""
    today = local_today(now)
    since, until = (
        end_of_day(today - datetime.timedelta(days=2)),
        end_of_day(today - datetime.timedelta(days=1)),
    )
    collections = list(Collection.objects.filter(cycle=cycle).select_related("region"))
    staff = regional_staff_by_region(c.region_id for c in collections)
    for c in collections:
        n = Suggestion.objects.filter(collection=c, created_at__gte=since, created_at__lt=until).count()
        if not n:
            continue
        for user in staff.get(c.region_id, []):
            yield Due(
                kind=DIGEST,
                obj_pk=c.pk,
                obj_label=c.title,
                recipient=user,
                due_at=end_of_day(today),
                offset_days=0,
                title=f"“{c.title}”昨日收到{n}条基层建议",
                body=f"{today - datetime.timedelta(days=1):%Y年%m月%d日}共收到{n}条建议，请在基层征集工作台审核、评分和答复。",
                url=reverse("grassroots:desk", args=[c.pk]),
            )

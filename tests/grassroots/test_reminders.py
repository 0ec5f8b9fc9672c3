import datetime

import pytest
from django.utils import timezone

from grassroots import services
from grassroots.models import Suggestion
from grassroots.reminders import collection_closing_source, suggestion_digest_source
from reform_portal.services import end_of_day

from . import scenarios as s

pytestmark = pytest.mark.django_db


def test_invited_units_are_reminded_a_week_before_the_close_while_it_is_open(
    collection, university, enterprise, region_a_drc
):
    week_before = end_of_day(collection.closes_on - datetime.timedelta(days=8)) + datetime.timedelta(hours=9)
    due = list(collection_closing_source(cycle=collection.cycle, now=week_before))
    assert sorted(d.recipient.username for d in due) == sorted([university.username, enterprise.username])
    assert {d.offset_days for d in due} == {7}
    assert (
        list(collection_closing_source(cycle=collection.cycle, now=week_before + datetime.timedelta(days=1)))
        == []
    )
    services.collection_close(collection=collection, by=region_a_drc)
    assert list(collection_closing_source(cycle=collection.cycle, now=week_before)) == []


def test_the_regions_staff_get_one_daily_digest_of_yesterdays_suggestions(
    collection, university, region_a_drc, region_a_scitech
):
    for i in range(3):
        services.suggestion_submit(
            collection=collection, fields=s.suggestion_fields(f"建议{i}"), by=university
        )
    yesterday = timezone.localtime() - datetime.timedelta(days=1)
    Suggestion.objects.update(created_at=yesterday)
    due = list(suggestion_digest_source(cycle=collection.cycle, now=timezone.now()))
    assert sorted(d.recipient.username for d in due) == sorted(
        [region_a_drc.username, region_a_scitech.username]
    )
    assert all("昨日收到3条" in d.title for d in due)
    assert len({d.key for d in due}) == 2
    assert (
        list(
            suggestion_digest_source(cycle=collection.cycle, now=timezone.now() + datetime.timedelta(days=1))
        )
        == []
    )

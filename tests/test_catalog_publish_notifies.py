"""Issue 4: publishing the list tells every region's staff in the portal and by e-mail that bidding can begin."""
import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog import services
from reform_portal.enums import OrgKind

from . import factories as f
from . import factories_catalog as fc

pytestmark = pytest.mark.django_db


def test_publishing_notifies_every_regional_user_in_app_and_by_mail(reviewer, mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    cycle = f.CycleFactory(stage="review")
    before = datetime.datetime.combine(cycle.proposal_deadline, datetime.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
    book, drc, std = fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS, now=before)
    fc.measure_from(cycle, reviewer, [book.proposals.first()])
    js = f.regional_user("320000", OrgKind.REGIONAL_DRC, email="")
    draft = services.list_draft(cycle=cycle, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        published = services.list_publish(measure_list=draft, by=reviewer)
    for user in (drc, std, js):
        (note,) = user.notifications.all()
        assert note.title == f"《{published.title}》已公布，请组织揭榜"
        assert note.url == f"/catalog/public/{published.pk}/"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([drc.email, std.email])  # js has no address
    assert "原则上每个地方年度揭榜改革任务不少于3项" in mailoutbox[0].body
    assert reviewer.notifications.count() == 0

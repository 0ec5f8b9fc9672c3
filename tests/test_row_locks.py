"""Row locks lock the row being changed, not the cycle or region joined to it: one region's edit, or one
letter being rendered, must not make every other region wait (bench/letters.py found two Celery workers no
faster than one, because rendering a letter held a lock on the shared cycle row for the whole render)."""
import threading

import pytest
from django.db import connection, connections, transaction

from bidding import services as bs
from proposals import services as ps

from . import factories as f
from . import factories_bidding as fb

pytestmark = pytest.mark.django_db(transaction=True)


def _other_region_is_not_blocked(hold, act):
    """``hold()`` takes its row lock in a transaction kept open in another thread; ``act()`` (another
    region's row in the same cycle) must finish within a 2 s lock timeout instead of waiting for it."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite ignores SELECT ... FOR UPDATE")
    locked, done, errors = threading.Event(), threading.Event(), []

    def holder():
        try:
            with transaction.atomic():
                hold()
                locked.set()
                done.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            locked.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    locked.wait(10)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            act()
    finally:
        done.set()
        thread.join()
    assert errors == []


def test_editing_one_book_does_not_lock_the_cycle_for_other_regions():
    cycle = f.CycleFactory()
    a = f.regional_user("330000")
    b = f.regional_user("320000")
    book_a = ps.book_get_or_create(cycle=cycle, region=a.region, by=a)
    book_b = ps.book_get_or_create(cycle=cycle, region=b.region, by=b)
    _other_region_is_not_blocked(
        lambda: ps._locked(book_a),
        lambda: ps.book_update_cover(book=book_b, contact_name="李四", contact_phone="025-83391234", summary="",
                                     by=b))


def test_a_letter_being_rendered_does_not_hold_up_another_regions_letter():
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    reviewer = f.national_user(username="ndrc")
    notices = []
    for code in ("330000", "320000"):
        drc, std = fb.region_pair(code)
        fb.allocated(cycle, reviewer, drc, std, entries)
        notices.append(bs.notice_allocate(cycle=cycle, region=drc.region, by=reviewer))
    from bidding.models import TaskNotice

    # 浙江's task locked (as any plan edit does) while 江苏's letter is rendered and stored
    _other_region_is_not_blocked(lambda: bs._locked_task(notices[0].region.tasks.first()),
                                 lambda: bs.notice_render(notice=notices[1], by=reviewer))
    assert TaskNotice.objects.get(pk=notices[1].pk).pdf

"""Both departments of a region opening 本年度建议书 / 揭榜 for the first time at the same moment get the
same row; the second insert meets the unique (cycle, region) constraint and must not answer 500."""
import threading
import time

import pytest
from django.db import connection, connections, transaction

from bidding import services as bs
from proposals import services as ps

from . import factories as f
from . import factories_bidding as fb


def _race(create):
    """A creates the row and holds its transaction open; B, started meanwhile, does not see the row yet,
    inserts and waits on the unique index until A commits, then must get A's row."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row-level concurrency; SQLite serialises writers")
    inserted, results, errors = threading.Event(), {}, []

    def first():
        try:
            with transaction.atomic():
                results["a"] = create("a").pk
                inserted.set()
                time.sleep(1.0)  # B reaches its own insert and blocks on the unique index meanwhile
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            inserted.set()
        finally:
            connections.close_all()

    def second():
        try:
            inserted.wait()
            results["b"] = create("b").pk
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results["a"] == results["b"]


@pytest.mark.django_db(transaction=True)
def test_two_first_visits_to_the_book_get_one_book():
    cycle = f.CycleFactory()
    drc, std = fb.region_pair("330000")
    users = {"a": drc, "b": std}
    _race(lambda who: ps.book_get_or_create(cycle=cycle, region=drc.region, by=users[who]))
    from proposals.models import ProposalBook

    assert ProposalBook.objects.filter(cycle=cycle, region=drc.region).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_first_visits_to_the_bid_set_get_one_bid_set():
    cycle = fb.bidding_cycle()
    drc, std = fb.region_pair("330000")
    users = {"a": drc, "b": std}
    _race(lambda who: bs.bid_set_get_or_create(cycle=cycle, region=drc.region, by=users[who]))
    from bidding.models import BidSet

    assert BidSet.objects.filter(cycle=cycle, region=drc.region).count() == 1

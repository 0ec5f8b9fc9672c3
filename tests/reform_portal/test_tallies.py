"""Per-cycle aggregates stored in a table (issue 19, DECISIONS §19): computed once, read in one query after,
computed again after an invalidation — also when the invalidation lands while a reader is computing."""

import pytest

from reform_portal import tallies
from reform_portal.models import CycleTally

from .. import factories as f

pytestmark = pytest.mark.django_db


class Counting:
    def __init__(self, value, during=None):
        self.value, self.calls, self.during = value, 0, during

    def __call__(self, cycle):
        self.calls += 1
        if self.during:
            self.during()
        return {"n": self.value, "cycle": cycle.year}


def test_computed_once_then_read_in_one_query(django_assert_num_queries):
    cycle = f.CycleFactory()
    compute = Counting(3)
    assert tallies.read(cycle, "k", compute) == {"n": 3, "cycle": cycle.year}
    with django_assert_num_queries(1):
        assert tallies.read(cycle, "k", compute) == {"n": 3, "cycle": cycle.year}
    assert compute.calls == 1
    other = f.CycleFactory(year=cycle.year + 1)  # another year's tally is its own
    assert tallies.read(other, "k", Counting(5))["n"] == 5
    assert tallies.read(cycle, "k", compute)["n"] == 3


def test_an_invalidation_makes_the_next_reader_compute_again():
    cycle = f.CycleFactory()
    tallies.read(cycle, "k", Counting(1))
    tallies.invalidate(cycle, "k", "never-read")
    again = Counting(2)
    assert tallies.read(cycle, "k", again)["n"] == 2 and again.calls == 1
    assert tallies.read(cycle, "k", again)["n"] == 2 and again.calls == 1
    assert tallies.read(cycle, "never-read", Counting(7))["n"] == 7  # invalidated before it was ever stored
    assert CycleTally.objects.get(cycle=cycle, key="k").generation == 1


@pytest.mark.parametrize("stored_before", [False, True])
def test_a_change_landing_while_a_reader_computes_is_not_hidden(stored_before):
    """The reader read generation g, then a service invalidated (g+1) before the reader stored what it computed
    from the older data: the stored data must not count as current."""
    cycle = f.CycleFactory()
    if stored_before:
        tallies.read(cycle, "k", Counting(0))
        tallies.invalidate(cycle, "k")
    racing = Counting(1, during=lambda: tallies.invalidate(cycle, "k"))
    assert tallies.read(cycle, "k", racing)["n"] == 1  # the reader itself answers with what it computed
    fresh = Counting(2)
    assert tallies.read(cycle, "k", fresh)["n"] == 2 and fresh.calls == 1
    assert tallies.read(cycle, "k", fresh)["n"] == 2 and fresh.calls == 1


def _fresh(cycle, key):
    row = CycleTally.objects.get(cycle=cycle, key=key)
    return row.generation == row.data_generation


def test_a_watched_models_save_and_delete_invalidate_its_cycle_or_every_cycle():
    """``invalidate_on_change``: a save or delete of a watched row invalidates the key of the row's cycle, in the
    saving transaction; a row of no cycle invalidates the key of every cycle; loaddata's raw saves do not."""
    from django.db.models.signals import post_delete, post_save

    from reform_portal.models import Organization

    first = f.CycleFactory()
    second = f.CycleFactory(year=first.year + 1)
    belongs = {}
    tallies.invalidate_on_change("watched", Organization, lambda row: belongs.get(row.pk))
    try:
        for cycle in (first, second):
            tallies.read(cycle, "watched", Counting(1))
        unit = f.OrganizationFactory()  # created: a row of no cycle yet
        assert not _fresh(first, "watched") and not _fresh(second, "watched")
        for cycle in (first, second):
            tallies.read(cycle, "watched", Counting(1))
        belongs[unit.pk] = first.pk
        unit.name = "改名后的单位"
        unit.save()
        assert not _fresh(first, "watched") and _fresh(second, "watched")
        tallies.read(first, "watched", Counting(1))
        post_save.send(Organization, instance=unit, created=False, raw=True, using="default")
        assert _fresh(first, "watched")
        unit.delete()
        assert not _fresh(first, "watched") and _fresh(second, "watched")
    finally:
        post_save.disconnect(
            sender=Organization, dispatch_uid="tally-watched-reform_portal.organization-saved"
        )
        post_delete.disconnect(
            sender=Organization, dispatch_uid="tally-watched-reform_portal.organization-deleted"
        )


def test_every_tally_is_computed_again_after_migrate():
    """A data migration changes rows without signals: ``post_migrate`` invalidates every stored aggregate."""
    from django.core.management.sql import emit_post_migrate_signal

    cycle = f.CycleFactory()
    compute = Counting(1)
    tallies.read(cycle, "k", compute)
    assert _fresh(cycle, "k")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert not _fresh(cycle, "k")
    tallies.read(cycle, "k", compute)
    assert compute.calls == 2


def test_read_for_several_cycles_in_one_query(django_assert_num_queries):
    """``read_for``: every cycle's stored aggregate in one query; a missing or invalidated one is computed."""
    from reform_portal.models import ReformCycle

    cycles = [f.CycleFactory(year=2030 + i) for i in range(3)]
    compute = Counting(7)
    tallies.read(cycles[0], "k", compute)
    found = tallies.read_for(ReformCycle.objects.order_by("year"), "k", compute)
    assert [(c.year, d) for c, d in found] == [(c.year, {"n": 7, "cycle": c.year}) for c in cycles]
    assert compute.calls == 3
    with django_assert_num_queries(1):
        again = tallies.read_for(ReformCycle.objects.order_by("year"), "k", compute)
    assert [d for _c, d in again] == [d for _c, d in found]
    tallies.invalidate(cycles[1], "k")
    tallies.read_for(ReformCycle.objects.order_by("year"), "k", compute)
    assert compute.calls == 4
    assert all(_fresh(c, "k") for c in cycles)


@pytest.mark.django_db(transaction=True)
def test_two_transactions_invalidating_two_keys_in_opposite_orders_do_not_deadlock():
    """One transaction invalidates k1 then k2 of a year while another invalidates k2 then k1 (a task saved, then
    an assessment; an assessment, then a task): both take the year's own row first (``CYCLE_LOCK``), so the second
    waits for the first to commit instead of PostgreSQL aborting one of them as a deadlock."""
    import threading

    from django.db import connection, transaction

    cycle = f.CycleFactory()
    for key in ("k1", "k2"):
        tallies.read(cycle, key, Counting(1))
    barrier = threading.Barrier(2, timeout=1.5)
    errors = []

    def run(first, second):
        try:
            with transaction.atomic():
                tallies.invalidate(cycle.pk, first)
                try:
                    barrier.wait()  # both hold their first key here, unless one waits for the other's year
                except threading.BrokenBarrierError:
                    pass
                tallies.invalidate(cycle.pk, second)
        except Exception as exc:  # noqa: BLE001 - a deadlock error is what this test looks for
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=keys) for keys in (("k1", "k2"), ("k2", "k1"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    rows = dict(CycleTally.objects.filter(cycle=cycle).values_list("key", "generation"))
    assert rows["k1"] == rows["k2"] == 2  # each invalidated by both transactions


def test_a_page_read_reads_each_cycles_tally_once(django_assert_num_queries):
    """Inside a page read (``read_once``: GET requests) a tally ``read_for`` has read is not read again by
    ``read`` (the 工作台's open items, then its panels); outside one, every read asks the database."""
    from reform_portal.models import ReformCycle
    from reform_portal.permissions import read_once

    cycle = f.CycleFactory()
    compute = Counting(2)
    tallies.read(cycle, "k", compute)
    with read_once():
        tallies.read_for(ReformCycle.objects.all(), "k", compute)
        with django_assert_num_queries(0):
            assert tallies.read(cycle, "k", compute)["n"] == 2
    with django_assert_num_queries(1):
        tallies.read(cycle, "k", compute)
    assert compute.calls == 1

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

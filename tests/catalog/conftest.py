"""Fixtures of the catalog tests."""

import pytest

from . import scenarios as fc


@pytest.fixture
def measure(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    js = books["320000"][0].proposals.order_by("position").first()
    return fc.measure_from(cycle, reviewer, [zj, js])

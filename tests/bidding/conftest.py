"""Fixtures of the bidding tests: a cycle in its bidding window and a published list to claim from."""

import pytest

from . import scenarios as fb


@pytest.fixture
def bcycle(db):
    return fb.bidding_cycle()


@pytest.fixture
def entries(bcycle):
    return fb.publish_list(bcycle, n=5)


@pytest.fixture
def four_entries(bcycle):
    return fb.publish_list(bcycle, n=4)

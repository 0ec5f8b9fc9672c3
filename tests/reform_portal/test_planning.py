"""``reform_portal.planning.joins_as_written``: PostgreSQL keeps the joins in the order Django wrote them for the
queries inside, and only for those (issue 19)."""

import pytest
from django.db import connection, transaction

from reform_portal.planning import joins_as_written

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")


def limits():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('join_collapse_limit'), current_setting('from_collapse_limit')"
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_set_for_the_block_only_outside_a_transaction():
    before = limits()
    assert before != ("1", "1")
    with joins_as_written():
        assert connection.in_atomic_block
        assert limits() == ("1", "1")
    assert limits() == before
    assert not connection.in_atomic_block


@pytest.mark.django_db
def test_inside_a_transaction_the_callers_values_come_back():
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('join_collapse_limit', '6', true)")
    with joins_as_written():
        assert limits() == ("1", "1")
    assert limits()[0] == "6"  # the caller's own SET LOCAL, not the server's default


@pytest.mark.django_db
def test_an_error_inside_rolls_the_settings_back_and_propagates():
    before = limits()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        with joins_as_written():
            assert limits() == ("1", "1")
            1 / 0  # noqa: B018
    assert limits() == before


@pytest.mark.django_db(transaction=True)
def test_as_a_decorator():
    @joins_as_written()
    def planned():
        return limits()

    before = limits()
    assert planned() == ("1", "1")
    assert limits() == before

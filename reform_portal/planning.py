"""PostgreSQL plans a page's joins in the order Django writes them (issue 19).

A list page joins six to eight tables (an assessment with its task, region, list entry, commission, agency and
outcome; a commission's tasks through guardian's permission subqueries). PostgreSQL searches every join order
of up to ``join_collapse_limit`` (8) relations for each such query: EXPLAIN (ANALYZE) on the benchmark's full
dataset gave 3.0 ms of planning for 0.6–1.0 ms of execution on the 评估报告 list, 2.7 ms for 0.3 ms on the 受托评估
任务 list. Django writes the joins from the filtered table outwards along the foreign keys, which is the order the
planner picks for these queries anyway; with ``join_collapse_limit = 1`` it keeps that order and plans in
0.4–0.7 ms, with the same or faster execution at every benchmark size.

``joins_as_written()`` (a decorator or a context manager) sets both collapse limits to 1 for the queries inside,
``SET LOCAL`` in a transaction of its own (or a savepoint, the previous values restored after), so nothing
outside — another request on a kept connection, a PgBouncer's next client — sees it. Use it only on views whose
queries were checked with ``bench/run.py --explain`` at every size; on other databases it does nothing."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

_SET = "SELECT set_config('join_collapse_limit', %s, true), set_config('from_collapse_limit', %s, true)"


@contextmanager
def joins_as_written() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        previous = None
        if nested:  # a SET LOCAL outlives the savepoint's release: put the caller's values back after
            cursor.execute(
                "SELECT current_setting('join_collapse_limit'), current_setting('from_collapse_limit')"
            )
            previous = cursor.fetchone()
        cursor.execute(_SET, ["1", "1"])
        yield  # an exception rolls the transaction (or savepoint) back, and the settings with it
        if previous is not None:
            cursor.execute(_SET, list(previous))

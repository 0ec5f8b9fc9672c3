"""Per-cycle aggregates stored in a table (issue 19, DECISIONS §19): computed once, read by every request after,
invalidated by the services that change them — not only a cache entry that Redis may drop or that differs
between web replicas.

    data = tallies.read(cycle, "bidding.matrix", compute)   # compute(cycle) -> JSON-serialisable
    tallies.invalidate(cycle, "bidding.matrix")               # inside the service's transaction

Correctness under concurrency rests on two numbers per row: ``generation`` (bumped by every invalidation, an
upsert, so a row always exists once anything was invalidated) and ``data_generation`` (the generation the
stored data was computed at). A reader reads the generation *before* computing and stores its result only
``WHERE generation`` is still that value; a change committed while it computed has bumped the generation, so
the stored data is marked stale and the next reader computes again. A change not yet committed is not visible
to anyone, so the data it will invalidate is right until then."""

from collections.abc import Callable
from typing import Any

from django.db import connection, connections, models
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .models import CycleTally, ReformCycle
from .permissions import read_once_memo


def read(cycle: ReformCycle, key: str, compute: Callable[[ReformCycle], Any]) -> Any:
    """The stored aggregate ``key`` of ``cycle``, computed (and stored) when missing or invalidated: one query
    when it is stored, the computation plus one write when not; none when this page read (``read_once``) has
    read it already."""
    memo = read_once_memo()
    if memo is not None and (key, cycle.pk) in memo:
        return memo[(key, cycle.pk)]  # read already on this page (``read_for``: the 工作台's open items)
    row = CycleTally.objects.filter(cycle=cycle, key=key).values_list("generation", "data_generation", "data")
    found = row.first()
    if found is not None and found[0] == found[1]:
        data = found[2]
    else:
        data = _compute_and_store(cycle, key, compute, None if found is None else found[0])
    if memo is not None:
        memo[(key, cycle.pk)] = data
    return data


def read_for(
    cycles: QuerySet[ReformCycle], key: str, compute: Callable[[ReformCycle], Any]
) -> list[tuple[ReformCycle, Any]]:
    """``(cycle, stored aggregate key)`` for each of ``cycles`` (e.g. the live ones), in one query when all are
    stored; the missing or invalidated ones are computed and stored one by one."""
    stored = CycleTally.objects.filter(cycle=OuterRef("pk"), key=key)
    rows = cycles.annotate(
        _tally_generation=Subquery(stored.values("generation")[:1]),
        _tally_data_generation=Subquery(stored.values("data_generation")[:1]),
        _tally_data=Subquery(stored.values("data")[:1], output_field=CycleTally._meta.get_field("data")),
    )
    out = []
    for cycle in rows:
        generation = cycle._tally_generation  # type: ignore[attr-defined]
        if generation is not None and generation == cycle._tally_data_generation:  # type: ignore[attr-defined]
            out.append((cycle, cycle._tally_data))  # type: ignore[attr-defined]
        else:
            out.append((cycle, _compute_and_store(cycle, key, compute, generation)))
    memo = read_once_memo()
    if memo is not None:  # a page read: a panel asking one of these cycles' data reads no row again
        memo.update(((key, cycle.pk), data) for cycle, data in out)
    return out


def _compute_and_store(
    cycle: ReformCycle, key: str, compute: Callable[[ReformCycle], Any], generation: int | None
) -> Any:
    """Compute ``key`` of ``cycle`` and store it as of ``generation`` (the row's generation read before computing;
    None: there was no row). The write is skipped when an invalidation bumped the generation meanwhile."""
    data = compute(cycle)
    if generation is None:
        CycleTally.objects.bulk_create(
            [
                CycleTally(
                    cycle=cycle,
                    key=key,
                    generation=0,
                    data_generation=0,
                    data=data,
                    computed_at=timezone.now(),
                )
            ],
            ignore_conflicts=True,  # an invalidation (or another reader) got there first: theirs stands
        )
    else:
        CycleTally.objects.filter(cycle=cycle, key=key, generation=generation).update(
            data=data, data_generation=generation, computed_at=timezone.now()
        )
    return data


# The cycle's own row (no aggregate): every invalidation bumps it first, in the same transaction.
CYCLE_LOCK = ""


def invalidate(cycle: ReformCycle | int, *keys: str) -> None:
    """Mark ``keys`` of ``cycle`` stale, in the caller's transaction: the next reader computes them again.

    Each bump locks its row until the transaction ends, and one transaction may invalidate several keys (a task
    saved: the bidding and the evaluation figures; an assessment: the evaluation figures only) in whatever order
    its service saves rows — two transactions taking two keys in opposite orders would deadlock. So every
    invalidation first bumps the cycle's own row (``CYCLE_LOCK``): transactions changing what a cycle's tallies
    count take that one lock first, then their keys, and never wait for each other in a cycle."""
    cycle_id = cycle if isinstance(cycle, int) else cycle.pk
    table = connection.ops.quote_name(CycleTally._meta.db_table)
    key_column = connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        for key in (CYCLE_LOCK, *keys):
            cursor.execute(
                f"INSERT INTO {table} (cycle_id, {key_column}, generation, data_generation) "  # noqa: S608 # nosec B608 - the model's own names
                f"VALUES (%s, %s, 1, -1) ON CONFLICT (cycle_id, {key_column}) "
                f"DO UPDATE SET generation = {table}.generation + 1",
                [cycle_id, key],
            )


def parent_cycle(model: type[models.Model], field: str) -> Callable[[Any], int | None]:
    """A ``cycle_of`` for ``invalidate_on_change``: the cycle of the row's parent ``model`` row (by the row's
    ``<field>_id``, e.g. a milestone's task), None when the parent is gone (a cascade deleting it)."""

    def cycle_of(row: Any) -> int | None:
        parent = getattr(row, f"{field}_id")
        if parent is None:
            return None
        cycle_id: int | None = (
            model._default_manager.filter(pk=parent).values_list("cycle_id", flat=True).first()
        )
        return cycle_id

    return cycle_of


# ``cycle_of``'s answer for a row the aggregate does not count (e.g. a proposal of a 建议书 not reported yet): nothing
# is invalidated, and the saving transaction takes no lock for it.
UNCOUNTED: Any = object()


def invalidate_on_change(
    key: str | tuple[str, ...], model: type[models.Model], cycle_of: Callable[[Any], Any]
) -> None:
    """Invalidate ``key`` (or each key of a tuple: one ``cycle_of`` and one cycle lock for all) of the cycle
    ``cycle_of(instance)`` whenever a ``model`` row is saved or deleted, in the transaction that saves it: for an
    aggregate summed from several tables, every service (and the admin) that
    changes one of them invalidates it without one call per service to forget. The portal changes these models
    through ``save()`` and ``delete()`` only (no ``QuerySet.update`` on them; a queryset's or a cascade's delete
    sends ``post_delete`` per row once a receiver is connected); ``invalidate_everything`` after ``migrate``
    covers data migrations. ``cycle_of`` returns None when the row belongs to no cycle any more: then ``key`` of
    every cycle is invalidated; ``UNCOUNTED`` when the aggregate does not count the row."""

    def changed(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
        if kwargs.get("raw"):
            return  # loaddata: the fixture's rows, no service (run ``migrate`` after loading data: it invalidates all)
        cycle_id = cycle_of(instance)
        if cycle_id is UNCOUNTED:
            return
        if cycle_id is not None:
            invalidate(cycle_id, *keys)
            return
        for every in ReformCycle.objects.order_by("pk").values_list("pk", flat=True):  # one order for all
            invalidate(every, *keys)

    keys = (key,) if isinstance(key, str) else key
    uid = f"tally-{'+'.join(keys)}-{model._meta.label_lower}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-saved")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-deleted")


def invalidate_everything(using: str = "default", **kwargs: Any) -> None:
    """``post_migrate``: a data migration may have changed rows without ``save()``; every stored aggregate is
    computed again on its next read."""
    if CycleTally._meta.db_table in connections[using].introspection.table_names():
        CycleTally.objects.using(using).update(generation=models.F("generation") + 1)

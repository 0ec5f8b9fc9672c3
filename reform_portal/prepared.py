"""Querysets compiled once per process (issue 19).

Django turns a queryset into SQL on every evaluation: for a query with subqueries, ``Exists`` and ``Q`` objects —
the 工作台's open items of a region, say — that compiling is most of its cost (5.5 ms against 0.3 ms for running
the same SQL on this machine's bench database). A :class:`Prepared` query builds its queryset once per process
and database with stand-in values for its parameters, finds where each stand-in went among the SQL's parameters,
and from then on runs that SQL with the real values, turning the rows into Python values with the compiler's own
converters — the rows ``values_list()`` would have returned. The same SQL text each time also lets psycopg and
PostgreSQL keep its plan (``DB_PREPARED_STATEMENTS``).

Rules for a query to be prepared (checked when it is compiled; a broken rule raises, so a test that runs the
query finds it):

- ``build(**params)`` returns a ``values_list()`` queryset (tuples or ``named=True``);
- each parameter is an ``int``, a ``str`` or a ``datetime.date`` compared with a column (``=``, ``<``, ``>=``, …):
  each must reach the SQL's parameters unchanged (or as the backend adapts a date), not be written into its text
  and not change its shape (no ``__in`` lists, no ``__contains`` wrapping);
- a ``None`` value (``IS NULL``: another statement) runs the queryset itself.

Django has no such cache (its querysets are rebuilt per request by design); the one thing kept per process is
SQL text and the compiler that reads its rows."""

import datetime
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import NamedValuesListIterable, ValuesListIterable
from django.db.models.utils import create_namedtuple_class

Kind = type[int] | type[str] | type[datetime.date]


class _Slot(NamedTuple):
    name: str
    adapt: Callable[[Any, Any], Any]  # (connection, value) -> the SQL parameter


def _same(connection: Any, value: Any) -> Any:
    return value


def _date_as_adapted(connection: Any, value: Any) -> Any:
    return connection.ops.adapt_datefield_value(value)


class _Compiled(NamedTuple):
    sql: str
    params: list[Any]  # constants and slots
    compiler: Any
    names: tuple[str, ...] | None  # named=True


def _stand_ins(kinds: dict[str, Kind]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for n, (name, kind) in enumerate(sorted(kinds.items())):
        if kind is int:
            # inside every integer column's range (Django rewrites a lookup on a value outside it) and unlikely
            # as a constant of the query; a constant equal to it would be taken for the parameter
            values[name] = 30_011 + n
        elif kind is datetime.date:
            values[name] = datetime.date(1901, 2, 3) + datetime.timedelta(days=n)
        elif kind is str:
            values[name] = f"\x1eprepared {name}\x1e"
        else:
            raise TypeError(f"{name}: a prepared query's parameters are int, str or datetime.date")
    return values


_ALL: "weakref.WeakSet[Prepared]" = weakref.WeakSet()


def forget_all(**kwargs: Any) -> None:
    """Compile every prepared query again when next run (``post_migrate``: after ``migrate``, and after a test
    database's flush, which recreates content types and permissions under new keys — constants such a query may
    hold, as guardian's permission filters do)."""
    for query in list(_ALL):
        query.forget()


class Prepared:
    """``Prepared(build, region_id=int, today=datetime.date)``; ``.rows(region_id=…, today=…)`` → the rows of
    ``build(region_id=…, today=…)``."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **kinds: Kind) -> None:
        self.build = build
        self.kinds = kinds
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()
        _ALL.add(self)

    def forget(self) -> None:
        with self._lock:
            self._compiled = {}

    def compiled(self, using: str = "default") -> _Compiled:
        connection = connections[using]
        key = (using, connection.vendor)
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key) or self._compile(using)
                self._compiled[key] = found
        return found

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        stand_ins = _stand_ins(self.kinds)
        queryset = self.build(**stand_ins)
        if queryset._iterable_class not in (ValuesListIterable, NamedValuesListIterable):
            raise TypeError("a prepared query is a values_list() queryset")
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        template = [_slot_for(param, stand_ins, connection) or param for param in params]
        placed = {p.name for p in template if isinstance(p, _Slot)}
        for name, value in stand_ins.items():
            if name not in placed:
                raise ValueError(f"prepared query: {name} does not reach the SQL's parameters unchanged")
            if str(value) in sql:
                raise ValueError(f"prepared query: {name} is written into the SQL's text")
        names = None
        if queryset._iterable_class is NamedValuesListIterable:
            query = queryset.query
            names = tuple(
                getattr(queryset, "_fields", ())
                or [*query.extra_select, *query.values_select, *query.annotation_select]
            )
        return _Compiled(sql, template, compiler, names)

    def rows(self, using: str = "default", **params: Any) -> list[Any]:
        if set(params) != set(self.kinds):
            raise TypeError(f"prepared query: parameters {sorted(self.kinds)}, given {sorted(params)}")
        if any(value is None for value in params.values()):
            return list(self.build(**params))  # IS NULL is another statement
        compiled = self.compiled(using)
        connection = connections[using]
        values = [p.adapt(connection, params[p.name]) if isinstance(p, _Slot) else p for p in compiled.params]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, values)
            fetched = cursor.fetchall()
        rows: Iterable[Any] = compiled.compiler.results_iter(results=[fetched], tuple_expected=True)
        if compiled.names is not None:
            tuple_class = create_namedtuple_class(*compiled.names)
            return [tuple.__new__(tuple_class, row) for row in rows]
        return list(rows)


def _slot_for(param: Any, stand_ins: dict[str, Any], connection: Any) -> _Slot | None:
    """The parameter a SQL parameter stands for, and how the real value becomes that SQL parameter: as it is, in
    the backend's integer type (psycopg's ``Int4``/``Int8``, which Django uses for integer columns) or as the
    backend adapts a date (a string on SQLite)."""
    for name, value in stand_ins.items():
        if isinstance(value, int):
            if isinstance(param, int) and not isinstance(param, bool) and param == value:
                return _Slot(name, _same if type(param) is int else _as_type(type(param)))
        elif isinstance(value, datetime.date):
            if type(param) is type(value) and param == value:
                return _Slot(name, _same)
            if isinstance(param, str) and param == connection.ops.adapt_datefield_value(value):
                return _Slot(name, _date_as_adapted)
        elif isinstance(param, str) and param == value:
            return _Slot(name, _same)
    return None


def _as_type(kind: type) -> Callable[[Any, Any], Any]:
    def adapt(connection: Any, value: Any) -> Any:
        return kind(value)

    return adapt

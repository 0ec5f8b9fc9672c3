"""The 发文字号 register (issue 15 §3; DECISIONS §15): a configurable start, typed numbers from the office's registry,
unique and never reused (a database constraint), taken numbers skipped, voided letters keep their number,
concurrent issues distinct (PostgreSQL, threads)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from reform_portal import docnumbers
from reform_portal.models import DocNumber, DocNumberRegister

PREFIX = "发改高技"


def take(typed=None, year=2027, prefix=PREFIX):
    return docnumbers.take(year=year, prefix=prefix, kind="测试", subject="", by=None, typed=typed)


@pytest.mark.django_db
def test_the_start_is_honoured():
    docnumbers.set_next(year=2027, prefix=PREFIX, next_number=484, by=None)
    assert [take().text for _ in range(2)] == ["发改高技〔2027〕484号", "发改高技〔2027〕485号"]
    assert DocNumberRegister.objects.get().next_number == 486


@pytest.mark.django_db
def test_registers_are_per_year_and_prefix():
    assert [take().number, take(year=2028).number, take(prefix="发改高技函").number, take().number] == [
        1,
        1,
        1,
        2,
    ]


@pytest.mark.django_db
def test_typed_numbers_are_kept_and_the_counter_skips_them():
    assert take(typed=2).text == "发改高技〔2027〕2号"
    assert take(typed=3).typed
    assert [take().number for _ in range(3)] == [1, 4, 5]


@pytest.mark.django_db
def test_a_typed_number_that_exists_is_refused():
    take(typed=7)
    with pytest.raises(ValidationError) as err:
        take(typed=7)
    assert err.value.messages == ["发改高技〔2027〕7号已被使用（含已作废的公文），请按登记簿填写未用的序号。"]
    assert DocNumber.objects.count() == 1


@pytest.mark.django_db
def test_a_voided_letter_keeps_its_number():
    first = take()
    docnumbers.void(number=first, by=None, reason="文字有误，重新发文")
    assert take().number == 2  # not 1 again
    with pytest.raises(ValidationError):
        take(typed=1)
    first.refresh_from_db()
    assert (first.state, first.number) == ("voided", 1)


@pytest.mark.django_db
def test_the_database_refuses_a_number_twice():
    row = take()
    with pytest.raises(IntegrityError), transaction.atomic():
        DocNumber.objects.create(register=row.register, number=row.number, text=row.text, kind="测试")


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_distinct_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI sets DATABASE_URL)")
    docnumbers.register(2027, PREFIX)
    docnumbers.take(year=2027, prefix=PREFIX, kind="测试", subject="", by=None, typed=3)  # skipped by all
    barrier, results, errors = threading.Barrier(8), [], []

    def issue():
        try:
            barrier.wait()
            results.append(take().number)
        except Exception as exc:  # pragma: no cover - reported by the assert below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [1, 2, 4, 5, 6, 7, 8, 9]

"""Scenarios every stage's tests share: two users saving over each other (optimistic locking), a row lock
held in another thread, two first visits at the same moment."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

# ------------------------------------------------------------------------------------------------------------
# Two people editing the same thing: the second save is refused with who saved first and when, the second
# person's text stays on the page, and the database keeps the first save (nothing silently overwritten).


def _loaded(client, url):
    """Open the edit page as the user would; the revision the page carries."""
    page = client.get(url)
    assert page.status_code == 200
    return page.context["form"]["revision"].value()


def _assert_refused(page, who, kept_text, what):
    html = page.content.decode()
    assert page.status_code == 200
    errors = page.context["form"].non_field_errors()
    assert (
        len(errors) == 1
        and errors[0].startswith(f"该{what}已被{who}于")
        and errors[0].endswith("修改，您的修改尚未保存。请复制您的内容，刷新页面后重新修改。")
    )
    assert kept_text in html


# ------------------------------------------------------------------------------------------------------------
# Row locks lock the row being changed, not the cycle or region joined to it: one region's edit, or one
# letter being rendered, must not make every other region wait (bench/letters.py found two Celery workers no
# faster than one, because rendering a letter held a lock on the shared cycle row for the whole render).


def _other_region_is_not_blocked(hold, act):
    """``hold()`` takes its row lock in a transaction kept open in another thread; ``act()`` (another
    region's row in the same cycle) must finish within a 2 s lock timeout instead of waiting for it."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite ignores SELECT ... FOR UPDATE")
    locked, done, errors = threading.Event(), threading.Event(), []

    def holder():
        try:
            with transaction.atomic():
                hold()
                locked.set()
                done.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            locked.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    locked.wait(10)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            act()
    finally:
        done.set()
        thread.join()
    assert errors == []


# ------------------------------------------------------------------------------------------------------------
# Both departments of a region opening 本年度建议书 / 揭榜 for the first time at the same moment get the
# same row; the second insert meets the unique (cycle, region) constraint and must not answer 500.


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

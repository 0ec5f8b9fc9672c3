"""The move of the tests to tests/<app>/test_<module>.py (issue 13 §7) lost none of them.

tests/data/test_ids_before_layout.txt holds every id collected before the move, tests/data/test_ids_layout_map.tsv
(made by tests/data/make_test_ids_layout_map.py) maps each to its id now. Every old id must be in the map, and
every id the map names must still be collected: a test dropped, renamed or whose parameters changed fails here.

The suite is collected in a subprocess. Collecting runs no test, so this one cannot recurse; the inner run also
carries LAYOUT_CHECK_INNER, which skips it there should anyone run that command without --collect-only.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DATA = ROOT / "tests" / "data"
INNER = "LAYOUT_CHECK_INNER"


def _lines(name):
    return (DATA / name).read_text(encoding="utf-8").splitlines()


@pytest.mark.skipif(os.environ.get(INNER) == "1", reason="inside the layout check's own collection")
def test_every_test_id_from_before_the_move_is_still_collected():
    before = _lines("test_ids_before_layout.txt")
    rows = [line.split("\t") for line in _lines("test_ids_layout_map.tsv")]
    assert [row for row in rows if len(row) != 2] == []
    mapped = dict(rows)
    assert len(mapped) == len(rows), "an old id is mapped twice"
    assert len(set(mapped.values())) == len(rows), "two old ids map to one new id"
    assert [old for old in before if old not in mapped] == []

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=ROOT,
        env={**os.environ, INNER: "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    collected = {line for line in run.stdout.splitlines() if "::" in line}
    assert sorted(new for new in mapped.values() if new not in collected) == []
    assert len(collected) >= len(before)

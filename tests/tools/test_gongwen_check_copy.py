"""The 公文 checker is pinned in tests/tools/ so the suite runs on a user's machine, which lacks the team's
shared folder; when the shared copy is there, the pinned one must be the same file."""

import hashlib
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
COPY = ROOT / "tests" / "tools" / "gongwen_check.py"
SHARED = ROOT.parent / "shared" / "tools" / "gongwen_check.py"
PINNED_SHA256 = "6229865a1fd1e8877c6ae4d897035e03a7c0f86f9d91428d829a430d75c44a02"


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_pinned_copy_is_unchanged():
    assert sha256(COPY) == PINNED_SHA256, "tests/tools/gongwen_check.py differs from the pinned version"


def test_the_pinned_copy_is_the_shared_one():
    if not SHARED.exists():
        return  # a user's machine: the pinned copy is all there is
    assert sha256(SHARED) == sha256(COPY), (
        "The shared checker changed: refresh the copy with "
        "`cp ../shared/tools/gongwen_check.py tests/tools/` and update PINNED_SHA256 in this test."
    )


def test_the_checker_runs():
    run = subprocess.run(
        [sys.executable, str(COPY), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "--no-draft" in run.stdout

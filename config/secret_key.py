"""The production SECRET_KEY guard (issue 17 §5): refuse placeholders and keys with little randomness.

``secret_key_problem(key)`` returns why a key is refused, or None. config/settings_production.py raises
ImproperlyConfigured with it at start-up (web, worker, beat, relay, every manage.py command); the Dockerfile's
collectstatic runs with config/settings_build.py, which needs no secret.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

MIN_LENGTH = 50
# Shannon entropy of the key's own character counts, times its length. A random key of 50 characters from
# Django's 50-letter alphabet scores ~250 bits, a 64-digit hex key ~250; a sentence ~200 and less.
MIN_BITS = 200.0
MIN_DISTINCT = 12
# The longest run of one repeated character, or of consecutive ones (abcdef, 123456). 5 refused about one
# random hex key in 6,000 (a run of 6 in 64 hex digits: ~1.7e-4; CI met "…feddddddf2…"); 10 refuses ~1e-10.
MAX_RUN = 10

# Keys published in this repository or its history (README, .env.example, the Dockerfile, settings), always refused.
KNOWN_PLACEHOLDERS = frozenset(
    {
        "change-me-to-a-long-random-string-of-at-least-fifty-characters",
        "build-only-not-used-at-runtime-0123456789abcdefghijklmnopqrstuvwxyz",
        "django-insecure-development-key-do-not-use-in-production",
    }
)
# Words that mark a key somebody meant to replace.
PLACEHOLDER_WORDS = re.compile(
    r"change[-_ ]?me|changeme|replace|insecure|placeholder|example|not[-_ ]used|secret|password|your[-_ ]|dummy|"
    r"sample|default|xxxxx|fifty[-_ ]characters|random[-_ ]string",
    re.IGNORECASE,
)


def _env_example_key() -> str | None:
    """The SECRET_KEY that .env.example ships (when the file is there)."""
    try:
        text = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^\s*SECRET_KEY\s*=\s*(.*?)\s*$", text, re.M)
    return match.group(1).strip("'\"") if match else None


def entropy_bits(key: str) -> float:
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_char * len(key)


def longest_run(key: str) -> int:
    """The longest stretch of one repeated character or of consecutive characters (up or down)."""
    best = run = 1
    step = None
    for a, b in itertools.pairwise(key):
        d = ord(b) - ord(a)
        if d in (-1, 0, 1) and (step is None or d == step):
            run, step = run + 1, d
        elif d in (-1, 0, 1):
            run, step = 2, d
        else:
            run, step = 1, None
        best = max(best, run)
    return best if key else 0


def secret_key_problem(key: str, *, known: frozenset[str] | set[str] = frozenset()) -> str | None:
    placeholders = set(KNOWN_PLACEHOLDERS) | set(known)
    example = _env_example_key()
    if example:
        placeholders.add(example)
    if not key:
        return "SECRET_KEY is not set."
    if key in placeholders:
        return "SECRET_KEY is a published placeholder (.env.example, the Dockerfile or the settings)."
    if len(key) < MIN_LENGTH:
        return f"SECRET_KEY has {len(key)} characters; at least {MIN_LENGTH} random ones are needed."
    if PLACEHOLDER_WORDS.search(key):
        return "SECRET_KEY looks like a placeholder (it contains words such as change-me or example)."
    if len(set(key)) < MIN_DISTINCT or entropy_bits(key) < MIN_BITS or longest_run(key) > MAX_RUN:
        return "SECRET_KEY has too little randomness (repeated or consecutive characters, or too few distinct ones)."
    return None


GENERATE_HINT = ' Generate one with: python -c "from django.core.management.utils import get_random_secret_key as k; print(k())"'

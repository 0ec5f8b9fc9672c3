"""What is kept in the cache under a digest of its content (issue 19): a download or a drawing made once per
distinct content. The key holds a SHA-256 of everything the file prints, so a change gives a new key at once and
nothing stale is served; the cache only holds what can be made again (it fails open). Used by the 揭榜矩阵 XLSX
(``bidding.exports``), the 评估结果 XLSX (``evaluation.exports``) and the heat maps (``reform_portal.charts``)."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

KEPT_SECONDS = 60 * 60 * 24


def content_digest(content: Any) -> str:
    """A SHA-256 of ``content`` (JSON-serialisable; other values as their text)."""
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, default=str).encode()).hexdigest()


def kept_bytes(name: str, content: Any, make: Callable[[], bytes]) -> bytes:
    """``make()``'s bytes, made once per distinct ``content`` and kept under ``<name>:<digest>``; ``content`` must
    hold every value the bytes print."""
    key = f"{name}:{content_digest(content)}"
    data: bytes | None = cache.get(key)
    if data is None:
        data = make()
        cache.set(key, data, KEPT_SECONDS)
    return data

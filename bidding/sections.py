"""Sections that later stages add to a task's page (bidding never imports them): 评估激励 registers what was
granted for a task, so the people a hand-off sends to the task read it there. From ``AppConfig.ready``::

    register_task_section(incentives_section)   # func(user=…, task=…) -> dict with "template" (and context), or None
"""

from collections.abc import Callable
from typing import Any

Section = Callable[..., dict[str, Any] | None]

_SECTIONS: list[Section] = []


def register_task_section(func: Section) -> Section:
    """Idempotent."""
    if func not in _SECTIONS:
        _SECTIONS.append(func)
    return func


def task_sections(user, task) -> list[dict[str, Any]]:
    """The sections of ``task``'s page for ``user`` (who may already read the task), in registration order."""
    return [s for func in _SECTIONS if (s := func(user=user, task=task))]

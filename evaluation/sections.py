"""What 评估激励 adds to a task's page in 揭榜任务 (bidding.sections): the incentives granted for the task, so the
region and its implementing entities read the 激励 their notification links to."""

from typing import Any

from bidding.models import Task
from reform_portal.models import User


def incentives_section(*, user: User, task: Task) -> dict[str, Any] | None:
    """The task's incentives, newest first; None when there are none. ``user`` may already read the task."""
    incentives = list(task.incentives.select_related("region", "organization", "granted_by"))
    if not incentives:
        return None
    return {"template": "evaluation/_task_incentives.html", "incentives": incentives}

"""悬榜揭榜's part in a corrected list version (DECISIONS §14): what holds a published entry (揭榜申报, 揭榜任务, the
通知书 that lists the task), so a version that drops it is refused, and moving bids and tasks to the new
version's entry of the same measure when it is published (``catalog.services.register_entry_keeper``)."""

from __future__ import annotations

from collections import defaultdict

from catalog.models import ListEntry
from reform_portal.models import User
from reform_portal.services import save_with_history

from .models import Bid, Task, TaskNotice


def entry_uses(entry_ids: list[int]) -> dict[int, list[str]]:
    uses: dict[int, list[str]] = defaultdict(list)
    for entry_id, region in Bid.objects.filter(entry_id__in=entry_ids).values_list(
        "entry_id", "bid_set__region__name"
    ):
        uses[entry_id].append(f"{region}揭榜申报")
    tasks = Task.objects.filter(entry_id__in=entry_ids).values_list(
        "entry_id", "cycle_id", "region_id", "region__name"
    )
    noticed = set(
        TaskNotice.objects.filter(region_id__in={t[2] for t in tasks}).values_list("cycle_id", "region_id")
    )
    for entry_id, cycle_id, region_id, region in tasks:
        uses[entry_id].append(f"{region}揭榜任务" + ("及通知书" if (cycle_id, region_id) in noticed else ""))
    return dict(uses)


def entries_move(mapping: dict[int, ListEntry], by: User) -> None:
    """Bids and tasks on an earlier version's entry now point at the new version's entry of the same measure."""
    for model, what in ((Bid, "揭榜事项"), (Task, "揭榜任务")):
        for row in model.objects.filter(entry_id__in=list(mapping)).order_by("pk"):
            new = mapping[row.entry_id]
            row.entry = new
            save_with_history(
                row, by, f"清单第{new.measure_list.version}版公布，{what}随举措{new.number}转入新版本"
            )

"""Thin Celery tasks of stage 3: 下达揭榜任务通知书, one outbox message per region (``services.notice_batch_start``),
run in parallel by the workers; the last letter stored closes the batch."""

from celery import shared_task

from reform_portal.models import ReformCycle, Region, User

from . import services


@shared_task(name=services.NOTICE_TASK)
def issue_region_notice(*, cycle_id, region_id, user_id, batch_id=None):
    """Idempotent: a region's letter is numbered once and stored once, however often this runs."""
    try:
        notice = services.notice_issue(
            cycle=ReformCycle.objects.get(pk=cycle_id),
            region=Region.objects.get(pk=region_id),
            by=User.objects.get(pk=user_id),
        )
    except Exception as exc:
        if batch_id is not None:
            services.notice_batch_finish(
                batch_id=batch_id, error=f"{Region.objects.get(pk=region_id)}：{exc}"
            )
        raise  # the outbox tries again after a back-off, then gives up (the progress page shows the error)
    if batch_id is not None:
        services.notice_batch_item_done(batch_id=batch_id)
    return notice.pk


@shared_task(name="bidding.finish_notice_batch")
def finish_notice_batch(*, batch_id):
    """Close a batch (kept for messages queued by an older release, when a chord called it)."""
    services.notice_batch_finish(batch_id=batch_id)
    return batch_id


def issue_all(*, cycle, by):
    """Start a batch: the letters are queued in the outbox with it (the page and bench/letters.py call this)."""
    return services.notice_batch_start(cycle=cycle, by=by)

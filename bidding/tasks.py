"""Thin Celery tasks: 下达揭榜任务通知书 for every awarded region, fanned out in parallel (a chord)."""
from celery import chord, shared_task
from django.db import transaction

from reform_portal.models import ReformCycle, Region, User

from . import services


@shared_task(name="bidding.issue_region_notice")
def issue_region_notice(*, cycle_id, region_id, user_id, batch_id=None):
    try:
        notice = services.notice_issue(cycle=ReformCycle.objects.get(pk=cycle_id),
                                       region=Region.objects.get(pk=region_id), by=User.objects.get(pk=user_id))
    except Exception as exc:
        if batch_id is not None:
            services.notice_batch_finish(batch_id=batch_id, error=f"{Region.objects.get(pk=region_id)}：{exc}")
        raise
    return notice.pk


@shared_task(name="bidding.finish_notice_batch")
def finish_notice_batch(*, batch_id):
    services.notice_batch_finish(batch_id=batch_id)
    return batch_id


def launch_batch(batch):
    """Queue one task per region and a callback that marks the batch finished."""
    header = [issue_region_notice.si(cycle_id=batch.cycle_id, region_id=region.pk, user_id=batch.started_by_id,
                                     batch_id=batch.pk) for region in batch.regions.order_by("code")]
    return chord(header)(finish_notice_batch.si(batch_id=batch.pk))


def issue_all(*, cycle, by):
    """Start a batch; the chord is queued once the batch row is committed."""
    batch = services.notice_batch_start(cycle=cycle, by=by)
    transaction.on_commit(lambda: launch_batch(batch))
    return batch

"""Thin Celery tasks of stage 2."""

from celery import shared_task

from . import services
from .models import MeasureList


@shared_task(name="catalog.store_list_pdf")
def store_list_pdf(*, measure_list_id):
    """Render and store a just-published version's PDF, so the first visitor does not wait for it."""
    services.list_pdf_bytes(measure_list=MeasureList.objects.get(pk=measure_list_id))
    return measure_list_id

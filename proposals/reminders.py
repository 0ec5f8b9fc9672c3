"""Reminders before the 建议书 deadline (notice 四: by the end of April), to each region's staff whose book
is not submitted, saying what is missing. Registered in ProposalsConfig.ready."""

from django.db.models import Count
from django.urls import reverse

from reform_portal.enums import CycleState, Stage
from reform_portal.models import Region
from reform_portal.reminders import Due, regional_staff_by_region, reminder_title, stage_due_offsets
from reform_portal.services import deadline_for, last_day_of
from reform_portal.years import with_year

from .enums import BookState
from .models import ProposalBook

KIND = "proposal_deadline"


def what_is_missing(cycle, book) -> str:
    if book is None:
        return f"尚未开始填报：需{cycle.min_proposals}—{cycle.max_proposals}项改革举措建议，并经发展改革委和科技厅双方确认。"
    parts = [f"现有举措{book.n}项（要求{cycle.min_proposals}—{cycle.max_proposals}项）"]
    parts.append("发展改革委" + ("已确认" if book.drc_signed_by_id else "未确认"))
    parts.append("科技厅（委、局）" + ("已确认" if book.scitech_signed_by_id else "未确认"))
    if book.state == BookState.RETURNED:
        parts.insert(0, "建议书已被退回修改")
    return "；".join(parts) + "。"


def proposal_deadline_source(*, cycle, now):
    if cycle.state != CycleState.PROPOSAL:
        return  # 征集 not started, or ended by the reviewers (结束征集): a book can no longer be filed
    books = {b.region_id: b for b in ProposalBook.objects.filter(cycle=cycle).annotate(n=Count("proposals"))}
    regions = [
        r
        for r in Region.objects.filter(active=True).order_by("code")
        if not (books.get(r.pk) and books[r.pk].state in (BookState.SUBMITTED, BookState.CLOSED))
    ]
    staff = regional_staff_by_region(r.pk for r in regions)
    for region in regions:
        offsets = stage_due_offsets(cycle, region, Stage.PROPOSAL, now=now)
        if not offsets or not staff.get(region.pk):
            continue
        deadline = deadline_for(cycle, region, Stage.PROPOSAL)
        book = books.get(region.pk)
        body = (
            f"{region.name}{cycle.year}年度《全面创新改革举措建议书》报送截止时间为"
            f"{last_day_of(deadline):%Y年%m月%d日} 23:59。{what_is_missing(cycle, book)}"
        )
        url = (
            reverse("proposals:book_detail", args=[book.pk])
            if book
            else with_year(reverse("proposals:book"), cycle.year)
        )
        for offset in offsets:
            for user in staff[region.pk]:
                yield Due(
                    kind=KIND,
                    obj_pk=f"{cycle.pk}-{region.pk}",
                    obj_label=f"{region.name}建议书",
                    recipient=user,
                    due_at=deadline,
                    offset_days=offset,
                    title=reminder_title("建议书报送", offset),
                    body=body,
                    url=url,
                )

"""制定清单's part in the year's stage actions (reform_portal.cycles): what is still open before 公布清单
(proposals not handled, expert reviews open, ministries not answered) and 公布清单's effect (the latest draft of
the year's list is published)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from proposals.models import MeasureProposal
from reform_portal.cycles import Outstanding
from reform_portal.models import ReformCycle, User
from reform_portal.years import with_year

from .enums import ListState
from .models import Consultation, ExpertReview, MeasureList
from .selectors import WAITING, _with_waiting
from .services import OPEN_BOOK_STATES, list_publish


def publish_outstanding(cycle: ReformCycle) -> list[Outstanding]:
    merge = with_year(reverse("catalog:merge"), cycle.year)
    proposals = (
        MeasureProposal.objects.filter(
            book__cycle=cycle,
            book__state__in=OPEN_BOOK_STATES,
            measure_source__isnull=True,
            rejection__isnull=True,
        )
        .select_related("book__region")
        .order_by("book__region__code", "position")
    )
    reviews = (
        ExpertReview.objects.filter(measure__cycle=cycle, submitted_at__isnull=True)
        .exclude(measure__inclusion__included=False)
        .select_related("expert", "measure")
        .order_by("expert__username", "measure__position")
    )
    consultations = (
        _with_waiting(Consultation.objects.filter(measure_list__cycle=cycle))
        .filter(WAITING)
        .select_related("ministry", "measure_list")
        .order_by("ministry__name")
    )
    return [
        Outstanding(
            _("未处理的建议（未合并、未标记不采纳）"),
            [f"{p.book.region.name}：{p.title}" for p in proposals],
            merge + "&status=open",
        ),
        Outstanding(
            _("未提交的专家论证"),
            [f"{r.expert.get_full_name() or r.expert.username}：{r.measure.title}" for r in reviews],
            with_year(reverse("catalog:lists"), cycle.year),
        ),
        Outstanding(
            _("未反馈意见的有关部门"),
            [
                _("%(ministry)s（清单第%(v)s版，已反馈%(n)s/%(m)s项）")
                % {
                    "ministry": c.ministry.name,
                    "v": c.measure_list.version,
                    "n": c.n_given,
                    "m": c.n_measures,
                }
                for c in consultations
            ],
            with_year(reverse("catalog:lists"), cycle.year),
        ),
    ]


def publish_latest_draft(*, cycle: ReformCycle, by: User, reason: str) -> None:
    """公布清单: the year's latest unpublished version (draft or out for consultation) is published (its regions told by ``list_publish``)."""
    draft = (
        MeasureList.objects.filter(cycle=cycle, state__in=[ListState.DRAFT, ListState.CONSULTING])
        .order_by("-version")
        .first()
    )
    if draft is None:
        raise ValidationError(_("本年度没有待公布的清单草稿，请先在“举措清单”页面生成清单。"))
    list_publish(measure_list=draft, by=by)

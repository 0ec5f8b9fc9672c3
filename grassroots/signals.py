"""The submitter hears what became of an adopted suggestion (issue 20 §4): when the 建议书 holding it is submitted
and when its measure enters a published national list. The lower layers do not know 基层征集 exists, so this
module listens to their saves (inside the service's transaction) and tells the units whose suggestions were
adopted into, or merged into one adopted into, the proposals concerned. Each once per occurrence (``notify``'s
key). Public submitters read it on their follow link (the reply names the proposal)."""

from django.db.models.signals import post_save
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog.enums import ListState
from catalog.models import MeasureList, MeasureSource
from proposals.enums import BookState
from proposals.models import ProposalBook
from reform_portal.notifications import notify, organization_users

from .enums import SuggestionState
from .models import Suggestion


def _adopted(proposal_ids):
    adopted = list(
        Suggestion.objects.filter(adopted_into_id__in=list(proposal_ids), state=SuggestionState.ADOPTED)
    )
    merged = Suggestion.objects.filter(merged_into__in=adopted, state=SuggestionState.MERGED)
    return [*adopted, *merged]


def _tell(suggestions, *, kind, key, title, body):
    for s in suggestions:
        if s.organization_id is None:
            continue
        notify(
            recipients=organization_users([s.organization_id]),
            kind=kind,
            key=f"{key}:{s.pk}",
            title=title % {"t": s.title},
            body=body,
            url=reverse("grassroots:suggestion", args=[s.pk]),
        )


def book_saved(sender, instance: ProposalBook, raw=False, **kwargs):
    if raw or instance.state != BookState.SUBMITTED or instance.submitted_at is None:
        return
    suggestions = _adopted(instance.proposals.values_list("pk", flat=True))
    _tell(
        suggestions,
        kind="grassroots_book_submitted",
        key=f"grassroots_book_submitted:{instance.pk}:{instance.submitted_at.isoformat()}",
        title=_("您单位的建议“%(t)s”所在的建议书已报送国家发展改革委、科技部"),
        body=_(
            "%(region)s已联合报送%(year)s年度《全面创新改革举措建议书》，其中包含由您单位建议形成的改革举措。"
        )
        % {"region": instance.region, "year": instance.cycle.year},
    )


def list_saved(sender, instance: MeasureList, raw=False, **kwargs):
    if raw or instance.state != ListState.PUBLISHED:
        return
    measure_ids = instance.entries.values_list("measure_id", flat=True)
    proposal_ids = MeasureSource.objects.filter(measure_id__in=list(measure_ids)).values_list(
        "proposal_id", flat=True
    )
    _tell(
        _adopted(proposal_ids),
        kind="grassroots_listed",
        key=f"grassroots_listed:{instance.pk}",
        title=_("您单位的建议“%(t)s”形成的改革举措已列入国家改革举措清单"),
        body=_("%(year)s年度全面创新改革举措清单（第%(v)s版）已公布。")
        % {"year": instance.cycle.year, "v": instance.version},
    )


def connect() -> None:
    post_save.connect(book_saved, sender=ProposalBook, dispatch_uid="grassroots.book_saved")
    post_save.connect(list_saved, sender=MeasureList, dispatch_uid="grassroots.list_saved")

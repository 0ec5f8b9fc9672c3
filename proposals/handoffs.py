"""Who is told when a 建议书 changes hands (docs/architecture.md, "Hand-offs: who is told"): called by the
services, inside their transaction, after the change; each is once per occurrence (``notify``'s key)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal.enums import Stage
from reform_portal.models import User
from reform_portal.notifications import date_cn, idempotency_key, notify, region_staff, reviewers
from reform_portal.services import deadline_for, last_day_of

from .models import ProposalBook


def _book_label(book: ProposalBook) -> str:
    return _("%(region)s%(year)s年度《全面创新改革举措建议书》") % {
        "region": book.region,
        "year": book.cycle.year,
    }


def book_submitted(book: ProposalBook, *, by: User) -> None:
    """报送 → national reviewers: review it, merge, or return it with a reason."""
    n = book.proposals.count()
    notify(
        recipients=reviewers(),
        kind="book_submitted",
        key=idempotency_key("book_submitted", book),
        title=_("%(book)s已报送，请审核") % {"book": _book_label(book)},
        body=_(
            "%(region)s发展改革委、科技厅（委、局）已联合报送建议书（%(n)s项改革举措，报送人：%(by)s）。"
            "请在%(due)s前完成汇总、合并同类项和专家论证；需修改的，请退回并写明理由。"
        )
        % {"region": book.region, "n": n, "by": by, "due": date_cn(book.cycle.review_deadline)},
        url=reverse("proposals:book_detail", args=[book.pk]),
    )


def book_returned(book: ProposalBook, *, reason: str, by: User) -> None:
    """退回修改 → both departments of the region, with the reason and the deadline (extensions count)."""
    due = last_day_of(deadline_for(book.cycle, book.region, Stage.PROPOSAL))
    notify(
        recipients=region_staff(book.region_id),
        kind="book_returned",
        key=idempotency_key("book_returned", book),
        title=_("%(book)s已被退回修改") % {"book": _book_label(book)},
        body=_(
            "国家审核人员（%(by)s）退回了建议书，理由：%(reason)s。请按意见修改，经发展改革委和科技厅（委、局）"
            "双方重新确认后，于%(due)s 23:59前重新报送。"
        )
        % {"by": by, "reason": reason.strip(), "due": date_cn(due)},
        url=reverse("proposals:book_detail", args=[book.pk]),
    )


def book_signed(book: ProposalBook, *, by: User) -> None:
    """确认联合报送 by one department → the other department's staff: confirm too, or (both done) submit."""
    due = last_day_of(deadline_for(book.cycle, book.region, Stage.PROPOSAL))
    if book.fully_signed:
        title = _("%(book)s双方均已确认，可以报送") % {"book": _book_label(book)}
        body = _("%(org)s（%(by)s）已确认第%(v)s版。双方均已确认当前版本，请于%(due)s 23:59前报送。")
    else:
        title = _("%(book)s待贵单位确认联合报送") % {"book": _book_label(book)}
        body = _(
            "%(org)s（%(by)s）已确认第%(v)s版。请审阅后确认联合报送；双方确认后即可报送，截止时间为%(due)s 23:59。"
        )
    notify(
        recipients=region_staff(book.region_id, exclude_organization_id=by.organization_id),
        kind="book_signed",
        key=idempotency_key("book_signed", book),
        title=title,
        body=body % {"org": by.organization, "by": by, "v": book.version, "due": date_cn(due)},
        url=reverse("proposals:book_detail", args=[book.pk]),
    )

"""The 建议书's table through the real services: every (state, action) pair either moves the book to the
table's next state or is refused with the table's message, leaving the book as it was. And 已进入汇总 is a
real, reachable state that freezes the book (it was read in three places and set nowhere)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from proposals import services
from proposals.enums import BookState
from proposals.models import ProposalBook
from proposals.transitions import BOOK

from . import scenarios as fp

pytestmark = pytest.mark.django_db


def book_in(state, cycle, drc, scitech, reviewer):
    """A complete book in ``state``; in 草稿 and 退回修改 both departments have confirmed it."""
    if state == BookState.DRAFT:
        return fp.signed_book(cycle, drc, scitech)
    book = fp.submitted_book(cycle, drc, scitech)
    if state == BookState.RETURNED:
        book = services.book_return(book=book, reason="请补充预期成效。", by=reviewer)
        services.book_sign(book=book, by=drc)
        book = services.book_sign(book=book, by=scitech)
    elif state == BookState.CLOSED:
        book = services.book_close(book=book, by=reviewer)
    assert book.state == state
    return book


def act(action, book, drc, scitech, reviewer):
    return {
        "edit": lambda: services.book_update_cover(
            book=book, contact_name="李四", contact_phone="0571-1", summary="修改后的说明。", by=drc
        ),
        "sign": lambda: services.book_sign(book=book, by=scitech),
        "submit": lambda: services.book_submit(book=book, by=drc),
        "withdraw": lambda: services.book_withdraw(book=book, by=drc),
        "return": lambda: services.book_return(book=book, reason="请修改。", by=reviewer),
        "close": lambda: services.book_close(book=book, by=reviewer),
    }[action]()


@pytest.mark.parametrize("action", list(BOOK.actions))
@pytest.mark.parametrize("state", BOOK.state_values())
def test_every_state_and_action_through_the_services(
    state, action, cycle, region_a_drc, region_a_scitech, reviewer
):
    book = book_in(state, cycle, region_a_drc, region_a_scitech, reviewer)
    row = BOOK.find(state, action)
    if row is None:
        with pytest.raises((PermissionDenied, ValidationError)) as refused:
            act(action, book, region_a_drc, region_a_scitech, reviewer)
        message = (
            refused.value.messages[0] if isinstance(refused.value, ValidationError) else str(refused.value)
        )
        assert message == BOOK.refusal(state, action)
        assert ProposalBook.objects.get(pk=book.pk).state == state
    else:
        act(action, book, region_a_drc, region_a_scitech, reviewer)
        assert ProposalBook.objects.get(pk=book.pk).state == row.target


def test_a_closed_book_is_frozen(cycle, region_a_drc, region_a_scitech, reviewer):
    book = services.book_close(book=fp.submitted_book(cycle, region_a_drc, region_a_scitech), by=reviewer)
    proposal = book.proposals.first()
    frozen = "建议书已进入汇总阶段，不能再修改。"
    attempts = [
        lambda: services.book_withdraw(book=book, by=region_a_drc),
        lambda: services.proposal_update(
            proposal=proposal, revision=proposal.revision, fields={"title": "改"}, by=region_a_drc
        ),
        lambda: services.proposal_delete(proposal=proposal, by=region_a_scitech),
        lambda: services.proposal_create(book=book, fields=fp.proposal_fields(9), by=region_a_drc),
        lambda: services.attachment_add(
            proposal=proposal,
            upload=SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF"),
            by=region_a_drc,
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert str(refused.value) == frozen
    book.refresh_from_db()
    assert (book.state, book.proposals.count()) == (BookState.CLOSED, 3)
    assert book.history.first().history_change_reason == "结束征集，进入汇总"


def test_only_a_reviewer_closes_and_only_a_submitted_book(cycle, region_a_drc, region_a_scitech, reviewer):
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    with pytest.raises(PermissionDenied) as refused:
        services.book_close(book=book, by=reviewer)
    assert str(refused.value) == "建议书当前状态为“草稿”，不能进入汇总。"
    book = services.book_submit(book=book, by=region_a_drc)
    with pytest.raises(PermissionDenied) as refused:
        services.book_close(book=book, by=region_a_drc)
    assert str(refused.value) == "只有国家审核人员可以结束征集。"

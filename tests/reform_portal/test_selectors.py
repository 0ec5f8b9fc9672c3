"""The kernel's read helpers of issue 19: the signers' names read in one query instead of three joins."""

from types import SimpleNamespace

import pytest

from reform_portal.enums import OrgKind
from reform_portal.models import User
from reform_portal.selectors import attach_users

from .. import factories as f

pytestmark = pytest.mark.django_db


def test_attach_users_reads_the_three_signers_in_one_query(django_assert_num_queries):
    drc = f.regional_user("330000", full_name="张三")
    sci = f.regional_user("330000", kind=OrgKind.REGIONAL_SCITECH, full_name="")
    book = SimpleNamespace(drc_signed_by_id=drc.pk, scitech_signed_by_id=sci.pk, submitted_by_id=None)
    book.drc_signed_by = book.scitech_signed_by = book.submitted_by = None
    with django_assert_num_queries(1):
        attach_users([book], "drc_signed_by", "scitech_signed_by", "submitted_by")
    with django_assert_num_queries(0):  # what a page prints of a user: the name, else the username
        assert [str(book.drc_signed_by), str(book.scitech_signed_by)] == ["张三", sci.username]
    assert book.submitted_by is None
    assert isinstance(book.drc_signed_by, User) and book.drc_signed_by.pk == drc.pk


def test_attach_users_asks_nothing_when_nobody_signed(django_assert_num_queries):
    book = SimpleNamespace(drc_signed_by_id=None, scitech_signed_by_id=None, drc_signed_by=None)
    with django_assert_num_queries(0):
        attach_users([book], "drc_signed_by", "scitech_signed_by")
    assert book.drc_signed_by is None

"""reform_portal/models.py: the joint sign-off of a region's two departments."""

import pytest


def test_joint_sign_off_stamps_one_department_and_an_edit_clears_both(region_a_drc, region_a_scitech):
    """The kernel's JointSignOff behind 建议书 and 揭榜申报: each department stamps its own fields; a new
    version clears both; anything else is not a regional department."""
    from django.utils import timezone

    from proposals.models import ProposalBook
    from reform_portal.enums import OrgKind
    from reform_portal.permissions import department_of

    book = ProposalBook(version=3)
    now = timezone.now()
    assert department_of(region_a_drc, region_a_drc.region.pk) == OrgKind.REGIONAL_DRC
    assert department_of(region_a_scitech, region_a_scitech.region.pk + 1) is None
    assert book.record_sign_off(OrgKind.REGIONAL_DRC, region_a_drc, now) == "发展改革委"
    assert not book.fully_signed
    assert book.record_sign_off(OrgKind.REGIONAL_SCITECH, region_a_scitech, now) == "科技厅"
    assert book.fully_signed
    book.new_version()
    assert (book.version, book.drc_signed_by, book.scitech_signed_at, book.fully_signed) == (
        4,
        None,
        None,
        False,
    )
    with pytest.raises(ValueError):
        book.record_sign_off(OrgKind.UNIVERSITY, region_a_drc, now)


def test_a_users_region_is_read_with_the_organization_in_one_query(region_a_drc, django_assert_num_queries):
    """Issue 19: a regional page asks for the user's region id, then its name: the organization and its region are
    read in one query. An organization already read is used as it is."""
    from reform_portal.models import User

    org = region_a_drc.organization
    region = org.region
    user = User.objects.get(pk=region_a_drc.pk)
    with django_assert_num_queries(1):
        assert user.region_id == region.pk
        assert user.region.name == region.name
        assert user.organization.name == org.name
    user = User.objects.get(pk=region_a_drc.pk)
    with django_assert_num_queries(1):
        assert user.organization.name == org.name  # read alone, as the layout does
    with django_assert_num_queries(1):
        assert user.region.code == region.code
    assert User(organization=None).region is None and User(organization=None).region_id is None

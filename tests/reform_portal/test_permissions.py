"""Object permissions read once per page (issue 19): guardian's backend made a new checker, two queries, for every
``has_perm``; inside a GET request each user's permissions of an object are read once, in one query."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm, remove_perm

from reform_portal import permissions

from .. import factories as f

pytestmark = pytest.mark.django_db

CHANGE, VIEW = "reform_portal.change_organization", "reform_portal.view_organization"


@pytest.fixture
def granted():
    user = f.regional_user("330000")
    org = user.organization
    group = Group.objects.create(name="测试组")
    user.groups.add(group)
    assign_perm(CHANGE, user, org)
    assign_perm(VIEW, group, org)
    return user, org


def test_inside_read_once_a_users_permissions_of_an_object_are_read_once(granted, django_assert_num_queries):
    user, org = granted
    with permissions.read_once():
        with django_assert_num_queries(1):  # the user's own UNION the groups' permissions of the object
            assert user.has_perm(CHANGE, org)
        with django_assert_num_queries(0):
            assert user.has_perm(VIEW, org) and user.has_perm(CHANGE, org)
            assert not user.has_perm("reform_portal.delete_organization", org)
    with django_assert_num_queries(2):  # outside, guardian's backend as it is: asked again
        assert user.has_perm(VIEW, org)


def test_the_one_query_orders_neither_half(granted):
    """SQLite (the demo, ``make run``) refuses ORDER BY inside a UNION ("ORDER BY not allowed in subqueries of
    compound statements"): guardian orders its permission querysets, the checker must not pass that on."""
    user, org = granted
    with permissions.read_once(), CaptureQueriesContext(connection) as queries:
        assert user.has_perm(CHANGE, org)
    (query,) = queries.captured_queries
    assert "UNION" in query["sql"] and "ORDER BY" not in query["sql"]


def test_the_one_query_sees_own_and_group_permissions_alike(granted):
    """The union keeps both halves: a permission held only by the user, one held only through a group, one held
    both ways (listed once), and none on another object."""
    user, org = granted
    assign_perm(VIEW, user, org)  # now also the user's own
    other = f.regional_user("320000").organization
    with permissions.read_once():
        checker = permissions._checkers.get()
        assert user.has_perm(CHANGE, org) and user.has_perm(VIEW, org)
        assert sorted(checker[user.pk].get_perms(org)) == ["change_organization", "view_organization"]
        assert not user.has_perm(CHANGE, other) and not user.has_perm(VIEW, other)
    remove_perm(CHANGE, user, org)
    with permissions.read_once():
        assert not user.has_perm(CHANGE, org) and user.has_perm(VIEW, org)
    remove_perm(VIEW, user, org)
    with permissions.read_once():
        assert user.has_perm(VIEW, org)  # still through the group


def test_outside_read_once_a_revoked_permission_is_gone_at_once(granted):
    user, org = granted
    assert user.has_perm(CHANGE, org)
    remove_perm(CHANGE, user, org)
    assert not user.has_perm(CHANGE, org)
    with permissions.read_once():
        assert not user.has_perm(CHANGE, org) and user.has_perm(VIEW, org)


def test_each_read_starts_afresh(granted):
    user, org = granted
    with permissions.read_once():
        assert user.has_perm(CHANGE, org)
    remove_perm(CHANGE, user, org)
    with permissions.read_once():
        assert not user.has_perm(CHANGE, org)


def test_an_inactive_user_or_an_unsaved_object_has_no_remembered_permission(granted):
    user, org = granted
    with permissions.read_once():
        assert not user.has_perm(CHANGE, type(org)(name="未保存"))
        user.is_active = False
        assert not user.has_perm(CHANGE, org)  # Django asks no backend for an inactive user


@pytest.mark.parametrize(("method", "remembered"), [("get", True), ("head", True), ("post", False)])
def test_the_middleware_remembers_for_page_reads_only(method, remembered):
    seen = []

    def view(request):
        seen.append(permissions._checkers.get() is not None)
        return HttpResponse("ok")

    response = permissions.ReadOnceMiddleware(view)(getattr(RequestFactory(), method)("/"))
    assert response.status_code == 200 and seen == [remembered]
    assert permissions._checkers.get() is None


def test_the_portal_uses_the_backend_and_the_middleware(settings):
    assert "reform_portal.permissions.ObjectPermissionBackend" in settings.AUTHENTICATION_BACKENDS
    assert "guardian.backends.ObjectPermissionBackend" not in settings.AUTHENTICATION_BACKENDS
    assert "reform_portal.permissions.ReadOnceMiddleware" in settings.MIDDLEWARE


def test_objects_for_builds_a_users_queryset_once_and_it_stays_lazy(granted, monkeypatch):
    """``objects_for``: guardian's queryset is built once per (user, permission, model) in the process and each
    caller gets its own copy; its permission and group subqueries run when the copy runs, so a grant, a
    revocation or a group membership made after the build is seen at once (issue 19)."""
    from reform_portal.models import Organization

    user, org = granted
    other = f.OrganizationFactory(region=org.region)
    third = f.OrganizationFactory(region=org.region)
    builds = []
    real = permissions.get_objects_for_user

    def counting(*args, **kwargs):
        builds.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(permissions, "get_objects_for_user", counting)
    permissions._built.cache_clear()
    first = permissions.objects_for(user, CHANGE, Organization)
    assert list(first) == [org]
    second = permissions.objects_for(user, CHANGE, Organization)
    assert second is not first and second._result_cache is None  # a fresh copy, not the evaluated one
    assign_perm(CHANGE, user, other)
    assert set(second) == {org, other}  # lazy: the grant made after the build is seen
    remove_perm(CHANGE, user, org)
    assert set(permissions.objects_for(user, CHANGE, Organization)) == {other}  # and a revocation
    assert set(permissions.objects_for(user, VIEW, Organization)) == {org}  # through the group
    group = Group.objects.create(name="后加入的组")
    assign_perm(VIEW, group, third)
    user.groups.add(group)
    assert set(permissions.objects_for(user, VIEW, Organization)) == {org, third}  # a group joined later
    assert builds == [CHANGE, VIEW]
    # another user with the same permission is another build; a superuser sees every object
    stranger = f.regional_user("320000")
    assert list(permissions.objects_for(stranger, CHANGE, Organization)) == []
    stranger.is_superuser = True
    assert set(permissions.objects_for(stranger, CHANGE, Organization)) == set(Organization.objects.all())
    assert builds == [CHANGE, VIEW, CHANGE, CHANGE]

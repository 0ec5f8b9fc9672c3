"""factory_boy factories for the standard cast and the cycle, and the kernel's test helpers. The stages'
scenario helpers (books, lists, bids, tasks, assessments made through the services) are in
tests/<app>/scenarios.py."""

import datetime

import factory
from django.contrib.auth.models import Group

from reform_portal.enums import OrgKind, Role, Stage
from reform_portal.models import Organization, ReformCycle, Region, User

PASSWORD = "Test-pass-2027"


def close_file(response):
    """Read a streaming response to the end, which closes its file. (Calling response.close() directly
    fires request_finished, which closes the test's database connection inside its transaction; the test
    client's own wrapper, run by reading to the end, avoids that.) Returns the content."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def region(code):
    return Region.objects.get(code=code)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = OrgKind.ENTERPRISE
    region = factory.LazyFunction(lambda: region("330000"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=str(extracted)))
        self.save()


def regional_department(region_code, kind):
    """The region's department of ``kind``: the reference row (北京市科委、中关村管委会 …) when there is one."""
    reg = region(region_code)
    existing = Organization.objects.filter(region=reg, kind=kind).order_by("pk").first()
    if existing is not None:
        return existing
    name = f"{reg.name}{'发展改革委' if kind == OrgKind.REGIONAL_DRC else '科技厅'}"
    org, _ = Organization.objects.get_or_create(name=name, defaults={"kind": kind, "region": reg})
    return org


def regional_user(region_code="330000", kind=OrgKind.REGIONAL_DRC, **kwargs):
    return UserFactory(
        organization=regional_department(region_code, kind), role=Role.REGIONAL_STAFF, **kwargs
    )


def national_user(**kwargs):
    org, _ = Organization.objects.get_or_create(
        name="国家发展改革委创新和高技术发展司", defaults={"kind": OrgKind.NATIONAL_NDRC}
    )
    return UserFactory(organization=org, role=Role.NATIONAL_REVIEWER, **kwargs)


def cycle_dates(stage=Stage.PROPOSAL, today=None):
    """Stage dates around ``today`` so that ``stage`` is the current one (whatever today is)."""
    today = today or datetime.date.today()
    d = datetime.timedelta
    offsets = {  # days from today of: proposal, review, bid open, bid close, impl end, eval due
        Stage.PROPOSAL: (30, 60, 61, 90, 400, 500),
        Stage.REVIEW: (-10, 30, 31, 60, 400, 500),
        Stage.BIDDING: (-60, -20, -19, 20, 400, 500),
        Stage.IMPLEMENTATION: (-200, -150, -149, -120, 100, 200),
        Stage.EVALUATION: (-500, -450, -449, -420, -10, 60),
    }[Stage(stage)]
    names = [
        "proposal_deadline",
        "review_deadline",
        "bidding_opens",
        "bidding_deadline",
        "implementation_end",
        "evaluation_due",
    ]
    return {n: today + d(days=o) for n, o in zip(names, offsets, strict=True)}


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReformCycle
        django_get_or_create = ("year",)

    class Params:
        stage = Stage.PROPOSAL

    year = factory.LazyFunction(lambda: datetime.date.today().year + 1)
    proposal_deadline = factory.LazyAttribute(lambda o: cycle_dates(o.stage)["proposal_deadline"])
    review_deadline = factory.LazyAttribute(lambda o: cycle_dates(o.stage)["review_deadline"])
    bidding_opens = factory.LazyAttribute(lambda o: cycle_dates(o.stage)["bidding_opens"])
    bidding_deadline = factory.LazyAttribute(lambda o: cycle_dates(o.stage)["bidding_deadline"])
    implementation_end = factory.LazyAttribute(lambda o: cycle_dates(o.stage)["implementation_end"])
    evaluation_due = factory.LazyAttribute(lambda o: cycle_dates(o.stage)["evaluation_due"])


def ended_proposals(cycle):
    """The reviewers pressed 结束征集 on the year page: the year is in 制定清单 (a list can be published). The books
    are left as they are (the service ``cycle_act`` would close the submitted ones; tests of lists need not)."""
    ReformCycle.objects.filter(pk=cycle.pk, state__in=["planning", "proposal"]).update(state="review")
    cycle.refresh_from_db(fields=["state"])
    return cycle

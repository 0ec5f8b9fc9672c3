import pytest

from tests import factories as f

from . import scenarios as s


@pytest.fixture
def cycle(db):
    return f.CycleFactory()


@pytest.fixture
def university(db):
    return s.unit_user("浙江工业大学", username="zjut")


@pytest.fixture
def enterprise(db):
    from reform_portal.enums import OrgKind

    return s.unit_user("杭州某创新企业", kind=OrgKind.INNOVATIVE_ENTERPRISE, username="hz_ent")


@pytest.fixture
def collection(cycle, region_a_drc, university, enterprise):
    return s.open_collection(cycle, region_a_drc, invited=[university, enterprise])

"""English session leftovers (issue 18 §10): the default cycle name, dates, the merge status filter, a target's
unit (计量单位, not 单位 the organisation), the sign-off words apart."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from .. import factories as f


@pytest.mark.django_db
def test_the_default_cycle_name_follows_the_language_and_documents_keep_chinese():
    cycle = f.CycleFactory(year=2031, title="")
    with translation.override("en"):
        assert str(cycle) == "2031 comprehensive innovation reform"
    with translation.override("zh-hans"):
        assert str(cycle) == "2031年度全面创新改革"


def test_a_targets_unit_is_a_unit_and_an_organisation_stays_an_organisation():
    from bidding.models import Target
    from reform_portal.models import Organization

    with translation.override("en"):
        assert str(Target._meta.get_field("unit").verbose_name) == "Unit"
        assert str(Organization._meta.verbose_name) == "Organization"


def test_dates_follow_the_language():
    from django.template import Context, Template

    template = Template('{{ d|date:"DATE_FORMAT" }}')
    day = datetime.date(2027, 4, 30)
    with translation.override("en"):
        assert template.render(Context({"d": day})) == "April 30, 2027"
    with translation.override("zh-hans"):
        assert template.render(Context({"d": day})) == "2027年4月30日"


@pytest.mark.django_db
def test_the_merge_status_filter_is_english_in_an_english_session(client, reviewer):
    f.CycleFactory()
    client.force_login(reviewer)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("catalog:merge"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Pending</option>" in html and ">Not adopted</option>" in html
    assert "待处理" not in html

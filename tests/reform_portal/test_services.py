import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reform_portal.enums import Stage
from reform_portal.services import days_left, deadline_for, extension_grant, is_before_deadline

from .. import factories as f

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


def test_proposal_deadline_defaults_to_april_30_of_the_year(cycle2027):
    assert cycle2027.proposal_deadline == datetime.date(2027, 4, 30)


def test_deadline_is_the_end_of_april_30_beijing_time(cycle2027):
    zj = f.region("330000")
    assert deadline_for(cycle2027, zj, Stage.PROPOSAL) == at(2027, 5, 1, 0, 0, 0)
    assert is_before_deadline(cycle2027, zj, Stage.PROPOSAL, now=at(2027, 4, 30, 23, 59, 59))
    assert not is_before_deadline(cycle2027, zj, Stage.PROPOSAL, now=at(2027, 5, 1, 0, 0, 1))


def test_the_boundary_is_beijing_not_utc(cycle2027):
    zj = f.region("330000")
    utc = datetime.UTC
    # 16:30 UTC on April 30 is already 00:30 on May 1 in Beijing: late.
    assert not is_before_deadline(
        cycle2027, zj, Stage.PROPOSAL, now=datetime.datetime(2027, 4, 30, 16, 30, tzinfo=utc)
    )
    assert is_before_deadline(
        cycle2027, zj, Stage.PROPOSAL, now=datetime.datetime(2027, 4, 30, 15, 59, tzinfo=utc)
    )


def test_an_extension_moves_the_deadline_for_that_region_only(cycle2027):
    zj, js = f.region("330000"), f.region("320000")
    reviewer = f.national_user()
    extension_grant(
        cycle=cycle2027,
        region=zj,
        stage=Stage.PROPOSAL,
        until=datetime.date(2027, 5, 10),
        reason="遭遇汛情",
        by=reviewer,
    )
    assert deadline_for(cycle2027, zj, Stage.PROPOSAL) == at(2027, 5, 11)
    assert deadline_for(cycle2027, js, Stage.PROPOSAL) == at(2027, 5, 1)
    assert is_before_deadline(cycle2027, zj, Stage.PROPOSAL, now=at(2027, 5, 10, 23, 59, 59))
    assert not is_before_deadline(cycle2027, js, Stage.PROPOSAL, now=at(2027, 5, 10, 12))
    # The extension is for the proposal stage only.
    assert deadline_for(cycle2027, zj, Stage.BIDDING) == at(2027, 8, 1)
    # a region's id answers as the region (the 工作台 has the id, not the Region row)
    assert deadline_for(cycle2027, zj.pk, Stage.PROPOSAL) == at(2027, 5, 11)
    assert deadline_for(cycle2027, js.pk, Stage.PROPOSAL) == at(2027, 5, 1)


def test_extension_is_granted_by_national_reviewers_only(cycle2027):
    with pytest.raises(PermissionDenied):
        extension_grant(
            cycle=cycle2027,
            region=f.region("330000"),
            stage=Stage.PROPOSAL,
            until=datetime.date(2027, 5, 10),
            reason="x",
            by=f.regional_user(),
        )


def test_extension_cannot_shorten_a_deadline(cycle2027):
    with pytest.raises(ValidationError):
        extension_grant(
            cycle=cycle2027,
            region=f.region("330000"),
            stage=Stage.PROPOSAL,
            until=datetime.date(2027, 4, 1),
            reason="x",
            by=f.national_user(),
        )


def test_regranting_replaces_the_extension_and_keeps_history(cycle2027):
    zj, reviewer = f.region("330000"), f.national_user()
    ext = extension_grant(
        cycle=cycle2027,
        region=zj,
        stage=Stage.PROPOSAL,
        until=datetime.date(2027, 5, 5),
        reason="一",
        by=reviewer,
    )
    extension_grant(
        cycle=cycle2027,
        region=zj,
        stage=Stage.PROPOSAL,
        until=datetime.date(2027, 5, 9),
        reason="二",
        by=reviewer,
    )
    assert deadline_for(cycle2027, zj, Stage.PROPOSAL) == at(2027, 5, 10)
    assert [h.until for h in ext.history.order_by("history_id")] == [
        datetime.date(2027, 5, 5),
        datetime.date(2027, 5, 9),
    ]


def test_days_left_counts_beijing_calendar_days(cycle2027):
    deadline = cycle2027.closes_at(Stage.PROPOSAL)
    assert days_left(deadline, now=at(2027, 4, 30, 23, 0)) == 0
    assert days_left(deadline, now=at(2027, 4, 29, 0, 1)) == 1
    assert days_left(deadline, now=at(2027, 5, 1, 0, 1)) == -1


def test_stage_on_follows_the_calendar(cycle2027):
    d = datetime.date
    assert cycle2027.stage_on(d(2027, 4, 30)) == Stage.PROPOSAL
    assert cycle2027.stage_on(d(2027, 5, 1)) == Stage.REVIEW
    assert cycle2027.stage_on(d(2027, 7, 1)) == Stage.BIDDING
    assert cycle2027.stage_on(d(2027, 8, 1)) == Stage.IMPLEMENTATION
    assert cycle2027.stage_on(d(2028, 7, 1)) == Stage.EVALUATION
    assert cycle2027.stage_on(d(2028, 10, 1)) == Stage.CLOSED


def test_cycle_validation_refuses_dates_out_of_order_and_bad_numbers(cycle2027):
    cycle2027.bidding_deadline = datetime.date(2027, 6, 1)
    cycle2027.min_proposals, cycle2027.max_proposals = 6, 5
    with pytest.raises(ValidationError) as err:
        cycle2027.full_clean()
    assert set(err.value.message_dict) == {"bidding_deadline", "max_proposals"}


# ---- hand-off: an extension granted → the region (issue 14 §4) -------------------------------------------------


def test_an_extension_tells_both_departments_of_the_region_and_nobody_else(
    cycle2027,
    reviewer,
    region_a_drc,
    region_a_scitech,
    region_b_drc,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    from reform_portal.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        extension_grant(
            cycle=cycle2027,
            region=f.region("330000"),
            stage=Stage.PROPOSAL,
            until=datetime.date(2027, 5, 15),
            reason="因汛期延后组织论证。",
            by=reviewer,
        )
    rows = Notification.objects.filter(kind="extension_granted").order_by("recipient__username")
    assert [n.recipient.username for n in rows] == ["zj_drc", "zj_scitech"]
    note = rows[0]
    assert note.title == "2027年度“征集选题”截止日期已为浙江省延长至2027年5月15日"
    assert "因汛期延后组织论证" in note.body and "2027年5月15日 23:59前" in note.body
    assert note.url == "/dashboard/"
    assert sorted(m.to[0] for m in mailoutbox) == ["zj_drc@example.cn", "zj_scitech@example.cn"]
    with pytest.raises(PermissionDenied):
        extension_grant(
            cycle=cycle2027,
            region=f.region("330000"),
            stage=Stage.PROPOSAL,
            until=datetime.date(2027, 5, 20),
            reason="自行延期",
            by=region_a_drc,
        )
    assert Notification.objects.filter(kind="extension_granted").count() == 2


# ---- organisations: reference data, the regions' libraries (DECISIONS §14, issue 14 §6) ----------------------

CODE = "91350100M000100Y43"


def _org_fields(**kw):
    return {
        "name": "杭州海康威视数字技术股份有限公司",
        "short_name": "",
        "kind": "enterprise",
        "credit_code": "",
        **kw,
    }


def test_a_region_adds_an_entity_of_its_own_region(region_a_drc):
    from reform_portal.services import organization_create

    org, existing = organization_create(fields=_org_fields(region=f.region("110000")), by=region_a_drc)
    assert existing is False
    assert (org.region, org.kind, org.credit_code) == (f.region("330000"), "enterprise", "")  # region forced
    assert org.history.first().history_change_reason == "新增单位"
    with pytest.raises(ValidationError) as err:
        organization_create(fields=_org_fields(), by=region_a_drc)
    assert err.value.message_dict == {"name": ["浙江省已有名为“杭州海康威视数字技术股份有限公司”的单位。"]}
    with pytest.raises(ValidationError) as err:
        organization_create(fields=_org_fields(kind="ministry", name="工业和信息化部"), by=region_a_drc)
    assert err.value.message_dict == {
        "kind": [
            "请选择单位类型（同级职能部门、地方政府、企业、创新型企业、双创示范基地、高等院校、科研院所）。"
        ]
    }


def test_one_entity_serves_several_regions_through_its_credit_code(region_a_drc, region_b_drc):
    """Identified by 统一社会信用代码 when given: 江苏 entering the same code joins 浙江's entity to its library;
    without a code, (region, name) identifies it, so 江苏 may keep an entity of the same name."""
    from reform_portal.selectors import entity_library
    from reform_portal.services import organization_create

    org, _ = organization_create(fields=_org_fields(credit_code=CODE.lower()), by=region_a_drc)
    assert org.credit_code == CODE
    same, existing = organization_create(
        fields=_org_fields(name="海康威视", credit_code=CODE), by=region_b_drc
    )
    assert (same, existing) == (org, True)
    assert list(org.used_by.all()) == [f.region("320000")]
    assert org in entity_library(f.region("320000").pk) and org in entity_library(f.region("330000").pk)
    namesake, existing = organization_create(fields=_org_fields(), by=region_b_drc)
    assert existing is False and namesake != org and namesake.region == f.region("320000")


def test_a_wrong_credit_code_is_refused_at_the_field(region_a_drc, reviewer):
    from reform_portal.services import organization_create

    with pytest.raises(ValidationError) as err:
        organization_create(fields=_org_fields(credit_code="91350100M000100Y44"), by=region_a_drc)
    assert err.value.message_dict == {
        "credit_code": ["统一社会信用代码的校验位不正确，请核对是否有错字或漏字。"]
    }
    organization_create(fields=_org_fields(credit_code=CODE), by=region_a_drc)
    with pytest.raises(ValidationError) as err:  # a reviewer adding a second unit with that code
        organization_create(
            fields=_org_fields(name="另一家公司", kind="evaluator", region=None, credit_code=CODE),
            by=reviewer,
        )
    assert err.value.message_dict == {
        "credit_code": ["统一社会信用代码与已有单位“杭州海康威视数字技术股份有限公司”相同。"]
    }


def test_reviewers_keep_the_reference_data_and_ministries(reviewer, region_a_drc):
    from reform_portal.models import Organization
    from reform_portal.services import organization_create, organization_update

    drc = Organization.objects.get(name="北京市发展改革委")
    updated = organization_update(
        organization=drc, fields={"short_name": "北京市发改委"}, by=reviewer, revision=drc.revision
    )
    assert (updated.short_name, updated.revision) == ("北京市发改委", drc.revision + 1)
    with pytest.raises(ValidationError) as err:  # a colleague's save in between
        organization_update(
            organization=drc, fields={"short_name": "市发改委"}, by=reviewer, revision=drc.revision
        )
    assert err.value.code == "stale"
    ministry, _ = organization_create(
        fields={"name": "教育部", "short_name": "", "kind": "ministry", "region": None, "credit_code": ""},
        by=reviewer,
    )
    assert ministry.region is None
    with pytest.raises(ValidationError) as err:
        organization_create(
            fields={
                "name": "科学技术部",
                "kind": "ministry",
                "region": f.region("110000"),
                "credit_code": "",
            },
            by=reviewer,
        )
    assert err.value.message_dict == {"region": ["国家部门不属于某一地区，请不选“所在地区”。"]}
    with pytest.raises(PermissionDenied):  # a region edits its own entities only
        organization_update(organization=drc, fields={"short_name": "x"}, by=region_a_drc)


def test_a_region_cannot_edit_another_regions_entity_it_uses(region_a_drc, region_b_drc):
    from reform_portal.services import organization_create, organization_update

    org, _ = organization_create(fields=_org_fields(credit_code=CODE), by=region_a_drc)
    organization_create(fields=_org_fields(credit_code=CODE), by=region_b_drc)
    with pytest.raises(PermissionDenied) as err:
        organization_update(organization=org, fields={"name": "改名"}, by=region_b_drc)
    assert str(err.value) == "该单位由其所在地区维护，本地区只能选用，不能修改。"
    renamed = organization_update(organization=org, fields={"name": "海康威视"}, by=region_a_drc)
    assert renamed.name == "海康威视" and renamed.region == f.region("330000")


def test_the_users_own_settings(region_a_drc, region_b_drc):
    from reform_portal.services import user_update_settings

    user = user_update_settings(user=region_a_drc, phone="13800138000", notify_sms=True, by=region_a_drc)
    assert (user.phone, user.notify_sms) == ("13800138000", True)
    with pytest.raises(ValidationError) as err:
        user_update_settings(user=region_a_drc, phone="0571-87051234", notify_sms=True, by=region_a_drc)
    assert err.value.message_dict == {"phone": ["接收短信（政务IM）提醒需填写11位手机号码。"]}
    with pytest.raises(PermissionDenied):
        user_update_settings(user=region_a_drc, phone="13800138000", notify_sms=False, by=region_b_drc)


def test_a_page_reads_a_regions_extension_once(cycle2027, django_assert_num_queries):
    """Inside a page read (``read_once``) the region's extension of a stage is read once however many rules ask
    (the 建议书 page asked four times, issue 19); each region and stage is its own read; outside a page every call
    reads the database, so a grant is seen at once."""
    from reform_portal.permissions import read_once

    zj, js = f.region("330000"), f.region("320000")
    reviewer = f.national_user()
    with read_once():
        with django_assert_num_queries(1):
            for _ in range(4):
                assert deadline_for(cycle2027, zj, Stage.PROPOSAL) == at(2027, 5, 1, 0, 0, 0)
        with django_assert_num_queries(2):
            deadline_for(cycle2027, js, Stage.PROPOSAL)
            deadline_for(cycle2027, zj, Stage.BIDDING)
    extension_grant(
        cycle=cycle2027,
        region=zj,
        stage=Stage.PROPOSAL,
        until=datetime.date(2027, 5, 10),
        reason="汛情",
        by=reviewer,
    )
    with django_assert_num_queries(2):
        assert deadline_for(cycle2027, zj, Stage.PROPOSAL) == at(2027, 5, 11)
        assert deadline_for(cycle2027, zj, Stage.PROPOSAL) == at(2027, 5, 11)

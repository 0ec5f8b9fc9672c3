"""基层征集 scenarios made through the services (tests/grassroots)."""

import datetime

from grassroots import services
from reform_portal.enums import OrgKind, Role
from tests import factories as f


def unit_user(name="浙江大学", kind=OrgKind.UNIVERSITY, region_code="330000", username=None):
    org = f.OrganizationFactory(name=name, kind=kind, region=f.region(region_code))
    return f.UserFactory(username=username or f"u_{org.pk}", organization=org, role=Role.IMPLEMENTER)


def open_collection(
    cycle, staff, invited=(), *, closes_in_days=10, public=True, title="2027年基层改革建议征集"
):
    closes_on = datetime.date.today() + datetime.timedelta(days=closes_in_days)
    return services.collection_open(
        cycle=cycle,
        region=staff.region,
        fields={
            "title": title,
            "description": "面向全省双创示范基地、高校院所和企业征集改革举措建议。",
            "pain_points_sought": "科技成果转化、人才评价",
            "closes_on": closes_on,
            "public_form": public,
        },
        invited=[u.organization for u in invited],
        by=staff,
    )


def suggestion_fields(title="赋予科研人员职务科技成果所有权", **extra):
    return {
        "title": title,
        "pain_points": "高校科技成果转化中职务成果权属不清，科研人员转化积极性不高。",
        "measure": "开展赋予科研人员职务科技成果所有权或长期使用权试点，简化审批流程。",
        "effect": "三年内试点单位成果转化合同金额增长30%。",
        "contact_name": "王老师",
        "contact_phone": "0571-87951234",
        **extra,
    }


def public_fields(title="建设概念验证中心", phone="13800000000", **extra):
    return {
        **suggestion_fields(title),
        "unit_name": "杭州某科技公司",
        "unit_kind": OrgKind.ENTERPRISE,
        "contact_name": "李先生",
        "contact_phone": phone,
        **extra,
    }

"""The hand-off tests of every stage (tests/<app>/test_handoffs.py): one cast with a person of every kind who
could wrongly be told (the other region, the other ministry, the other agency, another implementing entity, an
inactive reviewer), and the check that one action told exactly the expected people, once, in the inbox and by
mail, in Chinese with a link that resolves; and that a refused action told nobody.

The expected recipients in each case are written from issue 14 §4 (who is the next person), not read from the
code."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import resolve

from reform_portal.enums import OrgKind, Role
from reform_portal.models import Notification

from .. import factories as f

REVIEWERS = {"ndrc", "most"}
ZJ = {"zj_drc", "zj_kjt"}


def handoff_cast() -> dict:
    """Everybody, by username (region A = 浙江, region B = 江苏)."""
    most_org = f.Organization.objects.get_or_create(
        name="科技部成果转化与区域创新司", region=None, defaults={"kind": OrgKind.NATIONAL_MOST}
    )[0]
    zju = f.OrganizationFactory(name="浙江大学", kind=OrgKind.UNIVERSITY, region=f.region("330000"))
    hz = f.OrganizationFactory(name="杭州市人民政府", kind=OrgKind.LOCAL_GOV, region=f.region("330000"))
    miit = f.OrganizationFactory(name="工业和信息化部", kind=OrgKind.MINISTRY, region=None)
    mof = f.OrganizationFactory(name="财政部", kind=OrgKind.MINISTRY, region=None)
    agency = f.OrganizationFactory(
        name="中国国际工程咨询有限公司", kind=OrgKind.EVALUATOR, region=f.region("110000")
    )
    agency_b = f.OrganizationFactory(
        name="国家科技评估中心", kind=OrgKind.EVALUATOR, region=f.region("110000")
    )
    expert_org = f.OrganizationFactory(
        name="中国科学院某研究所", kind=OrgKind.INSTITUTE, region=f.region("110000")
    )
    cast = {
        "zj_drc": f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zj_drc"),
        "zj_kjt": f.regional_user("330000", OrgKind.REGIONAL_SCITECH, username="zj_kjt"),
        "js_drc": f.regional_user("320000", OrgKind.REGIONAL_DRC, username="js_drc"),
        "js_kjt": f.regional_user("320000", OrgKind.REGIONAL_SCITECH, username="js_kjt"),
        "ndrc": f.national_user(username="ndrc"),
        "most": f.UserFactory(username="most", organization=most_org, role=Role.NATIONAL_REVIEWER),
        "ndrc_off": f.national_user(username="ndrc_off", is_active=False),
        "expert": f.UserFactory(username="expert", organization=expert_org, role=Role.EXPERT),
        "expert_b": f.UserFactory(username="expert_b", organization=expert_org, role=Role.EXPERT),
        "liaison": f.UserFactory(username="liaison", organization=miit, role=Role.MINISTRY_LIAISON),
        "liaison_mof": f.UserFactory(username="liaison_mof", organization=mof, role=Role.MINISTRY_LIAISON),
        "evaluator": f.UserFactory(username="evaluator", organization=agency, role=Role.EVALUATOR),
        "evaluator_b": f.UserFactory(username="evaluator_b", organization=agency_b, role=Role.EVALUATOR),
        "impl_zju": f.UserFactory(username="impl_zju", organization=zju, role=Role.IMPLEMENTER),
        "impl_hz": f.UserFactory(username="impl_hz", organization=hz, role=Role.IMPLEMENTER),
    }
    cast["zj_drc"].email = ""  # one recipient without an address: inbox only, no mail
    cast["zj_drc"].save()
    return cast


@dataclass
class Handoff:
    """``prepare(cast)`` builds the state just before the action and returns ``act()`` (the action) and
    ``refuse()`` (the same action as it is refused: wrong person or wrong state)."""

    kind: str
    prepare: Callable[[dict], tuple[Callable[[], object], Callable[[], object]]]
    told: set[str]
    says: tuple[str, ...] = field(default=())  # words the title or body must hold (what, what to do, by when)

    def __str__(self):
        return self.kind


def rows(kind: str, after: int) -> list[Notification]:
    return list(
        Notification.objects.filter(kind=kind, pk__gt=after).select_related("recipient").order_by("pk")
    )


def last_pk() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def check_told(case: Handoff, cast: dict, capture, mailoutbox) -> None:
    """The action tells exactly ``case.told``, once each, in the inbox and (those with an address) by mail."""
    act, _refuse = case.prepare(cast)
    before = last_pk()
    mailoutbox.clear()
    with capture(execute=True):
        act()
    made = rows(case.kind, before)
    assert sorted(n.recipient.username for n in made) == sorted(case.told)
    for note in made:
        assert note.key.startswith(f"{case.kind}:")
        resolve(note.url)  # the link opens a page of the portal
        text = note.title + note.body
        for word in case.says:
            assert word in text, (word, text)
    mailed = sorted(m.to[0] for m in mailoutbox if m.subject == f"【全面创新改革平台】{made[0].title}")
    assert mailed == sorted(cast[u].email for u in case.told if cast[u].email)


def check_refused(case: Handoff, cast: dict) -> None:
    """The refused action tells nobody; the same state then lets the right person act, which tells the expected
    people (so "nobody" is not just a notification that never exists)."""
    act, refuse = case.prepare(cast)
    before = last_pk()
    with pytest.raises((PermissionDenied, ValidationError)):
        refuse()
    assert rows(case.kind, before) == []
    act()
    assert sorted(n.recipient.username for n in rows(case.kind, before)) == sorted(case.told)

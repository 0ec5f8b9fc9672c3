"""bidding.0006: the numbers of letters issued before the register are taken in it (issue 15 §3)."""

import importlib

import pytest
from django.apps import apps

from bidding.models import NoticeSequence, TaskNotice
from reform_portal import docnumbers
from reform_portal.models import DocNumber, DocNumberRegister

from .. import factories as f
from . import scenarios as fb

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("bidding.migrations.0006_notices_numbers_taken")


def test_issued_numbers_are_taken_and_the_counter_goes_on_after_them(reviewer):
    cycle = fb.bidding_cycle()
    regions = [f.region(code) for code in ("110000", "330000")]
    for seq, region in zip((5, 9), regions, strict=True):
        TaskNotice.objects.create(
            cycle=cycle,
            region=region,
            year=2026,
            sequence=seq,
            doc_number=f"发改高技〔2026〕{seq}号",
            issued_on="2026-08-10",
            issued_by=reviewer,
        )
    NoticeSequence.objects.create(year=2026, last=9)
    MIGRATION.forwards(apps, None)
    MIGRATION.forwards(apps, None)  # twice: nothing taken twice
    register = DocNumberRegister.objects.get(year=2026, prefix="发改高技")
    assert sorted(DocNumber.objects.values_list("number", flat=True)) == [5, 9]
    assert all(n.number_id for n in TaskNotice.objects.all())
    assert register.next_number == 10
    with pytest.raises(Exception, match="已被使用"):
        docnumbers.take(year=2026, prefix="发改高技", kind="测试", subject="", by=None, typed=5)
    assert docnumbers.take(year=2026, prefix="发改高技", kind="测试", subject="", by=None).number == 10

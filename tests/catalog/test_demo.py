import time

import pytest
from django.core.management import call_command

from catalog.models import ExpertReview, ListEntry, Measure, MeasureList, ProposalRejection
from reform_portal.demo import demo_cycle_year

pytestmark = pytest.mark.django_db


def test_demo_seeds_a_published_list_for_the_previous_cycle_idempotently(capsys):
    start = time.monotonic()
    call_command("seed_demo")
    elapsed = time.monotonic() - start
    year = demo_cycle_year() - 1
    published = MeasureList.objects.get(cycle__year=year)
    assert (published.version, published.state) == (1, "published")
    entries = list(ListEntry.objects.filter(measure_list=published).order_by("position"))
    assert [e.number for e in entries] == [f"{year}-{i:02d}" for i in range(1, 10)]
    assert entries[0].title == "赋予科研人员职务科技成果所有权或长期使用权"
    assert entries[0].source_regions == "江苏省、浙江省、湖北省"
    assert "赋权成果实行单列管理" in entries[0].description
    assert ProposalRejection.objects.filter(proposal__book__cycle__year=year).count() == 2
    assert ExpertReview.objects.filter(measure__cycle__year=year, submitted_at__isnull=False).count() == 18
    # the year collecting 建议书: two measures merged early, under expert review and out for opinions, no list yet
    early = Measure.objects.filter(cycle__year=demo_cycle_year())
    assert early.count() == 2
    assert ExpertReview.objects.filter(measure__in=early, submitted_at__isnull=True).count() == 5
    assert MeasureList.objects.get(cycle__year=demo_cycle_year()).state == "consulting"
    assert elapsed < 60  # make run: about a minute at most (three years; ~25 s of CPU unloaded)
    call_command("seed_demo")
    assert MeasureList.objects.filter(cycle__year=year).count() == 1
    assert Measure.objects.filter(cycle__year=year).count() == 9
    out = capsys.readouterr().out
    assert f"举措清单：{year}年度 5 个地区建议已汇总，9 项举措已公布（第1版）" in out
    assert f"举措清单：{year}年度清单已公布（演示数据已存在）" in out

import pytest
from django.urls import reverse

from proposals import services

from . import factories as f

pytestmark = pytest.mark.django_db


def test_each_edit_and_transition_leaves_a_history_record_naming_the_user(cycle, region_a_drc, region_a_std, reviewer):
    book = f.submitted_book(cycle, region_a_drc, region_a_std, n=3)
    services.book_return(book=book, reason="请补充测算依据", by=reviewer)
    rows = list(book.history.order_by("history_id").values_list("history_change_reason", "history_user__username"))
    assert rows[0] == ("创建建议书", "zj_drc")
    assert rows[1] == ("修改封面信息", "zj_drc")
    assert rows[2:5] == [(f"新增举措：科技成果赋权改革试点{i}", "zj_drc") for i in (1, 2, 3)]
    assert rows[-4:] == [
        ("确认联合报送（发展改革委，第5版）", "zj_drc"),
        ("确认联合报送（科技厅，第5版）", "zj_std"),
        ("报送", "zj_drc"),
        ("退回修改：请补充测算依据", "ndrc"),
    ]
    p = book.proposals.first()
    assert p.history.first().history_user == region_a_drc


def test_the_book_page_shows_the_history(client, cycle, region_a_drc, region_a_std):
    book = f.signed_book(cycle, region_a_drc, region_a_std)
    client.force_login(region_a_std)
    html = client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert "确认联合报送（科技厅，第5版）" in html
    assert str(region_a_std) in html

"""The national inbox (建议书报送情况, issue 18 §4): sortable by its columns, exported row for row."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reform_portal.enums import OrgKind

from .. import factories as f
from . import scenarios as fp

pytestmark = pytest.mark.django_db


def _book(cycle, code, n):
    return fp.submitted_book(
        cycle,
        f.regional_user(code, OrgKind.REGIONAL_DRC),
        f.regional_user(code, OrgKind.REGIONAL_SCITECH),
        n=n,
    )


def test_the_inbox_sorts_by_proposals_and_exports_the_same_rows(client, cycle, reviewer):
    _book(cycle, "330000", 3)
    _book(cycle, "320000", 5)
    fp.make_book(cycle, f.regional_user("440000", OrgKind.REGIONAL_DRC), n=4)  # a draft: 4 counted, 草稿
    client.force_login(reviewer)
    params = {"year": cycle.year, "sort": "-proposals"}
    page = client.get(reverse("proposals:inbox"), params)
    codes = [row["region"].code for row in page.context["rows"]]
    assert codes[:3] == ["320000", "440000", "330000"]
    assert codes[3:] == sorted(codes[3:])  # the regions without a book: 0 each, by code
    assert 'aria-sort="descending"' in page.content.decode()
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("proposals:inbox_csv"), params).content.decode("utf-8-sig"))
        )
    )
    assert rows[0] == ["地区", "状态", "举措数", "报送时间", "备注"]
    assert [r[0] for r in rows[1:]] == [str(row["region"]) for row in page.context["rows"]]
    assert rows[1][1:3] == ["已报送", "5"] and rows[2][1:3] == ["草稿", "4"] and rows[-1][1] == "未创建"
    ws = load_workbook(io.BytesIO(client.get(reverse("proposals:inbox_xlsx"), params).content)).active
    assert ws["C2"].value == 5  # numbers stay numbers
    only = client.get(
        reverse("proposals:inbox_csv"), {"year": cycle.year, "state": "submitted", "sort": "region"}
    )
    assert [r[0] for r in csv.reader(io.StringIO(only.content.decode("utf-8-sig")))][1:] == [
        "江苏省",
        "浙江省",
    ]


def test_the_inbox_export_is_for_national_reviewers(client, cycle, region_a_drc):
    client.force_login(region_a_drc)
    assert client.get(reverse("proposals:inbox_xlsx"), {"year": cycle.year}).status_code == 403

"""Bad input over the 建议书 forms not covered by tests/proposals/test_views.py and test_services.py: the cover,
forged 实施主体 IDs, expected-result numbers, the reviewer's return and extension forms, and double submits."""

import datetime

import pytest
from django.urls import reverse

from proposals.models import MeasureProposal, ProposalBook
from reform_portal.enums import OrgKind
from reform_portal.models import DeadlineExtension

from .. import factories as f
from . import scenarios as fp
from .scenarios import form_data

pytestmark = pytest.mark.django_db


def _messages(page):
    return [str(m) for m in page.context["messages"]]


def _cover(book):
    b = ProposalBook.objects.get(pk=book.pk)
    return (b.contact_name, b.contact_phone, b.summary, b.version)


# ---- 封面 (BookCoverForm) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_name", "王" * 31, "确保该变量包含不超过 30 字符 (目前字符数 31)。"),
        ("contact_phone", "<script>", "请填写有效的电话号码（数字、空格、+、-、括号，7—30位）。"),
        ("summary", "说" * 2001, "确保该变量包含不超过 2000 字符 (目前字符数 2001)。"),
    ],
)
def test_cover_bad_input_keeps_the_saved_cover(client, cycle, region_a_drc, field, value, message):
    book = fp.make_book(cycle, region_a_drc, n=0)
    before = _cover(book)
    client.force_login(region_a_drc)
    data = {
        "contact_name": "李四",
        "contact_phone": "0571-87050000",
        "summary": "用户新写的总体说明",
        field: value,
    }
    page = client.post(reverse("proposals:book_cover", args=[book.pk]), data)
    assert page.status_code == 200
    assert page.context["form"].errors[field] == [message]
    if field != "summary":
        assert "用户新写的总体说明" in page.content.decode()
    assert _cover(book) == before


def test_cover_text_is_cleaned_and_escaped(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    client.post(
        reverse("proposals:book_cover", args=[book.pk]),
        {
            "contact_name": "李\x00四",
            "contact_phone": "0571-87050000",
            "summary": "<script>alert(1)</script>总体\u202e说明",
        },
    )
    assert _cover(book)[:3] == ("李四", "0571-87050000", "<script>alert(1)</script>总体说明")
    html = client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;总体说明" in html


def test_cover_of_another_regions_book_is_404(client, cycle, region_a_drc, region_b_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    before = _cover(book)
    client.force_login(region_b_drc)
    page = client.post(
        reverse("proposals:book_cover", args=[book.pk]),
        {"contact_name": "江苏", "contact_phone": "025-83390000", "summary": "x"},
    )
    assert page.status_code == 404
    assert _cover(book) == before


# ---- 举措 (ProposalForm, ResultForm): what test_views does not try ----------------------------


@pytest.mark.parametrize("forged", ["abc", "²", "-1", "99999999999999999999", "other_region"])
def test_proposal_with_forged_entity_ids_is_refused(client, cycle, region_a_drc, forged):
    book = fp.make_book(cycle, region_a_drc, n=0)
    if forged == "other_region":
        forged = str(
            f.OrganizationFactory(name="南京大学", kind=OrgKind.UNIVERSITY, region=f.region("320000")).pk
        )
    client.force_login(region_a_drc)
    page = client.post(
        reverse("proposals:proposal_new", args=[book.pk]), {**form_data(), "entities": [forged]}
    )
    assert page.status_code == 200
    [error] = page.context["form"].errors["entities"]
    assert error in (f"“{forged}”不是一个有效的值", f"选择一个有效的选项。 {forged} 不在可用的选项中。")
    assert "赋予科研人员职务科技成果所有权或长期使用权" in page.content.decode()
    assert not MeasureProposal.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (str(10**20), "确认总共不超过 14 个数字."),
        ("-1", "确保该值大于或等于0。"),
        ("NaN", "输入一个数字。"),
        ("Infinity", "输入一个数字。"),
        ("0.001", "确认小数不超过 2 位."),
    ],
)
def test_expected_result_bad_numbers_keep_the_saved_results(client, cycle, region_a_drc, value, message):
    book = fp.make_book(cycle, region_a_drc, n=1)
    p = book.proposals.get()
    client.force_login(region_a_drc)
    data = form_data(title="改写的标题", revision=p.revision)
    data["results-0-target"] = value
    page = client.post(reverse("proposals:proposal_edit", args=[p.pk]), data)
    assert page.status_code == 200
    assert page.context["formset"].forms[0].errors["target"] == [message]
    assert "改写的标题" in page.content.decode()
    p.refresh_from_db()
    assert p.title == "科技成果赋权改革试点1"
    assert [(r.indicator, int(r.target)) for r in p.results.all()] == [("赋权成果数", 100)]


def test_over_long_coordination_departments_get_one_message(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    page = client.post(
        reverse("proposals:proposal_new", args=[book.pk]),
        form_data(authority_level="national", coordination_departments="部" * 301),
    )
    assert page.context["form"].errors["coordination_departments"] == [
        "确保该变量包含不超过 300 字符 (目前字符数 301)。"
    ]
    assert not MeasureProposal.objects.exists()


def test_proposal_posted_twice_is_saved_once(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    url = reverse("proposals:proposal_new", args=[book.pk])
    assert client.post(url, form_data()).status_code == 302
    page = client.post(url, form_data())
    assert page.status_code == 200
    assert page.context["form"].non_field_errors() == [
        "本建议书已有举措“科技成果赋权改革试点1”，请勿重复提交。"
    ]
    assert book.proposals.count() == 1


def test_deleting_a_proposal_twice_deletes_one(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=3)
    first = book.proposals.first()
    client.force_login(region_a_drc)
    client.post(reverse("proposals:proposal_delete", args=[first.pk]))
    assert client.post(reverse("proposals:proposal_delete", args=[first.pk])).status_code == 404
    assert book.proposals.count() == 2


@pytest.mark.parametrize("direction", ["<script>", "", "sideways"])
def test_a_forged_move_direction_moves_down_or_not_at_all(client, cycle, region_a_drc, direction):
    book = fp.make_book(cycle, region_a_drc, n=2)
    first, second = book.proposals.all()
    client.force_login(region_a_drc)
    assert (
        client.post(
            reverse("proposals:proposal_move", args=[second.pk]), {"direction": direction}
        ).status_code
        == 302
    )
    assert list(book.proposals.order_by("position").values_list("pk", flat=True)) == [first.pk, second.pk]


# ---- 报送, 退回, 延期 (double submits, ReturnForm, ExtensionForm) ------------------------------------------------


def test_book_submitted_twice_says_it_is_submitted(client, cycle, region_a_drc, region_a_scitech):
    book = fp.signed_book(cycle, region_a_drc, region_a_scitech)
    client.force_login(region_a_drc)
    client.post(reverse("proposals:book_submit", args=[book.pk]))
    page = client.post(reverse("proposals:book_submit", args=[book.pk]))
    assert page.status_code == 403
    assert "建议书已报送，如需修改请先撤回报送。" in page.content.decode()
    assert ProposalBook.objects.get(pk=book.pk).history.filter(history_change_reason="报送").count() == 1


@pytest.fixture
def submitted(cycle, region_a_drc, region_a_scitech):
    return fp.submitted_book(cycle, region_a_drc, region_a_scitech)


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("因" * 1001, "退回理由：确保该变量包含不超过 1000 字符 (目前字符数 1001)。"),
        ("\x00\u200b ", "退回理由：这个字段是必填项。"),
    ],
)
def test_return_bad_reason_keeps_the_book_submitted(client, reviewer, submitted, reason, message):
    client.force_login(reviewer)
    page = client.post(reverse("proposals:book_return", args=[submitted.pk]), {"reason": reason}, follow=True)
    assert _messages(page) == [message]
    assert ProposalBook.objects.get(pk=submitted.pk).state == "submitted"


def test_return_posted_twice_returns_once_and_shows_the_reason_escaped(
    client, reviewer, submitted, region_a_drc
):
    client.force_login(reviewer)
    url = reverse("proposals:book_return", args=[submitted.pk])
    client.post(url, {"reason": "<script>alert(1)</script>请补充\x00依据"})
    page = client.post(url, {"reason": "第二次"})
    assert page.status_code == 403
    assert "只有已报送的建议书可以退回修改。" in page.content.decode()
    assert ProposalBook.objects.get(pk=submitted.pk).return_reason == "<script>alert(1)</script>请补充依据"
    client.force_login(region_a_drc)
    html = client.get(reverse("proposals:book_detail", args=[submitted.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;请补充依据" in html


@pytest.mark.parametrize(
    ("until", "reason", "message"),
    [
        ("2027-02-30", "补充材料", "延长至：输入一个有效的日期。"),
        ("abc", "补充材料", "延长至：输入一个有效的日期。"),
        ("9999-12-31", "补充材料", "延长至：请填写2000年至2100年之间的日期。"),
        (None, "因" * 501, "延期理由：确保该变量包含不超过 500 字符 (目前字符数 501)。"),
    ],
)
def test_book_extension_bad_input_grants_nothing(client, cycle, reviewer, submitted, until, reason, message):
    client.force_login(reviewer)
    until = until or (cycle.proposal_deadline + datetime.timedelta(days=5)).isoformat()
    page = client.post(
        reverse("proposals:book_extend", args=[submitted.pk]), {"until": until, "reason": reason}, follow=True
    )
    assert _messages(page) == [message]
    assert not DeadlineExtension.objects.exists()


def test_region_extension_far_in_the_future_is_a_field_error_and_the_inbox_still_opens(
    client, cycle, reviewer, region_a_drc
):
    fp.make_book(cycle, region_a_drc)
    client.force_login(reviewer)
    page = client.post(
        reverse("proposals:region_extend", args=["330000"]), {"until": "9999-12-31", "reason": "x"}
    )
    assert page.status_code == 200
    assert page.context["form"].errors["until"] == ["请填写2000年至2100年之间的日期。"]
    assert not DeadlineExtension.objects.exists()
    assert client.get(reverse("proposals:inbox")).status_code == 200
    assert (
        client.post(
            reverse("proposals:region_extend", args=["<script>"]), {"until": "2030-01-01"}
        ).status_code
        == 404
    )


# ---- characters a 公文 cannot show (reform_portal.text) -------------------------------------------------


def test_a_character_the_documents_cannot_show_is_refused_at_its_field_on_the_page(
    client, cycle, region_a_drc
):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    page = client.post(
        reverse("proposals:proposal_new", args=[book.pk]),
        form_data(title="赋权改革\ue000试点", content="开展赋权🫨改革😀试点"),
    )
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "title": ["“\ue000”（U+E000）是私用区字符，公文和其他电脑上无法正确显示，请删除或改用文字。"],
        "content": ["“🫨”（U+1FAE8）无法在公文中显示，请删除或改用文字。"],
    }
    html = page.content.decode()
    assert "“🫨”（U+1FAE8）无法在公文中显示，请删除或改用文字。" in html
    assert "开展赋权🫨改革😀试点" in html  # the text stays in the form to be corrected
    assert not MeasureProposal.objects.exists()


def test_a_title_with_a_line_break_is_refused_and_emoji_symbola_draws_are_kept(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    url = reverse("proposals:proposal_new", args=[book.pk])
    page = client.post(url, form_data(title="赋权改革\n试点"))
    assert page.context["form"].errors == {"title": ["此项只能填写一行，请删除换行。"]}
    client.post(url, form_data(title="赋权改革😀试点\u200b", content="第一段\u2028第二段"))
    assert list(MeasureProposal.objects.values_list("title", "content")) == [
        ("赋权改革😀试点", "第一段\n第二段")
    ]


def test_two_cover_saves_at_once_the_second_is_refused_with_its_text_kept(client, cycle, region_a_drc):
    """Issue 17 §4: both departments open the cover and save; the first is saved, the second is told, keeps
    what it typed, and the first summary is not lost."""
    book = fp.make_book(cycle, region_a_drc, n=0)
    scitech = f.regional_user("330000", OrgKind.REGIONAL_SCITECH)
    url = reverse("proposals:book_cover", args=[book.pk])
    other = client.__class__()
    other.force_login(scitech)
    client.force_login(region_a_drc)
    loaded = client.get(url).context["form"]["revision"].value()
    assert other.get(url).context["form"]["revision"].value() == loaded == book.version

    data = {"contact_name": "张三", "contact_phone": "0571-87050000", "revision": loaded}
    first = other.post(url, {**data, "summary": "科技厅写的总体说明"})
    assert first.status_code == 302
    second = client.post(url, {**data, "summary": "发展改革委写的总体说明"})
    assert second.status_code == 200
    assert "您的修改尚未保存" in second.content.decode()
    assert "发展改革委写的总体说明" in second.content.decode()  # the typed text is kept
    assert _cover(book)[2] == "科技厅写的总体说明"
    # After reloading, the second department saves over what it now has seen.
    fresh = client.get(url).context["form"]["revision"].value()
    assert client.post(url, {**data, "summary": "合并后的说明", "revision": fresh}).status_code == 302
    assert _cover(book)[2] == "合并后的说明"

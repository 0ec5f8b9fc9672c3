"""Two browsers on one proposal: 浙江's 发展改革委 and 科技厅 open the same edit form; the first save wins, the
second is refused with the Chinese conflict message and keeps the typed text; after reloading the form the
second user saves. The database holds the first user's text until then."""

from django.utils import timezone

from proposals.models import MeasureProposal
from reform_portal.enums import OrgKind

from .. import factories as f
from ..proposals import scenarios as fp
from .conftest import login

FIRST = "赋予科研人员职务科技成果所有权，赋权成果单列管理，不纳入国有资产保值增值考核。"
SECOND = "选择浙江大学、西湖大学开展赋权试点，建立成果转化尽职免责清单。"


def open_editor(page, proposal):
    page.click("header >> text=本年度建议书")
    page.locator(f"#proposal-{proposal.pk}").get_by_role("link", name="编辑").click()
    page.wait_for_url(f"**/proposals/items/{proposal.pk}/edit/")


def test_the_second_save_is_refused_until_the_form_is_reloaded(browser, live_server, page, transactional_db):
    cycle = f.CycleFactory()
    drc = f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zhejiang_fgw", full_name="王建国")
    f.regional_user("330000", OrgKind.REGIONAL_SCITECH, username="zhejiang_kjt", full_name="陈海燕")
    proposal = fp.make_book(cycle, drc, n=3).proposals.get(position=1)
    original = proposal.content

    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    try:
        other = context.new_page()
        other.set_default_timeout(15000)
        login(page, "zhejiang_fgw", f.PASSWORD)
        login(other, "zhejiang_kjt", f.PASSWORD)
        open_editor(page, proposal)
        open_editor(other, proposal)
        assert page.input_value("#id_content") == other.input_value("#id_content") == original

        page.fill("#id_content", FIRST)
        page.click("main button:text-is('保存')")
        assert page.locator(".messages").inner_text() == f"举措“{proposal.title}”已保存。"
        saved = MeasureProposal.objects.get(pk=proposal.pk)
        assert (saved.content, saved.revision) == (FIRST, 2)

        other.fill("#id_content", SECOND)
        other.click("main button:text-is('保存')")
        at = timezone.localtime(saved.updated_at).strftime("%H:%M:%S")
        conflict = f"该举措已被王建国于{at}修改，您的修改尚未保存。请复制您的内容，刷新页面后重新修改。"
        assert other.get_by_test_id("form-errors").inner_text() == conflict
        assert other.input_value("#id_content") == SECOND
        assert MeasureProposal.objects.get(pk=proposal.pk).content == FIRST
        # Saving the same stale form again is refused again: only a reload picks up the new revision.
        with other.expect_navigation():
            other.click("main button:text-is('保存')")
        assert other.get_by_test_id("form-errors").inner_text() == conflict
        assert MeasureProposal.objects.get(pk=proposal.pk).content == FIRST

        other.goto(f"/proposals/items/{proposal.pk}/edit/")
        assert other.get_by_test_id("form-errors").count() == 0
        assert other.input_value("#id_content") == FIRST
        other.fill("#id_content", SECOND)
        other.click("main button:text-is('保存')")
        assert other.locator(".messages").inner_text() == f"举措“{proposal.title}”已保存。"
        card = other.locator(f"#proposal-{proposal.pk}")
        assert SECOND in card.inner_text()
        saved = MeasureProposal.objects.get(pk=proposal.pk)
        assert (saved.content, saved.revision) == (SECOND, 3)
    finally:
        context.close()

"""Two years of the cycle in one browser (issue 14, DECISIONS §14 "Two-year browser test").

From an empty database — the migrations' reference data and one national reviewer opened by the documented command
(``manage.py createreviewer``) — everybody else is invited through the portal and sets a password through the
invitation mail's link. Year N runs from opening the cycle (年度工作安排) to outcomes and incentives; year N+1 is
opened and collects 建议书 while N's tasks are evaluated. Dates are set on the reviewers' year page, never by a
clock override. No /admin/, no shell, no database writes in the test body (it only reads).

At every hand-off of the issue's §4 the next person's 工作台 lists the item, an inbox notification arrived, a mail
went to that person and the link in the mail opens the item. The recipients below are written from the issue's §4
(by role and organisation), not read from the code."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command

PASSWORD = "Liangnian-mima-2027"
SUBJECT_PREFIX = "【全面创新改革平台】"
TODAY = datetime.date.today()
N = TODAY.year
NEXT = N + 1

# Who is who: username → (full name, mail, organisation label as the invitation form lists it, role)
REVIEWER = "yu_ndrc"
PEOPLE = {
    "zj_fgw": ("王建国", "wjg@zj.gov.cn", "浙江省发展改革委（省级发展改革委，浙江省）", "regional_staff"),
    "zj_kjt": ("陈海燕", "chy@zj.gov.cn", "浙江省科技厅（省级科技厅（委、局），浙江省）", "regional_staff"),
    "qian_expert": ("钱学文", "qxw@casisd.cn", "中国科学院科技战略咨询研究院（科研院所，北京市）", "expert"),
    "mof_liaison": ("孙立", "sunli@mof.gov.cn", "财政部（有关部门）", "ministry_liaison"),
    "feng_ciecc": (
        "冯涛",
        "fengtao@ciecc.cn",
        "中国国际工程咨询有限公司（第三方评估机构，北京市）",
        "evaluator",
    ),
}
IMPLEMENTER = ("zju_impl", "李华", "lihua@zju.edu.cn", "浙江大学（高等院校，浙江省）")

# The hand-offs of issue 14 §4: what happened → who must hear of it (by role and organisation).
REGION = ["zj_fgw", "zj_kjt"]  # 浙江's 发展改革委 and 科技厅: a region is both departments
HANDOFFS = {
    "book_submitted": [REVIEWER],  # book submitted → reviewers
    "book_returned": REGION,  # returned with the reason → both departments
    "book_signed": ["zj_kjt"],  # one department confirmed → the other
    "expert_assigned": ["qian_expert"],  # expert assigned (with a due date) → expert
    "consultation_sent": ["mof_liaison"],  # consultation sent → liaison
    "opinion_given": [REVIEWER],  # opinion given → reviewers
    "opinion_answered": ["mof_liaison"],  # answered → liaison
    "bids_submitted": [REVIEWER],  # bids submitted → reviewers
    "tasks_awarded": REGION,  # awarded → region
    "notice_issued": REGION,  # 通知书 issued → region (named implementers: none named yet)
    "entities_named": ["zju_impl"],  # the region names its implementing entity → its users
    "bid_set_signed": ["zj_kjt"],  # one department confirmed (the bids) → the other
    "plan_confirmed": [REVIEWER],  # plan confirmed → reviewers
    "progress_reported": [REVIEWER],
    "coordination_raised": [REVIEWER],  # coordination raised → reviewers
    "coordination_answered": REGION + ["zju_impl"],  # answered → region (and the entity that raised it)
    "extension_granted": REGION,  # extension granted → region  # progress reported → reviewers
    "commissioned": ["feng_ciecc"],  # commissioned → agency
    "assessment_submitted": [REVIEWER],  # assessment submitted → reviewers
    "outcome_published": REGION,  # outcome published → region
    "incentive_granted": REGION,  # incentive → the recipient (the region's own staff)
}


class Portal:
    """One browser, one context per person (each logged in once); the mail outbox read as each person would."""

    def __init__(self, browser, url):
        self.browser = browser
        self.url = url
        self.pages = {}
        self.emails = {}
        self.seen = 0  # mails looked at so far

    def page(self, username):
        if username not in self.pages:
            context = self.browser.new_context(locale="zh-CN", base_url=self.url)
            page = context.new_page()
            page.set_default_timeout(20000)
            page.goto("/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url("**/dashboard/**")
            self.pages[username] = page
        return self.pages[username]

    def new_mails(self):
        found = mail.outbox[self.seen :]
        self.seen = len(mail.outbox)
        return found

    def invite(self, by, username, full_name, email, organization, role):
        page = self.page(by)
        page.goto("/accounts/users/invite/")
        page.select_option("#id_organization", label=organization)
        page.select_option("#id_role", role)
        page.fill("#id_username", username)
        page.fill("#id_full_name", full_name)
        page.fill("#id_email", email)
        page.click("main button[type=submit]")
        page.wait_for_url("**/accounts/users/")
        assert page.locator(".messages").inner_text() == (
            f"已邀请{full_name}（{username}），设置密码的链接已发送至{email}。"
        )
        [invitation] = [m for m in self.new_mails() if m.to == [email]]
        assert invitation.subject == f"{SUBJECT_PREFIX}邀请您使用全面创新改革平台"
        [link] = re.findall(r"http://\S+/accounts/password/set/\S+/", invitation.body)
        context = self.browser.new_context(locale="zh-CN", base_url=self.url)
        setter = context.new_page()
        setter.goto(link)
        setter.fill("#id_new_password1", PASSWORD)
        setter.fill("#id_new_password2", PASSWORD)
        setter.click("main button[type=submit]")
        setter.wait_for_url("**/accounts/password/set/done/")
        context.close()
        self.emails[username] = email

    def report_pdf(self):
        import tempfile
        from pathlib import Path

        from ..evaluation import scenarios as fe

        path = Path(tempfile.mkdtemp()) / "评估报告.pdf"
        path.write_bytes(fe.PDF)
        return str(path)

    def add_organization(self, by, name, kind, region=None):
        page = self.page(by)
        page.goto("/organizations/new/")
        page.fill("#id_name", name)
        page.select_option("#id_kind", kind)
        if region:
            page.select_option("#id_region", label=region)
        page.click("main button[type=submit]")
        assert page.locator(".messages").inner_text() == f"已添加“{name}”。"

    def todo(self, username, kind, year):
        """The count of ``kind`` in ``year`` on the person's 工作台 (0 when not listed)."""
        page = self.page(username)
        page.goto("/dashboard/")
        row = page.locator(f"[data-testid=open-item][data-kind='{kind}'][data-year='{year}']")
        return int(row.get_attribute("data-count")) if row.count() else 0

    def handed_off(self, handoff, title, opens, *, todo=None, year=N):
        """The hand-off reached each of its people: a mail (to them, with the subject), the inbox row, the mail's
        link opens the item (``opens``: a text the item's page shows) and, with ``todo=(kind, count)``, their
        工作台 lists it with that count."""
        mails = self.new_mails()
        for username in HANDOFFS[handoff]:
            email = self.emails[username]
            [message] = [m for m in mails if m.to == [email] and title in m.subject]
            assert message.subject.startswith(SUBJECT_PREFIX)
            page = self.page(username)
            page.goto("/notifications/")
            row = page.get_by_test_id("notification").filter(has_text=title).first
            assert "未读" in row.inner_text()
            [link] = re.findall(r"http://\S+", message.body)
            assert link.startswith(self.url)
            page.goto(link)
            assert opens in page.locator("main").inner_text(), (handoff, username, page.url)
            if todo is not None:
                assert self.todo(username, todo[0], year) == todo[1], (handoff, username, todo)
        return mails


def fill_year(page, dates, reason=""):
    for name, day in dates.items():
        page.fill(f"#id_{name}", day.isoformat())
    if reason:
        page.fill("#id_reason", reason)


def days(n):
    return TODAY + datetime.timedelta(days=n)


def act(page, year, action, reason=""):
    """A stage action on the year page, through its page (the confirmation of the big steps)."""
    page.goto(f"/years/{year}/")
    page.click(f"[data-testid=cycle-action-{action}]")
    page.wait_for_url(f"**/years/{year}/{action}/")
    if reason:
        page.fill("#id_reason", reason)
    page.click("[data-testid=cycle-confirm]")
    page.wait_for_url(f"**/years/{year}/")


def add_proposal(page, n, title):
    page.click("text=新增举措")
    page.fill("#id_title", title)
    page.select_option("#id_area", "tech_market")
    page.fill("#id_keywords", "改革")
    page.fill("#id_pain_points", f"痛点{n}：制度障碍仍然存在。")
    page.fill("#id_content", f"举措{n}：开展改革试点。")
    page.fill("#id_steps", "年内出台办法。")
    page.fill("#id_results-0-indicator", "试点单位")
    page.fill("#id_results-0-unit", "家")
    page.fill("#id_results-0-target", "10")
    page.fill("#id_new_entities", "浙江大学")
    page.select_option("#id_authority_level", "provincial")
    page.fill("#id_consulted_universities", "浙江大学")
    page.fill("#id_consulted_departments", "省财政厅")
    page.click("main button[type=submit]")
    page.wait_for_selector(f"text=举措“{title}”已保存。")


TITLES = ["职务科技成果赋权改革试点", "科研仪器设备开放共享", "科技型企业知识产权质押融资"]


@pytest.mark.django_db(transaction=True)
def test_two_years_of_the_cycle_in_the_browser(browser, live_server, settings, monkeypatch):
    settings.PORTAL_BASE_URL = live_server.url
    monkeypatch.setenv("DJANGO_REVIEWER_PASSWORD", PASSWORD)
    call_command(
        "createreviewer",
        "--username",
        REVIEWER,
        "--full-name",
        "于智锋",
        "--email",
        "yzf@ndrc.gov.cn",
        "--noinput",
        stdout=io.StringIO(),
    )
    run(Portal(browser, live_server.url))


def run(portal):
    portal.emails[REVIEWER] = "yzf@ndrc.gov.cn"
    yu = portal.page(REVIEWER)

    # ---- year N opened on 年度工作安排 (no superuser) --------------------------------------------------------
    yu.click("[data-testid=nav-years]")
    fill_year(
        yu,
        {
            "proposal_deadline": days(30),
            "review_deadline": days(60),
            "bidding_opens": days(61),
            "bidding_deadline": days(90),
            "implementation_end": days(300),
            "evaluation_due": days(360),
        },
    )
    yu.click("[data-testid=cycle-open]")
    yu.wait_for_url(f"**/years/{N}/")
    assert yu.inner_text("[data-testid=cycle-state]") == "筹备"

    # ---- the people, invited through the portal -----------------------------------------------------------
    portal.add_organization(REVIEWER, "中国科学院科技战略咨询研究院", "institute", "北京市")
    portal.add_organization(REVIEWER, "财政部", "ministry")
    portal.add_organization(REVIEWER, "中国国际工程咨询有限公司", "evaluator", "北京市")
    for username, (name, email, org, role) in PEOPLE.items():
        portal.invite(REVIEWER, username, name, email, org, role)
    portal.add_organization("zj_fgw", "浙江大学", "university")
    impl, impl_name, impl_email, impl_org = IMPLEMENTER
    portal.invite("zj_fgw", impl, impl_name, impl_email, impl_org, "implementer")

    act(yu, N, "start_proposals")
    assert yu.inner_text("[data-testid=cycle-state]") == "征集选题"
    mails = portal.new_mails()
    assert sorted(m.to[0] for m in mails) == sorted(portal.emails[u] for u in REGION)

    # ---- 建议书: drafted by 发改委, confirmed by both, submitted, returned, submitted again -------------------
    fgw = portal.page("zj_fgw")
    fgw.click("header >> text=本年度建议书")
    fgw.click("text=编辑封面")
    fgw.fill("#id_contact_name", "王建国")
    fgw.fill("#id_contact_phone", "0571-87051234")
    fgw.fill("#id_summary", "聚焦科技成果转化。")
    fgw.click("main button[type=submit]")
    for n, title in enumerate(TITLES, 1):
        add_proposal(fgw, n, title)
    fgw.click("text=确认联合报送")
    portal.handed_off("book_signed", "确认", "建议书", todo=("book", 1))
    kjt = portal.page("zj_kjt")
    kjt.click("header >> text=本年度建议书")
    kjt.click("text=确认联合报送")
    kjt.click("main form button:text-is('报送')")
    assert kjt.get_by_test_id("book-state").inner_text() == "已报送"
    portal.handed_off("book_submitted", "报送", "建议书", todo=("merge", 3))

    # returned with the reason → both departments; confirmed and submitted again
    yu.goto(f"/proposals/inbox/?year={N}")
    yu.locator("tr[data-region='330000']").locator("text=查看").click()
    yu.fill("#id_reason", "请补充各项举措的量化目标。")
    yu.click("main button:text-is('退回修改')")
    portal.handed_off("book_returned", "退回", "请补充各项举措的量化目标。", todo=("book", 1))
    assert portal.todo(REVIEWER, "merge", N) == 0  # a returned book is not the reviewers' work
    fgw.goto(f"/proposals/book/?year={N}")
    fgw.click("text=确认联合报送")
    portal.handed_off("book_signed", "确认", "建议书", todo=("book", 1))
    kjt.goto(f"/proposals/book/?year={N}")
    kjt.click("text=确认联合报送")
    kjt.click("main form button:text-is('报送')")
    assert kjt.get_by_test_id("book-state").inner_text() == "已报送"
    portal.handed_off("book_submitted", "报送", "建议书", todo=("merge", 3))
    assert portal.todo("zj_fgw", "book", N) == 0

    # ---- 结束征集 early (a reason), merge, expert review, consultation, 公布清单 -------------------------------
    act(yu, N, "close_proposals", "浙江已报送，提前汇总")
    assert yu.inner_text("[data-testid=cycle-state]") == "制定清单"
    portal.new_mails()  # the regions are told the collection ended (not a §4 hand-off)
    yu.goto(f"/catalog/merge/?year={N}")
    for title in TITLES:
        row = yu.locator("tr[data-proposal]").filter(has_text=title).first
        row.locator("input[name=proposals]").check()
        yu.fill("#id_title", title)
        yu.select_option("#id_area", "tech_market")
        yu.fill("#id_description", f"{title}，形成可复制推广经验。")
        yu.fill("#id_goals", "年内形成制度成果。")
        yu.select_option("#id_authority_level", "provincial")
        yu.click("text=合并为清单举措")
        assert f"已合并为举措“{title}”。" in yu.locator(".messages").inner_text()
    assert portal.todo(REVIEWER, "merge", N) == 0
    yu.goto(f"/catalog/measures/?year={N}")
    yu.locator(f"text={TITLES[0]}").first.click()
    yu.get_by_label("钱学文（中国科学院科技战略咨询研究院）").check()
    yu.click("text=分配论证")
    assert "已分配专家钱学文论证。" in yu.locator(".messages").inner_text()
    portal.handed_off("expert_assigned", "论证", TITLES[0], todo=("expert_review", 1))
    qian = portal.page("qian_expert")
    qian.goto(f"/catalog/reviews/?year={N}")
    qian.click("text=论证打分")
    for name, value in [("value", 5), ("bold", 4), ("small", 4), ("easy", 3), ("exemplary", 5)]:
        qian.check(f"input[name={name}_score][value='{value}']")
    qian.fill("#id_value_comment", "切中痛点。")
    qian.check("input[name=recommendation][value=include]")
    qian.click("text=提交论证意见")
    assert "论证意见已提交。" in qian.locator(".messages").inner_text()
    assert portal.todo("qian_expert", "expert_review", N) == 0

    yu.goto(f"/catalog/lists/?year={N}")
    yu.click("text=新建清单草稿")
    yu.get_by_label("财政部").check()
    yu.click("text=发送征求意见")
    portal.handed_off("consultation_sent", "征求意见", TITLES[0], todo=("consultation", 1))
    sun = portal.page("mof_liaison")
    sun.goto(f"/catalog/consultations/?year={N}")
    sun.get_by_role("link", name="查看并反馈意见").click()
    card = sun.get_by_test_id("consult-measure").filter(has_text=TITLES[0])
    card.locator("select[id$=-stance]").select_option("revise")
    card.locator("textarea[id$=-text]").fill("建议明确国有资产登记程序。")
    card.get_by_role("button", name="保存意见").click()
    assert sun.locator(".messages").inner_text() == f"已保存对“{TITLES[0]}”的意见。"
    portal.handed_off("opinion_given", "意见", "建议明确国有资产登记程序。", todo=("opinion_response", 1))
    yu.goto(f"/catalog/lists/?year={N}")
    yu.locator("tr[data-version='1']").get_by_role("link", name="管理").click()
    opinion = yu.get_by_test_id("opinion")
    opinion.get_by_label("采纳情况说明").fill("已采纳。")
    opinion.get_by_role("button", name="答复").click()
    assert yu.locator(".messages").inner_text() == "已答复部门意见。"
    portal.handed_off("opinion_answered", "答复", "已采纳。")
    assert portal.todo(REVIEWER, "opinion_response", N) == 0
    act(yu, N, "publish_list", "其余地区本年度未报送，按期公布")
    assert yu.inner_text("[data-testid=cycle-state]") == "悬榜揭榜"
    portal.new_mails()

    # ---- 揭榜: 浙江 claims 3 entries, both departments confirm, reviewers award and issue the 通知书 ------------
    # the list is out earlier than planned: 揭榜 is open from yesterday (past dates, with a reason, on the year page)
    yu.goto(f"/years/{N}/")
    fill_year(yu, {"review_deadline": days(-1), "bidding_opens": days(-1)}, "清单已提前公布，即日开始揭榜")
    yu.click("[data-testid=cycle-save]")
    yu.wait_for_url(f"**/years/{N}/")
    assert "修改日期：清单已提前公布，即日开始揭榜" in yu.inner_text("[data-testid=cycle-history]")
    fgw.goto(f"/bidding/bids/?year={N}")
    for title in TITLES:
        fgw.locator("tr[data-entry]").filter(has_text=title).locator("a.button:text-is('揭榜')").click()
        fgw.fill("#id_approach", "在杭州、宁波先行试点，成熟后全省推开。")
        fgw.check("input[name=entity_kinds][value=university]")
        fgw.fill("#id_entity_names", "浙江大学")
        fgw.fill("#id_contact_name", "王建国")
        fgw.fill("#id_contact_phone", "0571-87051234")
        fgw.click("main button:text-is('保存揭榜')")
        fgw.wait_for_selector(f"text=已揭榜“{title}”。")
    assert fgw.get_by_test_id("bid-count").inner_text() == "3 项（不少于 3 项）"
    fgw.click("text=确认联合报送")
    portal.handed_off("bid_set_signed", "确认", "揭榜", todo=("bid_set", 1))
    kjt.goto(f"/bidding/bids/?year={N}")
    kjt.click("text=确认联合报送")
    kjt.click("main button:text-is('报送揭榜申报')")
    assert kjt.get_by_test_id("bid-set-state").inner_text() == "已报送"
    portal.handed_off("bids_submitted", "揭榜", "浙江省")
    assert portal.todo(REVIEWER, "award", N) == 0  # awarded once 揭榜 has ended for every region
    act(yu, N, "close_bidding", "浙江已报送，提前结束揭榜")
    portal.new_mails()  # the regions are told 揭榜 ended (not a §4 hand-off)
    assert portal.todo(REVIEWER, "award", N) == 1  # one region waits
    yu.goto(f"/bidding/matrix/?year={N}")
    assert yu.locator("tr[data-region='330000']").get_by_test_id("region-count").inner_text() == "3"
    yu.click("text=确认揭榜（勾选事项）")
    assert "已确认3项揭榜任务。" in yu.locator(".messages").inner_text()
    portal.handed_off("tasks_awarded", "揭榜结果已确认", TITLES[0])
    assert portal.todo(REVIEWER, "notice", N) == 1
    yu.goto(f"/bidding/matrix/?year={N}")
    yu.click("main button:text-is('下达揭榜任务通知书')")
    assert yu.get_by_test_id("notice-done").inner_text() == "全部通知书已生成。"
    portal.handed_off("notice_issued", "通知书已下达", TITLES[0], todo=("task_plan", 3))
    act(yu, N, "confirm_bidding")
    assert yu.inner_text("[data-testid=cycle-state]") == "组织实施"
    portal.new_mails()

    # ---- year N+1 opened while N is implemented: 建议书 collected again -----------------------------------
    yu.goto("/years/")
    fill_year(
        yu,
        {
            "proposal_deadline": days(40),
            "review_deadline": days(70),
            "bidding_opens": days(71),
            "bidding_deadline": days(100),
            "implementation_end": days(400),
            "evaluation_due": days(460),
        },
    )
    yu.click("[data-testid=cycle-open]")
    yu.wait_for_url(f"**/years/{NEXT}/")
    act(yu, NEXT, "start_proposals")
    assert yu.inner_text("[data-testid=cycle-state]") == "征集选题"
    portal.new_mails()
    fgw.goto(f"/proposals/book/?year={NEXT}")
    add_proposal(fgw, 4, "概念验证中心建设")
    # extension granted → region (N+1's 建议书: 浙江 asked for ten more days)
    yu.goto(f"/proposals/inbox/330000/extend/?year={NEXT}")
    yu.fill("#id_until", days(50).isoformat())
    yu.fill("#id_reason", "省政府常务会议审议后报送")
    yu.click("main button:text-is('批准延期')")
    portal.handed_off("extension_granted", "延长至", "建议书")
    # 工作台 across years: 3 plans to detail in N, the book being drafted in N+1
    assert portal.todo("zj_fgw", "task_plan", N) == 3
    assert portal.todo("zj_fgw", "book", NEXT) == 1

    # ---- 组织实施: the region names 浙江大学, details and confirms one plan; 浙江大学 reports ---------------
    fgw.goto(f"/bidding/tasks/?year={N}")
    fgw.click(f"text={TITLES[0]}")
    fgw.get_by_label("浙江大学").check()
    fgw.click("text=保存实施主体")
    portal.handed_off("entities_named", "实施主体", TITLES[0])
    due = days(60).isoformat()
    fgw.goto(f"/bidding/tasks/?year={N}")
    fgw.click(f"text={TITLES[0]}")
    fgw.fill("#id_m-title", "出台实施办法")
    fgw.fill("#id_m-due_date", due)
    fgw.fill("#id_m-deliverable", "省政府办公厅印发实施办法")
    fgw.fill("#id_m-responsible_name", "李明")
    fgw.fill("#id_m-responsible_post", "处长")
    fgw.fill("#id_m-responsible_phone", "0571-87050000")
    fgw.click("text=添加里程碑")
    fgw.fill("#id_t-indicator", "赋权成果数")
    fgw.fill("#id_t-unit", "项")
    fgw.fill("#id_t-baseline", "0")
    fgw.fill("#id_t-target", "100")
    fgw.click("text=添加目标")
    fgw.click("text=确认实施方案")
    assert fgw.get_by_test_id("task-state").inner_text() == "实施中"
    portal.handed_off("plan_confirmed", "实施方案", TITLES[0])
    assert portal.todo("zj_fgw", "task_plan", N) == 2
    li = portal.page("zju_impl")
    li.goto(f"/bidding/tasks/?year={N}")
    assert li.get_by_test_id("task-title").all_inner_texts() == [TITLES[0]]
    li.click(f"text={TITLES[0]}")
    li.click("text=报送进展")
    li.fill("#id_narrative", "实施办法已印发，首批赋权成果120项。")
    li.fill("input[name^=actual_]", "120")
    li.select_option("select[name^=status_]", "done")
    li.click("main button:text-is('报送')")
    assert li.locator(".messages").inner_text() == "进展报告已报送。"
    portal.handed_off("progress_reported", "进展", TITLES[0])
    li.fill("#id_c-subject", "赋权成果国有资产管理")
    li.fill("#id_c-detail", "赋权后的成果是否仍需纳入国有资产保值增值考核。")
    li.click("main button:text-is('提交')")
    assert li.locator(".messages").inner_text() == "协调事项已提交国家发展改革委、科技部。"
    portal.handed_off("coordination_raised", "协调", "赋权成果国有资产管理", todo=("coordination", 1))
    yu.goto(f"/bidding/progress/?year={N}")
    yu.locator(f"[data-testid=progress-tasks] >> text={TITLES[0]}").first.click()
    yu.fill("[data-testid=coordination-request] textarea[name=answer]", "已商财政部，可不纳入考核。")
    yu.click("[data-testid=coordination-request] >> button:text-is('答复')")
    assert yu.locator(".messages").inner_text() == "已答复。"
    portal.handed_off("coordination_answered", "已答复", "已商财政部，可不纳入考核。")
    assert portal.todo(REVIEWER, "coordination", N) == 0
    fgw.goto(f"/bidding/tasks/?year={N}")
    fgw.click(f"text={TITLES[0]}")
    fgw.click("text=报送完成总结")
    fgw.fill("#id_achieved", "赋权成果120项，超额完成目标。")
    fgw.fill("#id_replicable", "赋权成果单列管理，建立尽职免责机制。")
    fgw.click("main button[type=submit]")
    portal.new_mails()  # 完成总结 → reviewers (checked below through their 工作台)

    # ---- 评估激励 of year N while N+1 collects: commission, assessment, outcome, incentive ------------------
    act(yu, N, "start_evaluation")
    assert yu.inner_text("[data-testid=cycle-state]") == "评估激励"
    portal.new_mails()
    assert portal.todo(REVIEWER, "commission", N) == 1
    yu.goto(f"/evaluation/commissions/new/?year={N}")
    yu.select_option("#id_agency", label="中国国际工程咨询有限公司（北京市）")
    yu.get_by_label(TITLES[0]).check()
    yu.fill("#id_due_date", days(120).isoformat())
    yu.fill("#id_terms", "对照实施方案评估量化目标完成情况。")
    yu.click("text=确认委托")
    assert yu.get_by_test_id("commission-agency").inner_text() == "中国国际工程咨询有限公司"
    portal.handed_off("commissioned", "委托", TITLES[0], todo=("assessment", 1))
    feng = portal.page("feng_ciecc")
    feng.goto(f"/evaluation/assignments/?year={N}")
    feng.click("text=填写评估报告")
    report = portal.report_pdf()
    feng.set_input_files("#id_report_file", report)
    feng.fill("#id_score_attainment", "95")
    feng.fill("#id_score_breakthrough", "90")
    feng.fill("#id_score_replicability", "92")
    feng.fill("#id_score_satisfaction", "88")
    feng.fill("#id_conclusion", "改革目标全面完成，经验可在全国复制推广。")
    feng.check("#id_recommend_promotion")
    feng.click("text=提交评估报告")
    assert feng.get_by_test_id("assessment-state").inner_text() == "已提交"
    portal.handed_off("assessment_submitted", "评估", TITLES[0], todo=("outcome", 1))
    assert portal.todo("feng_ciecc", "assessment", N) == 0
    yu.goto(f"/evaluation/outcomes/?year={N}")
    yu.click("text=整理为改革成果")
    yu.fill("#id_title", "职务科技成果赋权改革的浙江经验")
    yu.fill("#id_summary", "赋予科研人员职务科技成果所有权，成果转化率显著提高。")
    yu.fill("#id_problem_solved", "成果权属不清、转化动力不足。")
    yu.fill("#id_how_to_replicate", "制定赋权办法，单列管理赋权成果。")
    yu.fill("#id_applicable_scope", "高校院所较集中的省份。")
    yu.click("main button:text-is('保存')")
    yu.click("text=发布到成果库")
    assert "已发布到改革成果库。" in yu.locator(".messages").inner_text()
    portal.handed_off("outcome_published", "成果", "职务科技成果赋权改革的浙江经验")
    assert portal.todo(REVIEWER, "outcome", N) == 0
    yu.goto(f"/evaluation/incentives/?year={N}")
    form = yu.get_by_test_id("incentive-form")
    form.locator("#id_region").select_option(label="浙江省")
    form.get_by_label(TITLES[0]).check()
    form.locator("#id_reason").fill("赋权改革成效显著，予以通报表扬。")
    form.get_by_role("button", name="登记").click()
    portal.handed_off("incentive_granted", "激励", "赋权改革成效显著")

    # N+1 still collects while N is evaluated: the region's 工作台 shows both years' work
    assert portal.todo("zj_fgw", "book", NEXT) == 1
    assert portal.todo("zj_fgw", "task_plan", N) == 2

    # 关闭年度 N (over the two plans never detailed, with a reason); N+1 goes on collecting
    act(yu, N, "close_year", "其余两项任务转入下一年度跟踪")
    assert yu.inner_text("[data-testid=cycle-state]") == "本年度已结束"
    yu.goto("/years/")
    states = {
        row.get_attribute("data-year"): row.get_by_test_id("cycle-state").inner_text()
        for row in yu.get_by_test_id("cycle-row").all()
    }
    assert states == {str(N): "本年度已结束", str(NEXT): "征集选题"}
    assert portal.todo("zj_fgw", "book", NEXT) == 1

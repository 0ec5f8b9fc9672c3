"""Demo content for 制定清单, on each past year of the demo (``seed``): its books submitted before that year's
deadline, 结束征集, proposals merged into measures (with two 未采纳), expert reviews, a consultation of two
ministries and the published list v1 (公布清单 starts 揭榜), so the bidding stage has entries to claim. Idempotent:
nothing is redone once that list is published.

On the year collecting 建议书 (``seed_early``) the reviewers start early on the books already reported: two
measures merged, experts assigned (one review submitted), the draft sent to three ministries for their opinions,
so experts and liaisons have work on their 工作台 too."""

import datetime
from zoneinfo import ZoneInfo

from proposals import services as proposal_services
from proposals.demo import CATALOGUE, cover_of_record
from proposals.models import ProposalBook
from reform_portal.demo import advance
from reform_portal.enums import CycleState, OrgKind, Role
from reform_portal.models import Organization, Region, User

from . import services
from .enums import ListState
from .models import MeasureList

SHANGHAI = ZoneInfo("Asia/Shanghai")

# region code -> catalogue indexes of its three proposals
BOOKS = {
    "330000": [0, 1, 5],
    "320000": [0, 3, 4],
    "440000": [2, 7, 11],
    "110000": [5, 6, 10],
    "420000": [9, 0, 3],
}
# measures: (catalogue index the measure is named after, [(region, catalogue index) merged])
MERGES = [
    (0, [("330000", 0), ("320000", 0), ("420000", 0)]),
    (3, [("320000", 3), ("420000", 3)]),
    (5, [("330000", 5), ("110000", 5)]),
    (7, [("440000", 7)]),
    (11, [("440000", 11)]),
    (6, [("110000", 6)]),
    (2, [("440000", 2)]),
    (1, [("330000", 1)]),
    (9, [("420000", 9)]),
]
REJECTED = {
    ("320000", 4): "创新联合体已在国家层面统筹部署，不再单列为地方改革举措。",
    ("110000", 10): "涉及税收政策调整，超出省级事权且相关部门正在研究，暂不列入本年度清单。",
}
GOALS = "形成可复制推广的制度成果，年度目标可量化、可考核。"
# (expert username, scores by criterion, recommendation)
REVIEWERS = [
    ("expert_sh", [5, 4, 4, 4, 5], "include"),
    ("expert_sc", [4, 4, 3, 4, 4], "revise"),
]


def _at(day, hour=10):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _staff(code, kind):
    return (
        User.objects.filter(
            organization__region__code=code, organization__kind=kind, groups__name=Role.REGIONAL_STAFF
        )
        .order_by("pk")
        .first()
    )


def _book(cycle, code, indexes, now):
    drc, scitech = _staff(code, OrgKind.REGIONAL_DRC), _staff(code, OrgKind.REGIONAL_SCITECH)
    if drc is None or scitech is None:
        return None
    book = ProposalBook.objects.filter(cycle=cycle, region__code=code).first()
    if book is not None:
        return book
    book = proposal_services.book_get_or_create(cycle=cycle, region=drc.region, by=drc)
    book = proposal_services.book_update_cover(
        book=book,
        contact_name=drc.full_name,
        contact_phone=drc.phone or "010-68501985",
        now=now,
        by=drc,
        summary=f"{drc.region.name}聚焦创新主体反映强烈的痛点堵点，提出以下改革举措建议。",
        **cover_of_record(drc.region, cycle.year, 20 + int(code[:2])),
    )
    for i in indexes:
        title, area, pain, content, steps, results, consulted, level, coord = CATALOGUE[i]
        proposal_services.proposal_create(
            book=book,
            now=now,
            by=drc,
            fields={
                "title": title,
                "area": area,
                "keywords": "改革, 创新",
                "pain_points": pain,
                "content": f"{drc.region.name}：{content}",
                "steps": steps.replace("2027", str(cycle.year)),
                "authority_level": level,
                "coordination_departments": coord,
                "new_entities": f"{drc.region.name}科学技术厅相关处室",
                "consulted_universities": "省内重点高校",
                "consulted_departments": "省财政厅、省人力资源社会保障厅",
            },
            results=[{"indicator": ind, "unit": unit, "target": value} for ind, unit, value in results],
        )
    proposal_services.book_sign(book=book, by=drc, now=now)
    proposal_services.book_sign(book=book, by=scitech, now=now)
    return proposal_services.book_submit(book=book, by=drc, now=now)


def seed(*, cycle, stdout):
    """The published list of ``cycle`` (a past year of the demo)."""
    previous, year = cycle, cycle.year
    if MeasureList.objects.filter(cycle=previous, state=ListState.PUBLISHED).exists():
        stdout.write(f"举措清单：{year}年度清单已公布（演示数据已存在）")
        return
    reviewer = User.objects.filter(groups__name=Role.NATIONAL_REVIEWER).order_by("pk").first()
    if reviewer is None:
        return
    submitted = _at(previous.proposal_deadline - datetime.timedelta(days=10))
    books = {code: _book(previous, code, indexes, submitted) for code, indexes in BOOKS.items()}
    previous = advance(previous, CycleState.REVIEW)  # 结束征集: the books become 已进入汇总
    by_key = {}
    for code, book in books.items():
        if book is None:
            continue
        for p, i in zip(book.proposals.order_by("position"), BOOKS[code], strict=False):
            by_key[(code, i)] = p
    measures = []
    for index, sources in MERGES:
        proposals = [by_key[k] for k in sources if k in by_key and not hasattr(by_key[k], "measure_source")]
        if not proposals:
            continue
        title, area, _pain, content, _steps, _results, _consulted, level, coord = CATALOGUE[index]
        measures.append(
            services.measure_merge(
                cycle=previous,
                proposals=proposals,
                by=reviewer,
                fields={
                    "title": title,
                    "area": area,
                    "description": content,
                    "goals": GOALS,
                    "authority_level": level,
                    "coordination_departments": coord,
                },
            )
        )
    for key, reason in REJECTED.items():
        if key in by_key:
            services.proposal_reject(proposal=by_key[key], reason=reason, by=reviewer)
    reviewed = _at(previous.review_deadline - datetime.timedelta(days=30))
    for n, measure in enumerate(measures):
        for username, scores, recommendation in REVIEWERS:
            expert = User.objects.filter(username=username).first()
            if expert is None:
                continue
            review = services.expert_assign(measure=measure, expert=expert, by=reviewer)
            shifted = [max(1, min(5, s - (n % 3 == 2))) for s in scores]
            services.review_submit(
                review=review,
                by=expert,
                now=reviewed,
                recommendation=recommendation,
                scores=dict(zip(["value", "bold", "small", "easy", "exemplary"], shifted, strict=True)),
                comments={
                    "value": "切中创新主体反映强烈的痛点，含金量较高。",
                    "easy": "建议进一步细化可考核的量化指标。",
                },
            )
    draft = services.list_draft(cycle=previous, by=reviewer)
    ministries = list(
        Organization.objects.filter(kind=OrgKind.MINISTRY, name__in=["财政部", "国家知识产权局"])
    )
    if ministries and measures:
        consultations = services.consultation_send(measure_list=draft, ministries=ministries, by=reviewer)
        for consultation in consultations:
            liaison = User.objects.filter(
                organization=consultation.ministry, groups__name=Role.MINISTRY_LIAISON
            ).first()
            if liaison is None:
                continue
            for measure in measures[:3]:
                opinion = services.opinion_give(
                    consultation=consultation,
                    measure=measure,
                    by=liaison,
                    stance="revise" if measure is measures[0] else "agree",
                    text="建议明确赋权成果的国有资产管理方式。" if measure is measures[0] else "",
                )
                if opinion.stance == "revise":
                    services.opinion_respond(
                        opinion=opinion,
                        by=reviewer,
                        response="已采纳，在改革内容中补充赋权成果单列管理要求。",
                    )
        services.measure_update(
            measure=measures[0],
            by=reviewer,
            reason="采纳有关部门意见",
            fields={
                "description": measures[0].description + "赋权成果实行单列管理，不纳入国有资产保值增值考核。"
            },
        )
    if measures:
        services.list_publish(
            measure_list=draft, by=reviewer, notify=False, now=_at(previous.review_deadline, hour=16)
        )
    n_regions = Region.objects.filter(proposal_books__cycle=previous).count()
    stdout.write(f"举措清单：{year}年度 {n_regions} 个地区建议已汇总，{len(measures)} 项举措已公布（第1版）")


# The year collecting 建议书: (catalogue index the measure is named after, regions whose reported proposal of that
# index it merges, experts assigned, experts who already submitted their review)
EARLY = [
    (9, ["440000"], ["expert_bj", "expert_sh", "expert_sc"], ["expert_sh"]),
    (3, ["320000"], ["expert_bj", "expert_sh", "expert_sc"], []),
]
EARLY_MINISTRIES = ["工业和信息化部", "财政部", "国家知识产权局"]


def seed_early(*, cycle, stdout):
    """The reviewers' early work on the books of ``cycle`` (collecting 建议书) already reported. Once only."""
    from proposals.enums import BookState
    from proposals.models import MeasureProposal

    from .models import Measure

    reviewer = User.objects.filter(groups__name=Role.NATIONAL_REVIEWER).order_by("pk").first()
    if reviewer is None or Measure.objects.filter(cycle=cycle).exists():
        return
    measures = []
    for index, codes, experts, submitted in EARLY:
        proposals = list(
            MeasureProposal.objects.filter(
                book__cycle=cycle,
                book__state=BookState.SUBMITTED,
                book__region__code__in=codes,
                title=CATALOGUE[index][0],
            )
        )
        if not proposals:
            continue
        title, area, _pain, content, _steps, _results, _consulted, level, coord = CATALOGUE[index]
        measure = services.measure_merge(
            cycle=cycle,
            proposals=proposals,
            by=reviewer,
            fields={
                "title": title,
                "area": area,
                "description": content,
                "goals": GOALS,
                "authority_level": level,
                "coordination_departments": coord,
            },
        )
        measures.append(measure)
        for username in experts:
            expert = User.objects.filter(username=username).first()
            if expert is None:
                continue
            review = services.expert_assign(measure=measure, expert=expert, by=reviewer)
            if username in submitted:
                services.review_submit(
                    review=review,
                    by=expert,
                    recommendation="include",
                    scores={"value": 5, "bold": 4, "small": 4, "easy": 4, "exemplary": 4},
                    comments={"value": "技术转移机构市场化改革需求迫切，建议纳入清单。"},
                )
    ministries = list(Organization.objects.filter(kind=OrgKind.MINISTRY, name__in=EARLY_MINISTRIES))
    if measures and ministries:
        draft = services.list_draft(cycle=cycle, by=reviewer)
        for consultation in services.consultation_send(
            measure_list=draft, ministries=ministries, by=reviewer
        ):
            liaison = User.objects.filter(
                organization=consultation.ministry, groups__name=Role.MINISTRY_LIAISON
            ).first()
            if liaison is not None and consultation.ministry.name == "财政部":
                services.opinion_give(
                    consultation=consultation, measure=measures[0], by=liaison, stance="agree", text=""
                )
    stdout.write(
        f"举措清单：{cycle.year}年度已报送的建议先行合并为 {len(measures)} 项举措，专家论证和部门征求意见进行中"
    )

"""Building blocks of bench/load.py (no gunicorn here): the form parser and the database check."""

import pytest

from bench.load import EditRecord, FormParser, verify
from proposals import services

from ..proposals import scenarios as fp

pytestmark = pytest.mark.django_db


def _save(proposal, user, text):
    """A save through the service, recorded as the load driver records a success."""
    loaded = proposal.revision
    fields = {**fp.proposal_fields(), "content": text}
    services.proposal_update(proposal=proposal, revision=loaded, fields=fields, results=fp.RESULTS, by=user)
    return EditRecord(proposal=proposal.pk, user=user.username, revision=loaded, text=text, outcome="saved")


def test_saves_that_landed_and_a_submitted_book_pass(cycle, region_a_drc, region_a_scitech):
    book = fp.make_book(cycle, region_a_drc)
    p = book.proposals.first()
    edits = [_save(p, region_a_drc, "甲的改革内容")]
    p.refresh_from_db()
    edits.append(_save(p, region_a_scitech, "乙的改革内容"))
    services.book_sign(book=book, by=region_a_drc)
    services.book_sign(book=book, by=region_a_scitech)
    services.book_submit(book=book, by=region_a_drc)

    result = verify(edits=edits, book_ids={book.pk})

    assert (result.lost_edits, result.not_submitted, result.conflict_problems) == ([], [], [])
    assert result.ok


def test_a_success_whose_text_is_not_saved_is_a_lost_edit_and_a_draft_is_not_submitted(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc)
    p = book.proposals.first()
    told = EditRecord(
        proposal=p.pk, user="zj_drc", revision=p.revision, text="从未保存的内容", outcome="saved"
    )

    result = verify(edits=[told], book_ids={book.pk})

    assert len(result.lost_edits) == 1
    assert result.lost_edits[0].startswith(f"proposal {p.pk}: holds ")
    assert result.not_submitted == [f"book {book.pk}: draft"]
    assert not result.ok


def test_two_successes_from_one_revision_are_a_silent_overwrite(cycle, region_a_drc, region_a_scitech):
    book = fp.make_book(cycle, region_a_drc)
    p = book.proposals.first()
    loaded = p.revision
    winner = _save(p, region_a_drc, "甲的改革内容")
    # What a portal without the optimistic lock would answer: the second writer is also told "saved".
    overwritten = EditRecord(
        proposal=p.pk, user="zj_scitech", revision=loaded, text="乙的改革内容", outcome="saved"
    )

    result = verify(edits=[overwritten, winner], book_ids=set())

    assert result.lost_edits == [
        f"proposal {p.pk}: zj_drc's save from revision {loaded} was told success, but another save from the "
        "same revision also succeeded"
    ]
    assert result.conflict_problems == []


def test_simultaneous_pair_must_end_as_one_save_and_one_conflict(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc)
    p = book.proposals.first()
    loaded = p.revision
    won = _save(p, region_a_drc, "甲的改革内容")
    pair = [
        EditRecord(**{**won.__dict__, "pair": True}),
        EditRecord(proposal=p.pk, user="zj_scitech", revision=loaded, text="乙", outcome="failed", pair=True),
    ]

    result = verify(edits=pair, book_ids=set())

    assert result.conflict_problems == [
        f"proposal {p.pk}: simultaneous saves ended ['failed', 'saved'], expected one saved, one conflict"
    ]
    assert result.lost_edits == []


def test_an_unanswered_save_may_have_landed(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc)
    p = book.proposals.first()
    told = _save(p, region_a_drc, "第一次")
    p.refresh_from_db()
    timed_out = _save(p, region_a_drc, "第二次（客户端超时）")
    timed_out = EditRecord(**{**timed_out.__dict__, "outcome": "unknown"})

    assert verify(edits=[told, timed_out], book_ids=set()).lost_edits == []


def test_form_parser_submits_what_a_browser_would():
    page = """<form method="post" action="/x/"><input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input type="hidden" name="revision" value="3"><input name="title" value="A &amp; B">
      <textarea name="content">
第一行&lt;内容&gt;</textarea>
      <select name="area"><option value="">---</option><option value="tech_market" selected>市场</option></select>
      <select name="level"><option value="">---</option><option value="p">省</option></select>
      <input type="checkbox" name="entities" value="7" checked><input type="checkbox" name="entities" value="8">
      <button type="submit">保存</button></form>"""
    parser = FormParser()
    parser.feed(page)

    assert parser.forms == [
        {
            "action": "/x/",
            "fields": [
                ("csrfmiddlewaretoken", "t"),
                ("revision", "3"),
                ("title", "A & B"),
                ("content", "第一行<内容>"),
                ("area", "tech_market"),
                ("level", ""),
                ("entities", "7"),
            ],
        }
    ]


def test_the_report_gives_logins_apart_from_ordinary_requests(capsys):
    from bench.load import Run, Verification, report

    run = Run([8001, 8002], max_requests=10, time_limit=10, think=0)
    for kind, ms in [
        ("登录 POST", 900.0),
        ("登录 POST", 1100.0),
        ("工作台", 20.0),
        ("工作台", 40.0),
        ("建议书", 30.0),
    ]:
        run.record(kind, ms, 200)
    run.finished = run.started + 1
    report(run, Verification(lost_edits=[], not_submitted=[], conflict_problems=[]), [])
    rows = {
        line.split("|")[0].strip(): [c.strip() for c in line.split("|")[1:]]
        for line in capsys.readouterr().out.splitlines()
        if "|" in line
    }
    assert rows["logins (登录 POST: password hashing)"][:2] == ["2", "1000"]
    assert rows["ordinary requests (all but logins)"][:2] == ["3", "30"]
    assert rows["all"][:2] == ["5", "40"]
    assert run.ports == [8001, 8002] and run.port == 8001  # two replicas; Host and Origin name the first


def test_a_browser_sends_its_requests_to_each_replica_in_turn():
    from bench.load import Browser, Run

    run = Run([8001, 8002], max_requests=10, time_limit=10, think=0)
    browser = Browser(run, "u")
    ports = []
    for _ in range(4):
        ports.append(run.ports[browser.turn % 2])
        browser.turn += 1
    assert sorted(ports) == [8001, 8001, 8002, 8002] and ports[0] != ports[1]

"""Helpers for stage 1 tests: proposal fields, books made, signed and submitted through the proposals services,
and the proposal form's POST data."""


def proposal_fields(n=1, **overrides):
    fields = {
        "title": f"科技成果赋权改革试点{n}",
        "area": "tech_market",
        "keywords": "赋权, 成果转化",
        "pain_points": "科研人员职务科技成果权属不清，转化动力不足。",
        "content": "赋予科研人员职务科技成果所有权或长期使用权，建立尽职免责机制。",
        "steps": "2027年6月前出台办法；2027年12月前完成首批试点。",
        "new_entities": "某市科技局",
        "authority_level": "provincial",
        "coordination_departments": "",
        "consulted_bases": "杭州未来科技城双创示范基地",
        "consulted_enterprises": "",
        "consulted_universities": "浙江大学",
        "consulted_institutes": "",
        "consulted_departments": "省财政厅、省教育厅",
    }
    fields.update(overrides)
    return fields


RESULTS = [{"indicator": "赋权成果数", "unit": "项", "target": 100}]


def make_book(cycle, user, n=3, complete=True):
    """A book of ``user``'s region with ``n`` proposals, through the services."""
    from proposals import services

    book = services.book_get_or_create(cycle=cycle, region=user.region, by=user)
    if complete:
        book = services.book_update_cover(
            book=book,
            contact_name="王建国",
            contact_phone="0571-87051234",
            summary="围绕科技成果转化提出改革举措。",
            by=user,
        )
    for i in range(n):
        services.proposal_create(
            book=book, fields=proposal_fields(i + 1), results=RESULTS if complete else [], by=user
        )
    book.refresh_from_db()
    return book


def signed_book(cycle, drc, scitech, n=3):
    from proposals import services

    book = make_book(cycle, drc, n=n)
    services.book_sign(book=book, by=drc)
    services.book_sign(book=book, by=scitech)
    book.refresh_from_db()
    return book


def submitted_book(cycle, drc, scitech, n=3):
    from proposals import services

    book = signed_book(cycle, drc, scitech, n=n)
    return services.book_submit(book=book, by=drc)


def form_data(n=1, revision=None, **overrides):
    data = {k: v for k, v in proposal_fields(n, **overrides).items()}
    data.update(
        {
            "results-TOTAL_FORMS": "2",
            "results-INITIAL_FORMS": "0",
            "results-MIN_NUM_FORMS": "0",
            "results-MAX_NUM_FORMS": "10",
            "results-0-indicator": "试点单位",
            "results-0-unit": "家",
            "results-0-target": "10",
        }
    )
    if revision is not None:
        data["revision"] = str(revision)
    return data

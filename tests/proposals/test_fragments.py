"""建议书收件箱's rows built in Python (issue 19): the same bytes as the template loop they replaced, compared on
hostile text, on every state of a book (none, draft, signed and returned, late, on time) and with extensions."""

import datetime

import pytest
from django.template import engines
from django.urls import reverse

from proposals import fragments
from proposals.models import ProposalBook
from reform_portal.models import DeadlineExtension, Region, User

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>&amp;\'甲'

# The old loop of templates/proposals/inbox.html, kept as the reference.
_ROWS = """{% load i18n %}{% for row in rows %}<tr data-region="{{ row.region.code }}">
          <td>{{ row.region }}</td>
          <td>{% if row.book %}<span class="badge {{ row.book.state }}">{{ row.book.display_state }}</span>{% else %}<span class="muted">{% translate "未创建" %}</span>{% endif %}</td>
          <td>{% if row.book %}{{ row.book.n_proposals }}{% else %}0{% endif %}</td>
          <td>{{ row.book.submitted_at|date:"Y-m-d H:i"|default:"—" }}</td>
          <td>{% if row.extension %}<span data-testid="extension" title="{{ row.extension.reason }}">{% blocktranslate with d=row.extension.until|date:"Y年n月j日" %}已延期至{{ d }}{% endblocktranslate %}</span> {% endif %}{% if row.book.is_late %}<span class="late">{% translate "延期报送" %}</span>{% endif %}{% if row.book.state == "returned" %}{% translate "已退回" %}{% endif %}</td>
          <td>{% if row.book and row.book.state != "draft" %}<a href="{{ row.book.get_absolute_url }}">{% translate "查看" %}</a> · <a href="{% url 'proposals:book_pdf' row.book.pk %}">PDF</a> · <a href="{% url 'proposals:book_docx' row.book.pk %}" title="{% translate "下载Word版（.docx）" %}">Word</a> · {% endif %}<a href="{% url 'proposals:region_extend' row.region.code %}?year={{ cycle.year }}">{% translate "批准延期" %}</a></td>
        </tr>{% endfor %}"""  # noqa: E501


def test_inbox_rows_are_the_template_markup(client, cycle, reviewer):
    closes = cycle.closes_at("proposal")
    signer = User(pk=1)

    def book(pk, state, submitted_at=None, signed=False):
        b = ProposalBook(pk=pk, cycle=cycle, state=state, submitted_at=submitted_at)
        if signed:
            b.drc_signed_by, b.scitech_signed_by = signer, signer
        b.n_proposals = pk
        return b

    def extension(reason):
        return DeadlineExtension(until=datetime.date(2027, 3, 9), reason=reason)

    rows = [
        {"region": Region(code='33<"&0', name=HOSTILE), "book": None, "extension": extension(HOSTILE)},
        {"region": Region(code="320000", name="江苏省"), "book": book(3, "draft"), "extension": None},
        {
            "region": Region(code="440000", name="广东省"),
            "book": book(4, "returned", signed=True),
            "extension": None,
        },
        {
            "region": Region(code="110000", name="北京市"),
            "book": book(5, "submitted", closes + datetime.timedelta(minutes=1)),  # late
            "extension": extension("补充材料"),
        },
        {
            "region": Region(code="120000", name="天津市"),
            "book": book(1234567, "closed", closes - datetime.timedelta(hours=20)),
            "extension": None,
        },
    ]
    for row in rows:
        row["status"] = row["book"].state if row["book"] else "none"
    expected = engines["django"].from_string(_ROWS).render({"rows": rows, "cycle": cycle})
    built = fragments.inbox_rows(rows, cycle)
    assert built == expected
    assert "<script>" not in built and "&lt;script&gt;" in built
    assert "已联合确认，待报送" in built and "延期报送" in built and "已延期至2027年3月9日" in built
    client.force_login(reviewer)
    page = client.get(reverse("proposals:inbox"), {"year": cycle.year}).content.decode()
    assert page.count("<tr data-region=") == Region.objects.filter(active=True).count()

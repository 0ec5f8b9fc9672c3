"""reform_portal.markup (issue 19): the fast join writes what format_html_join writes, hostile text escaped."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from reform_portal.markup import esc, html_join, options

HOSTILE = ['<script>alert("x")</script>', "a & b", "it's", '" onmouseover="x', "𠮷𡈽 😀", 7, 2.5, None]


def test_html_join_writes_exactly_what_format_html_join_writes():
    fmt = '<rect x="{}" class="{}"><title>{}</title></rect>'
    rows = [(i, value, value) for i, value in enumerate(HOSTILE)]
    ours = html_join(fmt, rows)
    assert isinstance(ours, SafeString)
    assert ours == format_html_join("", fmt, rows)
    assert "<script>" not in ours and "&lt;script&gt;" in ours and "&quot; onmouseover=&quot;x" in ours
    assert html_join("<li>{}</li>", [("a",), ("b",)], sep="\n") == format_html_join(
        "\n", "<li>{}</li>", [("a",), ("b",)]
    )


def test_safe_values_pass_through_and_lazy_text_is_escaped_when_read():
    assert esc(mark_safe("<b>ok</b>")) == "<b>ok</b>"
    assert esc(format_html("<i>{}</i>", "<x>")) == "<i>&lt;x&gt;</i>"
    assert esc(gettext_lazy("<已确认>")) == "&lt;已确认&gt;"


def test_options_are_what_a_template_loop_writes():
    from django.template import engines

    rows = [("110000", "北京市"), ("32&0000", "<b>\"江&'苏"), (3, 3)]
    loop = engines["django"].from_string(
        '{% for v, l in rows %}<option value="{{ v }}"{% if v == selected %} selected{% endif %}>{{ l }}'
        "</option>{% endfor %}"
    )
    for selected in ("32&0000", 3, None, "nothing"):
        ours = options(rows, selected)
        assert isinstance(ours, SafeString)
        assert ours == loop.render({"rows": rows, "selected": selected})
    assert options(rows, "32&0000").count(" selected") == 1 and "<b>" not in options(rows)
    assert options([]) == ""

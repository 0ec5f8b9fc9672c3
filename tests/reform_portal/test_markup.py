"""reform_portal.markup (issue 19): the fast join writes what format_html_join writes, hostile text escaped."""

import pytest
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


# ---- truncate_chars: Truncator(text).chars(n), cheaper (issue 19) -------------------------------------------

_TEXTS = [
    "",
    "短",
    "推进科技成果转化收益分配改革，赋予科研人员职务科技成果所有权或长期使用权",
    "a" * 30,
    "<b>标题</b> & 'x'",
    "e\u0301" * 12 + "tail",  # combining accents: Django's Truncator does the counting
    "…already…" * 3,
    "line\nbreak\ttab " * 4,
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_truncate_chars_is_truncators_result(language):
    from django.utils import translation
    from django.utils.functional import lazy
    from django.utils.text import Truncator

    from reform_portal.markup import truncate_chars

    with translation.override(language):
        for text in [*_TEXTS, lazy(lambda: "懒加载的文本内容很长很长很长", str)()]:
            for length in range(-1, 40):
                assert truncate_chars(text, length) == Truncator(text).chars(length), (text, length)


@pytest.mark.parametrize("ellipsis", ["...", "[%(truncated_text)s]", "", "%(truncated_text)s……"])
def test_truncate_chars_follows_any_translation_of_the_ellipsis(monkeypatch, ellipsis):
    from django.utils import text as django_text
    from django.utils.text import Truncator

    from reform_portal import markup

    monkeypatch.setattr(markup, "pgettext", lambda context, message: ellipsis)
    monkeypatch.setattr(django_text, "pgettext", lambda context, message: ellipsis)
    for text in [*_TEXTS, "以...结尾的文本..."]:
        for length in range(0, 25):
            assert markup.truncate_chars(text, length) == Truncator(text).chars(length), (
                ellipsis,
                text,
                length,
            )


def test_truncate_chars_cuts_chinese_text_without_truncator(monkeypatch):
    from django.utils.text import Truncator

    from reform_portal import markup

    text = "推进科技成果转化收益分配改革"
    expected = Truncator(text).chars(6)

    def refuse(text):
        raise AssertionError("Truncator built")

    monkeypatch.setattr(markup, "Truncator", refuse)
    assert markup.truncate_chars(text, 6) == expected and len(expected) == 6
    assert markup.truncate_chars("短文本", 6) == "短文本"

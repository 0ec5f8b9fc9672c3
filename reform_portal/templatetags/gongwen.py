"""Template helpers for official-document PDFs: ``{% load gongwen %}``.

{{ notice.date|gongwen_date }}                 -> 2027年6月8日
{% for line in title|gongwen_title_lines %}    -> balanced title lines (20 characters at most)
{% for line in title|gongwen_title_lines:16 %}
{% doc_number "发改高技" 2027 12 %}             -> 发改高技〔2027〕12号
{% for row in head_issuers|gongwen_spread %}    -> joint names spread to one width
{% for line in text|gongwen_paragraphs %}       -> a typed text's paragraphs, one <p> each
"""

from django import template

from reform_portal import pdf

register = template.Library()


@register.filter
def gongwen_date(value):
    return pdf.gongwen_date(value)


@register.filter
def gongwen_title_lines(value, max_chars=20):
    return pdf.gongwen_title_lines(str(value or ""), max_chars=int(max_chars or 20))


@register.simple_tag
def doc_number(prefix, year, n):
    return pdf.format_doc_number(prefix, year, n)


@register.filter
def gongwen_spread(names):
    return pdf.spread_names(names)


@register.filter
def gongwen_join(value, sep="，"):
    """A list joined with ``sep`` (a string is kept), without a trailing 。 so the template adds one."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else sep.join(str(v) for v in value)
    return text.rstrip("。")


_DIGITS = "零一二三四五六七八九"


@register.filter
def chinese_number(value):
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (for 一、 / （一） headings, up to 99)."""
    n = int(value)
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = ("" if tens == 1 else _DIGITS[tens]) + "十" if tens else ""
    return text + (_DIGITS[ones] if ones else "")


@register.filter
def gongwen_paragraphs(value):
    """A typed text's paragraphs (``pdf.split_lines``): one ``<p>`` per typed line, blank lines dropped."""
    return pdf.split_lines(str(value or ""))

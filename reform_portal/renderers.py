"""The portal's form renderer (``FORM_RENDERER``): Django's own, except that the few small templates every form
field renders — an ``<input>``, a ``<textarea>``, a label and an error list — are written in Python (issue 19).

Django renders three templates for each text field of a form (the widget, which includes ``input.html``, which
includes ``attrs.html``), one for its label and one for its (usually empty) error list: a form of ten fields is
fifty template renders, a tenth of the 举措详情 page. The functions here produce the same markup, byte for byte
(``tests/reform_portal/test_renderers.py`` compares them with Django's templates on hostile values), from the same
context, with the same escaping: ``{{ x }}`` is :func:`~django.utils.html.conditional_escape`, and
``{{ x|stringformat:'s' }}`` is ``"%s" % x``, left unescaped only when ``x`` was already safe.

Each template name is taken over only while its source is the one written out below (the file Django ships):
a project template that overrides it, or a Django release that changes it, is rendered by Django again. Any value
of a type the templates would localise (a number or date where a string is expected) is handed to Django too."""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

INPUT = "django/forms/widgets/input.html"
TEXTAREA = "django/forms/widgets/textarea.html"
WIDGET_ATTRS = "django/forms/widgets/attrs.html"
LABEL = "django/forms/label.html"
ATTRS = "django/forms/attrs.html"
ERRORS = "django/forms/errors/list/default.html"
ERRORS_UL = "django/forms/errors/list/ul.html"
# every widget template that is nothing but input.html (text, number, email, hidden, checkbox, date, …)
INCLUDES_INPUT = '{% include "django/forms/widgets/input.html" %}\n'

# The sources these functions reproduce (Django 5.2's files).
SOURCES = {
    INPUT: '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} '
    "value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
    '{% include "django/forms/widgets/attrs.html" %}>\n',
    WIDGET_ATTRS: "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
    "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}",
    TEXTAREA: '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
    "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n",
    LABEL: "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}</{{ tag }}>"
    "{% else %}{{ label }}{% endif %}\n",
    ATTRS: "{% for name, value in attrs.items %}{% if value is not False %} {{ name }}"
    "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}",
    ERRORS: '{% include "django/forms/errors/list/ul.html" %}',
    ERRORS_UL: '{% if errors %}<ul class="{{ error_class }}"{% if errors.field_id %} '
    'id="{{ errors.field_id }}_error"{% endif %}>{% for error in errors %}<li>{{ error }}</li>{% endfor %}'
    "</ul>{% endif %}",
}


class Fallback(Exception):
    """A value the Python rendering does not reproduce exactly: Django's template renders it."""


def _text(value: Any) -> str:
    """``{{ value }}`` of a text value."""
    if isinstance(value, str | Promise):
        return conditional_escape(value)
    raise Fallback


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: the filter keeps a safe value safe, any other is escaped."""
    try:
        text = "%s" % value  # noqa: UP031 - the filter's own formatting (a tuple fails as it does there)
    except (ValueError, TypeError):
        text = ""
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs: Mapping[str, Any] | None) -> str:
    """attrs.html: `` name="value"`` each, a True value as a bare name, a False one left out. None (a label of a
    widget without an id for its label: radios, checkboxes) is nothing, as the template's lookup fails silently."""
    if attrs is None:
        return ""
    if not isinstance(attrs, Mapping):
        raise Fallback
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_input(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>\n'


def render_input_widget(context: Mapping[str, Any]) -> str:
    """text.html, number.html, …: input.html and the line break after the include."""
    return render_input(context) + "\n"


def render_textarea(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'


def render_label(context: Mapping[str, Any]) -> str:
    label = _text(context["label"])
    if not context["use_tag"]:
        return label + "\n"
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>\n"


def render_errors(context: Mapping[str, Any]) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    ident = f' id="{_text(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{ident}>{items}</ul>'


# template name → (the sources it must have, its Python rendering)
_WRITTEN: dict[str, tuple[dict[str, str], Callable[[Mapping[str, Any]], str]]] = {
    INPUT: ({INPUT: SOURCES[INPUT], WIDGET_ATTRS: SOURCES[WIDGET_ATTRS]}, render_input),
    TEXTAREA: ({TEXTAREA: SOURCES[TEXTAREA], WIDGET_ATTRS: SOURCES[WIDGET_ATTRS]}, render_textarea),
    LABEL: ({LABEL: SOURCES[LABEL], ATTRS: SOURCES[ATTRS]}, render_label),
    ERRORS: ({ERRORS: SOURCES[ERRORS], ERRORS_UL: SOURCES[ERRORS_UL]}, render_errors),
}
_INPUT_WIDGETS = (
    "checkbox color date datetime email file hidden number password search tel text time url".split()
)


class FormRenderer(DjangoTemplates):
    """``django.forms.renderers.DjangoTemplates`` with the templates above written in Python."""

    def __init__(self) -> None:
        super().__init__()
        self._python: dict[str, Callable[[Mapping[str, Any]], str] | None] = {}

    def _source(self, name: str) -> str | None:
        try:
            return self.engine.get_template(name).template.source
        except TemplateDoesNotExist:
            return None

    def _python_for(self, name: str) -> Callable[[Mapping[str, Any]], str] | None:
        """The Python rendering of ``name`` when every template it stands for is Django's file, else None."""
        if name not in self._python:
            sources: dict[str, str] = {}
            written = _WRITTEN.get(name)
            if written is None and name.startswith("django/forms/widgets/"):
                stem = name.removeprefix("django/forms/widgets/").removesuffix(".html")
                if stem in _INPUT_WIDGETS:
                    written = ({name: INCLUDES_INPUT, **_WRITTEN[INPUT][0]}, render_input_widget)
            if written is None:
                self._python[name] = None
            else:
                sources, function = written
                same = all(self._source(n) == source for n, source in sources.items())
                self._python[name] = function if same else None
        return self._python[name]

    def render(self, template_name, context, request=None):
        function = self._python_for(template_name)
        if function is not None:
            try:
                return function(context).strip()  # as Django's renderer strips a template's output
            except Fallback:
                pass
        return super().render(template_name, context, request=request)

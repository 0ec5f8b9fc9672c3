"""reform_portal.renderers: the form renderer's Python-written input, textarea, label and error list are Django's
markup byte for byte, escape what Django escapes, and give way to Django's templates when those are not Django's."""

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.test.signals import template_rendered
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from reform_portal import renderers

HOSTILE = "<script>alert(\"x\")</script> & 'q' 改革&amp;"


class Everything(forms.Form):
    title = forms.CharField(
        label=HOSTILE,
        max_length=50,
        help_text="说明",
        widget=forms.TextInput(
            attrs={
                "placeholder": gettext_lazy("请输入"),
                "data-x": mark_safe("<b>safe</b>"),
                "autofocus": True,
            }
        ),
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "disabled": False}), required=False)
    count = forms.IntegerField(min_value=0, label="数量")
    email = forms.EmailField(required=False)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    flag = forms.BooleanField(required=False)
    link = forms.URLField(required=False, assume_scheme="https")
    upload = forms.FileField(required=False)
    kinds = forms.MultipleChoiceField(  # its label has no "for": the template gets attrs None
        choices=[("a", HOSTILE), ("b", "乙")], widget=forms.CheckboxSelectMultiple, required=False
    )
    level = forms.ChoiceField(choices=[("1", "一"), ("2", "<二>")], widget=forms.RadioSelect)

    def clean(self):
        raise ValidationError(f"总体错误 {HOSTILE}")


def _initial():
    return {
        "kinds": ["a"],
        "level": "2",
        "title": HOSTILE,
        "body": f"第一行\n{HOSTILE}",
        "count": 7,
        "email": "a&b@example.com",
        "when": datetime.date(2027, 4, 30),
        "secret": '"pw"<',
        "hidden": HOSTILE,
        "flag": True,
        "link": "https://example.com/?a=1&b=<2>",
    }


def _bad_data():
    return {
        "title": HOSTILE * 3,
        "body": "",
        "count": "-1<",
        "email": "<not>",
        "when": "2027-02-30",
        "flag": "on",
    }


def _markup(form):
    """Everything a page prints of a form: each field's widget, label tag and errors, and the form whole."""
    parts = []
    for field in form:
        parts += [str(field), field.label_tag(), field.label_tag(attrs={"class": "x&y"}), str(field.errors)]
        parts += [field.label_tag(label_suffix="："), str(field.as_hidden())]
    parts += [str(form.non_field_errors()), form.as_p(), str(form)]
    return parts


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("bound", [False, True])
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_the_python_markup_is_djangos_byte_for_byte(language, bound, auto_id):
    def build(renderer):
        if bound:
            form = Everything(_bad_data(), renderer=renderer, auto_id=auto_id)
            assert not form.is_valid()
            return form
        return Everything(initial=_initial(), renderer=renderer, auto_id=auto_id)

    with translation.override(language):
        ours = _markup(build(renderers.FormRenderer()))
        django = _markup(build(DjangoTemplates()))
    assert ours == django
    joined = "".join(ours)
    assert "<script>" not in joined and "&lt;script&gt;" in joined
    assert "<b>safe</b>" in joined  # a safe attribute value stays as it is, as in Django


def test_a_form_field_renders_no_template():
    """The widget, label and error list of a text field are written in Python: no template is rendered for them
    (the test environment reports every template rendered)."""
    form = Everything(_bad_data(), renderer=renderers.FormRenderer())
    form.is_valid()
    rendered = []

    def seen(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(seen)
    try:
        for name in ("title", "body", "count", "email", "when", "secret", "hidden", "flag", "link"):
            field = form[name]
            str(field), field.label_tag(), str(field.errors)
        str(form.non_field_errors())
    finally:
        template_rendered.disconnect(seen)
    assert rendered == []
    template_rendered.connect(seen)
    try:
        str(Everything(renderer=DjangoTemplates())["title"])
    finally:
        template_rendered.disconnect(seen)
    assert "django/forms/widgets/input.html" in rendered  # the same render through Django's templates


def test_the_portals_forms_use_it(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "reform_portal.renderers.FormRenderer"
    assert isinstance(get_default_renderer(), renderers.FormRenderer)


def test_a_template_that_is_not_djangos_file_is_rendered_by_django(monkeypatch):
    """An overridden template (or a Django release that changes it) is not taken over."""
    renderer = renderers.FormRenderer()
    original = renderer._source
    monkeypatch.setattr(
        renderer,
        "_source",
        lambda name: "<p>{{ label }}</p>" if name == renderers.LABEL else original(name),
    )
    assert renderer._python_for(renderers.LABEL) is None
    assert renderer._python_for("django/forms/widgets/text.html") is renderers.render_input_widget
    assert renderer._python_for("django/forms/widgets/select.html") is None  # never written in Python


def test_a_value_the_templates_would_localise_is_left_to_django():
    """``{{ widget.value }}`` of a textarea given a number, say, is localised by Django's template: handed over."""
    context = {"widget": {"name": "n", "value": 1234.5, "attrs": {}}}
    with pytest.raises(renderers.Fallback):
        renderers.render_textarea(context)
    ours = renderers.FormRenderer().render(renderers.TEXTAREA, context)
    assert ours == DjangoTemplates().render(renderers.TEXTAREA, context)

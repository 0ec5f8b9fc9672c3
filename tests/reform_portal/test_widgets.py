"""reform_portal.widgets (issue 19): the Python-written choice widgets give Django's markup byte for byte."""

from django import forms
from django.utils.safestring import mark_safe

from reform_portal import widgets

HOSTILE = [
    ("1", '<script>alert("x")</script>'),
    ("2", "a & b's"),
    ("3", '" onfocus="x'),
    ("<4>", "𠮷𡈽 😀"),
    ("5", mark_safe("<b>safe</b>")),
]
GROUPED = [("第一组 <g>", HOSTILE[:2]), ("第二组", HOSTILE[2:])]


def _pair(django_cls, ours_cls, choices, **attrs):
    return django_cls(attrs=attrs, choices=choices), ours_cls(attrs=attrs, choices=choices)


def test_select_writes_djangos_markup():
    for choices in (HOSTILE, GROUPED, []):
        theirs, ours = _pair(
            forms.Select, widgets.Select, choices, **{"class": "wide", "aria-describedby": "h"}
        )
        for value in (None, "2", "<4>"):
            attrs = {"id": "id_org", "required": True, "disabled": False}
            assert ours.render("org", value, attrs) == theirs.render("org", value, attrs)
    _theirs, ours = _pair(forms.Select, widgets.Select, HOSTILE)
    html = ours.render("org", "3", {"id": "id_org"})
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>safe</b>" in html
    assert '<option value="3" selected>&quot; onfocus=&quot;x</option>' in html


def test_checkboxes_write_djangos_markup():
    for choices in (HOSTILE, GROUPED, []):
        theirs, ours = _pair(forms.CheckboxSelectMultiple, widgets.CheckboxSelectMultiple, choices)
        for value in (None, ["1", "<4>"], []):
            for attrs in ({"id": "id_tasks"}, {"id": "id_tasks", "class": "cols"}, {}):
                assert ours.render("tasks", value, attrs) == theirs.render("tasks", value, attrs)
    _theirs, ours = _pair(forms.CheckboxSelectMultiple, widgets.CheckboxSelectMultiple, HOSTILE)
    html = ours.render("tasks", ["2"], {"id": "id_tasks"})
    assert (
        '<label for="id_tasks_1"><input type="checkbox" name="tasks" value="2" id="id_tasks_1" checked>\n a &amp; b&#x27;s</label>'
        in html
    )


def test_a_bound_form_field_renders_the_same_with_either_widget():
    class Theirs(forms.Form):
        pick = forms.MultipleChoiceField(
            choices=HOSTILE, widget=forms.CheckboxSelectMultiple, help_text="说明"
        )
        one = forms.ChoiceField(choices=HOSTILE, help_text="说明")

    class Ours(forms.Form):
        pick = forms.MultipleChoiceField(
            choices=HOSTILE, widget=widgets.CheckboxSelectMultiple, help_text="说明"
        )
        one = forms.ChoiceField(choices=HOSTILE, widget=widgets.Select, help_text="说明")

    data = {"pick": ["1", "9"], "one": "<4>"}
    for name in ("pick", "one"):
        assert str(Ours(data)[name]) == str(Theirs(data)[name])
        assert str(Ours()[name]) == str(Theirs()[name])

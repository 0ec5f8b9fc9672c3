"""Form helpers shared by every stage."""
import datetime
import re

from django import forms
from django.core import validators
from django.utils.translation import gettext_lazy

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def strip_control(value: str) -> str:
    """Remove control and bidi-override characters users paste from other programs; keep newlines/tabs."""
    return _CONTROL.sub("", value)


class CleanTextMixin:
    """Strips control characters from every text field before validation."""

    def _clean_fields(self):
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput):
                key = self.add_prefix(name)
                if key in self.data and hasattr(self.data, "copy"):
                    if not getattr(self.data, "_mutable", True):
                        self.data = self.data.copy()
                    self.data[key] = strip_control(self.data[key])
        super()._clean_fields()


PHONE = re.compile(r"^[0-9+\-() ]{7,30}$")


def validate_phone(value):
    if value and not PHONE.match(value):
        raise forms.ValidationError("请填写有效的电话号码（数字、空格、+、-、括号，7—30位）。")


MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField) PostgreSQL and SQLite can hold


def parse_id(value):
    """An object ID from a request (a form, a query string): a positive integer the database can hold, or None
    for anything else ("abc", "1.5", "²", 10**20), so a forged value never reaches a query."""
    value = str(value if value is not None else "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses a value that is not an ID before querying: Django checks the ``__in`` lookup only at the
    database, where a number beyond the integer range is an error (SQLite) instead of an invalid choice."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        if key == "pk":
            for pk in value:
                if parse_id(pk) is None:
                    raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                                params={"pk": pk})
        return super()._check_values(value)


def limit_length(form, limits):
    """Give unbounded text fields (model TextFields) of ``form`` a maximum length: {name: characters}."""
    for name, limit in limits.items():
        field = form.fields[name]
        field.max_length = limit
        field.validators.append(validators.MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(limit)


EARLIEST_DATE, LATEST_DATE = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def validate_plausible_date(value):
    """A date typed into a form lies in 2000–2100: 9999-12-31 would overflow the end-of-day deadlines and the
    reminder scan that every user's pages and mails depend on."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise forms.ValidationError(gettext_lazy("请填写2000年至2100年之间的日期。"), code="out_of_range")


def add_revision_field(form, revision):
    """Optimistic locking: a hidden ``revision`` holding the version of the object the user loaded; the
    service refuses to save over a newer one (``services.check_revision``) and the page keeps the text.
    Our pages always send it; a request without it (a script, an old test client) is saved unchecked."""
    form.fields["revision"] = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1, required=False,
        error_messages={"invalid": gettext_lazy("页面已过期，请刷新后重新修改。"),
                        "min_value": gettext_lazy("页面已过期，请刷新后重新修改。"),
                        "max_value": gettext_lazy("页面已过期，请刷新后重新修改。")})
    form.fields["revision"].initial = revision

"""Form helpers shared by every stage."""
import re

from django import forms

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

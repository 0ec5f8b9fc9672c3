"""What every view does around a service call: a refusal (ValidationError) becomes the user's message — on the
page's form or as a flash message — never a 500, and a success says what was done.

    ok, measure = attempt(request, lambda: services.measure_merge(...), success=_("已合并。"))
    if ok:
        return redirect(...)
"""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

R = TypeVar("R")


def messages_from(request: HttpRequest, exc: ValidationError) -> None:
    """Each message of a refusal as an error message on the next page."""
    for message in exc.messages:
        messages.error(request, message)


def errors_onto_form(form: forms.BaseForm, exc: ValidationError, *, by_field: bool = True) -> None:
    """A refusal shown on the form: at its field where the service named one the form has (``by_field``),
    otherwise above the form."""
    if by_field and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return
    for message in exc.messages:
        form.add_error(None, message)


def form_errors_as_messages(request: HttpRequest, form: forms.BaseForm) -> None:
    """An invalid form posted from a page that does not show it again: its errors as messages, with labels."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


def attempt(
    request: HttpRequest,
    action: Callable[[], R],
    *,
    success: str | Callable[[R], str] | None = None,
    form: forms.BaseForm | None = None,
    by_field: bool = True,
) -> tuple[bool, R | None]:
    """Run ``action``; on a refusal show its messages (on ``form`` when given) and return (False, None);
    on success flash ``success`` (a text, or a function of the result) and return (True, result)."""
    try:
        result = action()
    except ValidationError as exc:
        if form is not None:
            errors_onto_form(form, exc, by_field=by_field)
        else:
            messages_from(request, exc)
        return False, None
    if success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return True, result

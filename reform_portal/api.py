"""The kernel's part of the REST API (DECISIONS §18): token authentication, the error format, and helpers every
stage's ``api.py`` uses so that an API call goes through the same forms (the kernel text validator), rules and
services as the page. The stages' endpoints live in ``<app>/api.py``; ``config/api_urls.py`` mounts them under
``/api/v1/``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "reform_portal.api_auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("“Token 前缀.密钥”：在“个人设置 › 接口令牌”中创建。"),
        }


class Pagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "precondition failed"
    default_code = "precondition_failed"


def _messages(exc: DjangoValidationError) -> dict[str, list[str]] | list[str]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                str(m) for e in errors for m in e.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    return [str(m) for m in exc.messages]


def exception_handler(exc, context):
    """DRF's handler, plus a service's refusal (Django's ValidationError): 400 with the Chinese messages, or 409
    when the object changed since the caller read it (``check_revision``, a joint sign-off on an old version)."""
    if isinstance(exc, DjangoValidationError):
        stale = (
            any(getattr(e, "code", None) == "stale" for e in exc.error_list)
            if hasattr(exc, "error_list")
            else False
        )
        data = _messages(exc)
        if isinstance(data, list):
            data = {"detail": "".join(data) if len(data) == 1 else data}
        return Response(data, status=status.HTTP_409_CONFLICT if stale else status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.Throttled) and response is not None:
        # DRF's handler set Retry-After (whole seconds); the message says the same in Chinese.
        wait = response.get("Retry-After")
        response.data = {
            "detail": _("接口调用过于频繁，请在%(s)s秒后重试。") % {"s": wait}
            if wait
            else _("接口调用过于频繁，请稍后重试。")
        }
    return response


def form_data(form: forms.BaseForm) -> dict[str, Any]:
    """The page's form validates the API's input (the same fields, the kernel text validator, the same Chinese
    messages at the field): its cleaned data, or a 400 naming each field."""
    if not form.is_valid():
        raise serializers.ValidationError(
            {
                ("non_field_errors" if field == "__all__" else field): [e["message"] for e in errors]
                for field, errors in form.errors.get_json_data().items()
            }
        )
    return form.cleaned_data


def if_match_revision(request, current: int, what: str) -> int | None:
    """``If-Match: "<revision>"`` (the ETag a GET returned): a mismatch is 412 with a Chinese message; no header
    gives None (the body's ``revision`` then decides, 409 when stale)."""
    header = request.headers.get("If-Match")
    if not header:
        return None
    tags = {t.strip().removeprefix("W/").strip('"') for t in header.split(",")}
    if "*" in tags or str(current) in tags:
        return current
    raise PreconditionFailed(
        _("该%(what)s已被他人修改（现为第%(now)s版），您的修改尚未保存。请重新读取后再提交。")
        % {"what": what, "now": current}
    )


def etag(revision: int) -> str:
    return f'"{revision}"'


def roles(*names: str) -> type[BasePermission]:
    """A permission class: logged in (401 otherwise) with one of ``names`` (403 otherwise), as ``role_required``."""

    class HasRole(BasePermission):
        message = _("您没有访问该接口的权限。")

        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and any(user.has_role(r) for r in names))

    return HasRole


def revision_from(request, current: int, what: str) -> int | None:
    """The revision the caller read: ``If-Match`` (412 when it is not current) or the body's ``revision``."""
    matched = if_match_revision(request, current, what)
    if matched is not None:
        return matched
    value = request.data.get("revision") if hasattr(request.data, "get") else None
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise serializers.ValidationError({"revision": [_("修订号须为整数。")]}) from None

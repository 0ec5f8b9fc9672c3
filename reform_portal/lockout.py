"""Login lock-out (django-axes), issue 17 §1.

Two locks, both for ``AXES_COOLOFF_TIME`` after the last failure that counts:

- the pair (username, real client address): ``AXES_FAILURE_LIMIT`` wrong passwords or codes for one username from
  one address lock that username *from that address* only; the same user logs in from another address;
- the address alone: failures for ``PORTAL_LOCKOUT_ADDRESS_USERNAMES`` (20) distinct usernames from one address
  within the cool-off lock every login from it (a password sprayer); an office NAT with a few users who mistype
  stays below it.

The real client address is read with (django-)ipware through ``AXES_PROXY_COUNT`` trusted proxies
(config/settings.py, ``client_ip_address``): behind one proxy that overwrites or appends to X-Forwarded-For, a
forged leading X-Forwarded-For is ignored.

The lock-out page says how many minutes are left (``lockout_response``).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from python_ipware import IpWare


def client_ip_address(request: HttpRequest) -> str | None:
    """The real client address (AXES_CLIENT_IP_CALLABLE; also the password reset's per-address limit).

    No proxy (AXES_IPWARE_PROXY_COUNT None): the connecting address. Behind N trusted proxies: the client is the
    address the first proxy saw, the last entry of X-Forwarded-For it wrote, moved left by the N-1 proxies after
    it (python-ipware, not strict: entries a client forged on the left are ignored, not a reason to fall back).
    A request that did not come through the proxies (no or a too short header) counts under its connecting address.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.AXES_IPWARE_PROXY_COUNT
    if count is None:
        return remote
    found, _trusted = IpWare(
        precedence=("HTTP_X_FORWARDED_FOR",), leftmost=True, proxy_count=count
    ).get_client_ip(request.META, strict=False)
    return str(found) if found else remote


def _cool_off() -> datetime.timedelta:
    return settings.AXES_COOLOFF_TIME


def _recent(ip_address: str | None) -> Any:
    return AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=timezone.now() - _cool_off())


def address_locked_until(ip_address: str | None) -> datetime.datetime | None:
    """When the address-alone lock ends, or None when the address is not locked."""
    limit = settings.PORTAL_LOCKOUT_ADDRESS_USERNAMES
    if not ip_address or not limit:
        return None
    latest: dict[str, datetime.datetime] = {}
    for username, at in _recent(ip_address).exclude(username=None).values_list("username", "attempt_time"):
        latest[username] = max(at, latest.get(username, at))
    if len(latest) < limit:
        return None
    # Locked while `limit` usernames have a failure inside the window: until the limit-th newest one leaves it.
    return sorted(latest.values(), reverse=True)[limit - 1] + _cool_off()


def pair_locked_until(username: str | None, ip_address: str | None) -> datetime.datetime | None:
    attempts = _recent(ip_address).filter(username=username)
    failures = sum(a.failures_since_start for a in attempts)
    if not attempts or failures < settings.AXES_FAILURE_LIMIT:
        return None
    return max(a.attempt_time for a in attempts) + _cool_off()


class PortalAxesHandler(AxesDatabaseHandler):
    """axes's database handler plus the address-alone lock."""

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return address_locked_until(getattr(request, "axes_ip_address", None)) is not None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The Chinese lock-out page with the minutes left (AXES_LOCKOUT_CALLABLE)."""
    ip_address = getattr(request, "axes_ip_address", None)
    username = get_client_username(request, credentials)
    ends = [t for t in (pair_locked_until(username, ip_address), address_locked_until(ip_address)) if t]
    until = max(ends) if ends else timezone.now() + _cool_off()
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    context = {
        "minutes": minutes,
        "until": until,
        "by_address": address_locked_until(ip_address) is not None,
        "until_text": timezone.localtime(until).strftime("%H:%M"),
    }
    response = render(request, "registration/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(minutes * 60)
    return response

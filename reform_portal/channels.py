"""Channels besides the inbox and mail: a short text to the user's phone (短信, or a 政务IM such as 浙政钉, 粤政易)
through an HTTP gateway the office runs or rents. Staff on 政务外网 often read no outside mail.

**The interface.** A channel has a ``name`` (stored on each :class:`~reform_portal.models.NotificationDelivery`),
a ``label`` for pages, and three methods::

    enabled() -> bool                 # configured in settings
    address_for(user) -> str          # where this user takes it ("" = the user does not: no opt-in, no number)
    send(message: ChannelMessage)     # deliver one text or raise ChannelError(permanent=...)

Register another one with :func:`register_channel` (from an ``AppConfig.ready``). ``notify`` (and a reminder's
claim) calls ``notifications.deliveries_queue`` in the same transaction as the action: one delivery row per (notification,
channel) and one outbox message (``notifications.send_channel``). The worker sends each pending row once (row
lock), retries failures with the mail's back-off (``PORTAL_MAIL_MAX_RETRIES``, ``PORTAL_MAIL_RETRY_BACKOFF``)
and marks 发送失败 after the last try or a permanent refusal. Every try carries the same idempotency key
(``notification-<id>-<channel>``, also as the ``Idempotency-Key`` header), so a gateway that keeps keys never
sends one notification twice, even when a worker dies between the gateway's answer and the commit.

**The HTTP gateway** (:class:`HttpGatewayChannel`, name ``sms``): ``PORTAL_SMS_GATEWAY_URL`` set switches it on;
each message is a ``POST`` of JSON ``{"to": "+8613800000000", "text": "…", "key": "notification-12-sms",
"title": "…", "link": "https://…"}`` with ``Authorization: Bearer <PORTAL_SMS_GATEWAY_TOKEN>``. A 2xx answer is
delivered; 4xx (but 408 and 429) is a permanent refusal; anything else (5xx, timeout, refused connection) is
tried again. Users opt in on their own 个人设置 page with a mobile number (README: SMS / 政务IM)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

from .validators import is_mobile, normalize_mobile

if TYPE_CHECKING:
    from .models import User

logger = logging.getLogger(__name__)

CHANNEL_TASK = "notifications.send_channel"


@dataclass(frozen=True)
class ChannelMessage:
    to: str
    text: str
    key: str
    title: str = ""
    link: str = ""


class ChannelError(Exception):
    """A message the channel did not deliver; ``permanent``: trying again will not help (a refused number)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    name: str

    @property
    def label(self) -> str: ...

    def enabled(self) -> bool: ...

    def address_for(self, user: User) -> str: ...

    def send(self, message: ChannelMessage) -> None: ...


class HttpGatewayChannel:
    """短信 / 政务IM through an HTTP gateway (module doc)."""

    name = "sms"

    @property
    def label(self) -> str:
        return settings.PORTAL_SMS_GATEWAY_LABEL

    def enabled(self) -> bool:
        return bool(settings.PORTAL_SMS_GATEWAY_URL)

    def address_for(self, user: User) -> str:
        if not (user.is_active and user.notify_sms and is_mobile(user.phone)):
            return ""
        number = normalize_mobile(user.phone)
        return "+86" + number[-11:]

    def send(self, message: ChannelMessage) -> None:
        import requests

        headers = {"Idempotency-Key": message.key}
        if settings.PORTAL_SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.PORTAL_SMS_GATEWAY_TOKEN}"
        try:
            response = requests.post(
                settings.PORTAL_SMS_GATEWAY_URL,
                json={
                    "to": message.to,
                    "text": message.text,
                    "key": message.key,
                    "title": message.title,
                    "link": message.link,
                },
                headers=headers,
                timeout=settings.PORTAL_SMS_GATEWAY_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise ChannelError(f"{exc.__class__.__name__}: {exc}") from exc
        if 200 <= response.status_code < 300:
            return
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise ChannelError(f"HTTP {response.status_code}: {response.text[:500]}", permanent=permanent)


_CHANNELS: list[Channel] = [HttpGatewayChannel()]


def register_channel(channel: Channel) -> Channel:
    if all(c.name != channel.name for c in _CHANNELS):
        _CHANNELS.append(channel)
    return channel


def channels() -> tuple[Channel, ...]:
    return tuple(_CHANNELS)


def channel_named(name: str) -> Channel | None:
    return next((c for c in _CHANNELS if c.name == name), None)


def enabled_channels() -> list[Channel]:
    return [c for c in _CHANNELS if c.enabled()]

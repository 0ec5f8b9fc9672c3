"""Error pages and private responses (issue 17 §6, §7).

- ``csrf_failure``: the CSRF refusal in Chinese, in the portal's layout (Django's says "set DEBUG=True").
  The 500 page is templates/500.html, rendered by Django's own ``server_error`` without a request context (no
  database, no context processor: it must work when they are what failed), and also in the layout.
- ``PrivateResponseMiddleware``: ``Cache-Control: no-store`` (Django's never-cache set) on every response to a
  logged-in user (pages, 建议书 and letter PDFs, attachments, exports), so a shared office computer's browser
  keeps none of them; and on every file download (PDF, spreadsheet, attachment) whoever asks.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

FILE_TYPES = ("application/", "image/", "text/csv")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def _is_file(response: HttpResponse) -> bool:
    return bool(response.get("Content-Disposition")) or response.get("Content-Type", "").startswith(
        FILE_TYPES
    )


class PrivateResponseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or _is_file(response):
            add_never_cache_headers(response)
        return response

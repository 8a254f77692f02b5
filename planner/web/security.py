"""Safe defaults of the web app: CSRF protection of every state-changing request, and an access
token when the app listens on anything but the loopback.

CSRF: a random token is set once per browser in a ``SameSite=Strict`` cookie; every ``POST``
must send it back, in the form field ``csrf_token`` or the ``X-CSRF-Token`` header (pages put it
in their forms and in HTMX's headers; API clients read it from ``GET /api/session``), and its
``Origin``, when the browser sends one, must be the app's own. Anything else is refused with 403.

Access: ``itinerance app --host 0.0.0.0`` is reachable by others, so it requires a token given at
start (or made up and printed); a browser opens ``/?token=…`` once and keeps it in a cookie, an
API client sends ``Authorization: Bearer …``.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

__all__ = [
    "ACCESS_COOKIE",
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "check_access",
    "csrf_protect",
    "is_loopback",
    "new_token",
]

CSRF_COOKIE = "itinerance_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
ACCESS_COOKIE = "itinerance_access"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_token() -> str:
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())  # type: ignore[union-attr]


async def csrf_protect(request: Request) -> None:
    """FastAPI dependency: refuse a state-changing request without the session's CSRF token or
    from another origin."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin != own:
        raise HTTPException(403, f"requête refusée : origine {origin} différente de {own}")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not _same(sent, request.cookies.get(CSRF_COOKIE)):
        raise HTTPException(
            403, "requête refusée : jeton anti-CSRF absent ou faux (rechargez la page)"
        )


def check_access(request: Request, token: str | None) -> Response | None:
    """None when the request may go on; else the response refusing it (or the redirect that
    stores a token given in the URL as a cookie)."""
    if token is None:
        return None
    given = request.query_params.get("token")
    if given is not None and _same(given, token):
        rest = {k: v for k, v in request.query_params.items() if k != "token"}
        url = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(ACCESS_COOKIE, token, httponly=True, samesite="strict")
        return response
    bearer = request.headers.get("authorization", "")
    if _same(request.cookies.get(ACCESS_COOKIE), token) or (
        bearer.startswith("Bearer ") and _same(bearer[7:], token)
    ):
        return None
    return PlainTextResponse(
        "Accès refusé : ouvrez l’adresse avec le jeton affiché au démarrage (?token=…).",
        status_code=401,
    )

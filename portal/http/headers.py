"""Security headers on every answer of the node.

No framing by other sites (clickjacking of forms), no content sniffing, no Referer to
other sites (multipart forms carry the CSRF token in their action URL), a
Content-Security-Policy that admits scripts and styles from this site only (an injected
script or form target is inert), `Cache-Control: no-store` on every dynamic answer (pages
and JSON carry personal data; a shared computer's back button must not show them), and a
Server header that names no library version.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from aiohttp import web

SERVER = "reception"
STATIC_PREFIX = "/static/"
HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",  # older browsers; the policy says none
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    # The conference: Socket.IO over a WebSocket, the camera preview and remote tracks.
    "connect-src": ["'self'", "ws:", "wss:"],
    "media-src": ["'self'", "blob:", "mediastream:"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def content_security_policy(form_targets: Sequence[str] = ()) -> str:
    """The policy; `form_targets` are other origins a form may lead to (the OpenID Connect
    provider, where the sign-in form's redirect goes)."""
    policy = {name: list(values) for name, values in _POLICY.items()}
    for target in form_targets:
        parts = urlsplit(target)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in policy["form-action"]:
            policy["form-action"].append(origin)
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


CSP_KEY = web.AppKey("portal.csp", str)


def _apply(request: web.BaseRequest, response: web.StreamResponse, policy: str) -> None:
    headers = response.headers
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    headers["Server"] = SERVER
    if request.path.startswith(STATIC_PREFIX):
        return
    headers.setdefault("Content-Security-Policy", policy)
    cache = headers.get("Cache-Control", "")
    if "no-store" not in cache:
        headers["Cache-Control"] = "no-store"


def setup_security_headers(app: web.Application, form_targets: Sequence[str] = ()) -> None:
    """Apply the headers to every response the node prepares: pages, JSON, errors of the
    router, static files and the conference alike."""
    app[CSP_KEY] = content_security_policy(form_targets)

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        _apply(request, response, app[CSP_KEY])

    app.on_response_prepare.append(on_prepare)

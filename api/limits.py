"""What every exchange is held to: a request-body size limit, and security headers on every response."""

import base64
import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import current_request_id


class BodySizeLimit:
    """Refuse bodies over `max_bytes` with 413, whether or not they declare their length."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int | None = None) -> None:
        self.app = app
        self.default_bytes = max_bytes
        # Workbook uploads (paths ending in /import) may be larger than any other request.
        self.upload_bytes = (upload_bytes or max_bytes) + 64 * 1024  # room for the multipart form around the file

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        path = scope.get("path", "")
        limit = self.upload_bytes if path.endswith("/import") else self.default_bytes
        if declared is not None:
            if not declared.isdigit():
                await _problem(send, path, 400, "Bad request", "The Content-Length header is not a number.")
            elif int(declared) > limit:
                await _problem(send, path, 413, "Request body too large", f"The limit is {limit} bytes.")
            else:
                await self.app(scope, receive, send)
            return
        # No declared length (chunked): read up to the limit, then hand the body on.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await _problem(send, path, 413, "Request body too large", f"The limit is {limit} bytes.")
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


async def _problem(send: Send, path: str, status: int, title: str, detail: str) -> None:
    payload: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
        "errors": [],
        "request_id": current_request_id(),
    }
    content = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(content)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


def _source_hash(text: str) -> str:
    """A CSP hash source for an inline script or style: its exact text, SHA-256, base64."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# htmx 2 adds this one <style> element for its request indicators when it starts (config.includeIndicatorStyles).
HTMX_INDICATOR_STYLE = (
    ".htmx-indicator{opacity:0;visibility: hidden} "
    ".htmx-request .htmx-indicator, .htmx-request.htmx-indicator{opacity:1;visibility: visible;"
    "transition: opacity 200ms ease-in}"
)
# The pages run no inline script and carry no inline style: every script and style sheet is a file of the site.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; "
    f"style-src 'self' {_source_hash(HTMX_INDICATOR_STYLE)}; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc are third-party pages: their inline start-up scripts are allowed by hash (see
# SecurityHeaders), and their components set inline styles and ReDoc runs a worker from a blob.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
HSTS = "max-age=31536000"


class SecurityHeaders:
    """Security headers on every response: pages, API, static files and errors alike.

    The Content-Security-Policy allows no inline script; HSTS is sent only over https, which a request from a
    trusted proxy may declare with X-Forwarded-Proto.
    """

    def __init__(self, app: ASGIApp, *, trusted_proxies: str = "", docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.trust_all = trusted_proxies.strip() == "*"
        self.trusted = _networks(trusted_proxies)
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        https = self._over_https(scope)
        if path in self.docs_paths:
            await self._docs_page(scope, receive, send, https)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _secured(message.get("headers", []), PAGE_POLICY, https)
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _docs_page(self, scope: Scope, receive: Receive, send: Send, https: bool) -> None:
        """A docs page is held back until whole, so its inline scripts' hashes can go into its policy."""
        start: Message | None = None
        body = bytearray()

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False) or start is None:
                return
            scripts = [match.decode() for match in _INLINE_SCRIPT.findall(bytes(body))]
            policy = self._docs_policy(scripts)
            await send({**start, "headers": _secured(start.get("headers", []), policy, https)})
            await send({"type": "http.response.body", "body": bytes(body), "more_body": False})

        await self.app(scope, receive, collect)

    @staticmethod
    def _docs_policy(scripts: Iterable[str]) -> str:
        return DOCS_POLICY.format(hashes="".join(" " + _source_hash(script) for script in scripts))

    def _over_https(self, scope: Scope) -> bool:
        if scope.get("scheme") == "https":
            return True
        forwarded = dict(scope.get("headers", [])).get(b"x-forwarded-proto", b"").split(b",")[0].strip()
        return forwarded.lower() == b"https" and self._from_trusted_proxy(scope)

    def _from_trusted_proxy(self, scope: Scope) -> bool:
        if self.trust_all:
            return True
        client = scope.get("client")
        if not client or not self.trusted:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self.trusted)


def _networks(listed: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The proxies named in a comma-separated setting (addresses or networks); names that are neither are skipped."""
    found = []
    for item in listed.split(","):
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return found


def _secured(headers: Iterable[tuple[bytes, bytes]], policy: str, https: bool) -> list[tuple[bytes, bytes]]:
    """The response's headers with the security headers set (replacing any the response set itself)."""
    ours = {
        b"content-security-policy": policy.encode(),
        b"x-content-type-options": b"nosniff",
        b"x-frame-options": b"DENY",
        b"referrer-policy": b"same-origin",
        b"cross-origin-opener-policy": b"same-origin",
    }
    if https:
        ours[b"strict-transport-security"] = HSTS.encode()
    kept = [(name, value) for name, value in headers if name.lower() not in ours]
    return kept + list(ours.items())

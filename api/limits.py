"""A request-body size limit, so no client can exhaust memory with a huge body."""

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


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

"""Security headers on every response (pages, API, static files, errors), and a policy the pages keep to."""

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from benefits.settings import Settings
from tests.conftest import use_test_session

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def _directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy read as directive -> sources."""
    found = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


def _assert_secured(answer: object, what: str) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    policy = _directives(headers.get("content-security-policy", ""))
    assert policy.get("frame-ancestors") == ["'none'"], what
    assert policy.get("script-src", ["missing"])[0] == "'self'", what
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], what
    assert policy.get("object-src") == ["'none'"], what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "same-origin", what


@pytest.fixture
def failing_app(session: Session) -> FastAPI:
    """The app over the test's session, with one more route that fails as a bug would."""
    app = use_test_session(create_app(), session)

    @app.get("/api/v1/failing-for-the-test")
    def failing() -> None:
        raise RuntimeError("a fault")

    return app


def test_every_kind_of_response_carries_the_headers(failing_app: FastAPI, admin_token: str) -> None:
    bearer = {"Authorization": f"Bearer {admin_token}"}
    signed_in = TestClient(failing_app, raise_server_exceptions=False, headers=bearer)
    answers = {
        "API JSON": signed_in.get("/api/v1/initiatives"),
        "API 401": TestClient(failing_app).get("/api/v1/initiatives"),
        "API 404": signed_in.get("/api/v1/initiatives/999999"),
        "API 422": signed_in.post("/api/v1/initiatives", json={}),
        "API 413": signed_in.post("/api/v1/initiatives", content=b"x" * 2_000_000),
        "API 500": signed_in.get("/api/v1/failing-for-the-test"),
        "page": signed_in.get("/sign-in"),
        "page redirect": signed_in.get("/", follow_redirects=False),
        "page 404": signed_in.get("/no-such-page"),
        "static file": signed_in.get("/static/site.css"),
        "health": signed_in.get("/healthz"),
        "OpenAPI": signed_in.get("/openapi.json"),
        "docs": signed_in.get("/docs"),
        "docs asset": signed_in.get("/docs/assets/swagger-ui-bundle.js"),
    }
    expected = {"API 401": 401, "API 404": 404, "API 422": 422, "API 413": 413, "API 500": 500,
                "page redirect": 303, "page 404": 404}  # fmt: skip
    for what, answer in answers.items():
        assert answer.status_code == expected.get(what, 200), (what, answer.status_code)
        _assert_secured(answer, what)


def test_the_docs_policy_allows_exactly_their_own_inline_scripts(anonymous: TestClient) -> None:
    import base64
    import hashlib

    for path in ("/docs", "/docs/oauth2-redirect"):
        answer = anonymous.get(path)
        inline = re.findall(r"<script>(.*?)</script>", answer.text, flags=re.DOTALL)
        assert inline, path
        sources = _directives(answer.headers["content-security-policy"])["script-src"]
        hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline}
        assert set(sources) == {"'self'"} | hashes, path
    # The pages allow no inline script at all.
    assert _directives(anonymous.get("/sign-in").headers["content-security-policy"])["script-src"] == ["'self'"]


def test_strict_transport_security_only_over_https(session: Session) -> None:
    behind = use_test_session(create_app(Settings(forwarded_allow_ips="10.0.0.0/8")), session)
    direct = TestClient(behind, client=("192.0.2.9", 5000))
    assert "strict-transport-security" not in direct.get("/healthz").headers
    # Anyone may write X-Forwarded-Proto; only a trusted proxy is believed.
    assert "strict-transport-security" not in direct.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
    proxied = TestClient(behind, client=("10.1.2.3", 5000))
    assert "strict-transport-security" not in proxied.get("/healthz").headers
    answer = proxied.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    # Served over https directly (TLS at the server), it is sent whatever the proxies.
    secure = TestClient(use_test_session(create_app(Settings()), session), base_url="https://testserver")
    assert secure.get("/sign-in").headers["strict-transport-security"].startswith("max-age=")


def test_the_templates_carry_no_inline_script_or_style() -> None:
    # The policy allows neither; a template that had one would be broken in the browser, so it is caught here.
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert not re.search(r"\sstyle\s*=", text), template.name
        assert "<style" not in text, template.name

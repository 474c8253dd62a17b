"""Rendering a page: the templates, their filters, and the CSRF token every form carries."""

from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2_fragments.fastapi import Jinja2Blocks

from benefits.errors import DomainError
from web.forms import is_htmx
from web.session import csrf_token, remember_csrf

templates = Jinja2Blocks(directory=Path(__file__).resolve().parent / "templates")


def money(value: Decimal | float | None) -> str:
    """Pounds as people write them: £1,234 or -£1,234 (no pence on summaries)."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    return f"{'-' if amount < 0 else ''}£{abs(amount):,.0f}"


def figure(value: Decimal | float | None) -> str:
    """A figure with thousands separated and at most two decimal places, none when it is whole."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


templates.env.filters["money"] = money
templates.env.filters["figure"] = figure


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200, block: str | None = None
) -> HTMLResponse:
    """The page `name` with `context` (or, for an htmx request, only its `block`), forms carrying the CSRF token."""
    context = {"csrf": csrf_token(request), **context}
    wanted = block if block and is_htmx(request) else None
    response = templates.TemplateResponse(request, name, context, status_code=status_code, block_name=wanted)
    assert isinstance(response, HTMLResponse)
    remember_csrf(request, response)
    return response


def problems_text(error: DomainError) -> str:
    """A refusal in one line for the page: each problem with the field or row it names."""
    details = "; ".join(f"{p.field}: {p.detail}" if p.field else p.detail for p in error.problems)
    return details or error.detail

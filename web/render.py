"""Rendering a page: the templates, their filters, and the CSRF token every form carries."""

from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2_fragments.fastapi import Jinja2Blocks
from pydantic import ValidationError

from benefits.errors import DomainError
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
    """The page `name` with `context`, its forms carrying this browser's CSRF token.

    With `block`, an htmx request (one with `HX-Request`) gets only that block of the page; any other gets it whole.
    """
    context = {"csrf": csrf_token(request), **context}
    wanted = block if block and request.headers.get("HX-Request") == "true" else None
    response = templates.TemplateResponse(request, name, context, status_code=status_code, block_name=wanted)
    assert isinstance(response, HTMLResponse)
    remember_csrf(request, response)
    return response


# Pydantic's wording for the errors a person typing into a form makes, said as a form would say it.
PLAIN_WORDS = {
    "decimal_parsing": "Enter a number, such as 45000.",
    "decimal_type": "Enter a number, such as 45000.",
    "float_parsing": "Enter a number, such as 45000.",
    "int_parsing": "Enter a whole number.",
    "date_from_datetime_parsing": "Enter a date as YYYY-MM-DD.",
    "date_parsing": "Enter a date as YYYY-MM-DD.",
    "enum": "Choose one of the options offered.",
    "literal_error": "Choose one of the options offered.",
    "missing": "Fill this in.",
    "string_too_short": "Fill this in.",
}


def field_errors(error: ValidationError) -> dict[str, str]:
    """A form's validation errors by field name, in plain words where pydantic's are technical."""
    found: dict[str, str] = {}
    for item in error.errors(include_url=False):
        if item["loc"]:
            found.setdefault(str(item["loc"][0]), PLAIN_WORDS.get(item["type"], item["msg"]))
    return found


def problems_text(error: DomainError) -> str:
    """A refusal in one line for the page: each problem with the field or row it names."""
    details = "; ".join(f"{p.field}: {p.detail}" if p.field else p.detail for p in error.problems)
    return details or error.detail

"""Rendering a page: the templates, their filters, and the CSRF token every form carries."""

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2_fragments.fastapi import Jinja2Blocks

from benefits import audit, formatting
from benefits.errors import DomainError
from web.forms import is_htmx
from web.session import csrf_token, remember_csrf

templates = Jinja2Blocks(directory=Path(__file__).resolve().parent / "templates")


def money(value: Decimal | float | None) -> str:
    """Pounds as people write them on a summary: £1,234 or -£1,234, rounded half-up (benefits.formatting)."""
    return formatting.money(value, pence=False)


def discount_factor(value: Decimal | float | None) -> str:
    """A discount factor as the Green Book's tables print it: four places, rounded half-up (1.0000, 0.9662)."""
    return "—" if value is None else f"{formatting.rounded(value, 4):.4f}"


def figure(value: Decimal | float | None) -> str:
    """A figure with thousands separated and at most two decimal places, none when it is whole."""
    return formatting.quantity(value)


# A stored amount that arrives as text in a history ("40200.0000"), shown as a figure rather than raw.
_STORED_NUMBER = re.compile(r"-?\d+\.\d+")
_STORED_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _said(value: Any) -> str:
    """A value from the history as a line of text: blank as a dash, long text cut short."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal) or (isinstance(value, str) and _STORED_NUMBER.fullmatch(value)):
        return formatting.quantity(value, fixed=False)
    if isinstance(value, str) and _STORED_MOMENT.match(value):
        return value[:16].replace("T", " ")  # a moment kept to the microsecond, read to the minute
    text = _plain(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _plain(value: Any) -> str:
    """A nested value (a model's nodes, a profile) as words, each number rounded as a page shows it."""
    if value is None or value == "" or (isinstance(value, dict | list | tuple) and not value):
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_plain(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return formatting.quantity(value, fixed=False)
    return str(value)


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """What one event of a history changed, field by field: (field, from, to); a profile by period."""
    if not before or not after:  # a creation, or a record of something done (cash confirmed): nothing replaced
        return []
    old, new = audit.changed_fields(before, after)
    found = []
    for name in new:
        if name == "profile" and isinstance(new[name], dict):
            was = old.get(name) or {}
            for period, amounts in new[name].items():
                if was.get(period) != amounts:
                    found.append((period, _period_said(was.get(period)), _period_said(amounts)))
            found.extend((f"{period} removed", "", "") for period in was if period not in new[name])
        else:
            found.append((name.replace("_", " "), _said(old.get(name)), _said(new[name])))
    return found


def _period_said(amounts: Any) -> str:
    """One period of a profile: a benefit's planned and actual, or a cost line's amount."""
    if isinstance(amounts, dict):
        return f"planned {_said(amounts.get('planned'))}, actual {_said(amounts.get('actual'))}"
    return _said(amounts)


def typed(value: Any) -> str:
    """A value as it goes back into a form's input: an amount without the stored trailing zeros (338800, 0.25)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    return str(getattr(value, "value", value))


templates.env.globals["changes"] = changes
templates.env.filters["typed"] = typed
templates.env.filters["money"] = money
templates.env.filters["figure"] = figure
templates.env.filters["discount_factor"] = discount_factor
templates.env.filters["percent"] = formatting.percent


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

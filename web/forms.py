"""What every page with a form shares: the posted fields, telling an htmx request, and errors put by their fields.

A refusal that is not about what was typed (not allowed, not found) is not a form error: `about_the_form` raises it
again, and the page-level handler answers with a refusal page and its own status.
"""

from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import TypeAdapter, ValidationError

from benefits.columns import Reason
from benefits.errors import DomainError, Forbidden, InvalidInput, NotFound, Problem, TooManyAttempts, Unauthenticated

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
# Refusals of the person or the address, not of the values typed.
NOT_ABOUT_THE_FORM = (Forbidden, NotFound, Unauthenticated, TooManyAttempts)


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (read here, so the handlers that use the database stay synchronous)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it then wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def redirect_done(path: str, done: str, **more: str | int) -> RedirectResponse:
    """Post/redirect/get: the page at `path` whose status message (`_done.html`, by `?done=`) says what was done."""
    path, _, anchor = path.partition("#")
    return RedirectResponse(f"{path}?{urlencode({'done': done, **more})}" + (f"#{anchor}" if anchor else ""),
                            status_code=303)  # fmt: skip


def typed_amount(text: str) -> Decimal:
    """A number as people type it into a form (£25,000 or 1,234.5); InvalidOperation when it is not one."""
    return Decimal(text.replace(",", "").replace("£", "").strip())


_REASON: TypeAdapter[str] = TypeAdapter(Reason)


def checked_reason(text: str) -> str:
    """A reason as typed, checked as the API checks one (no control or XML-forbidden characters, not too long)."""
    try:
        return _REASON.validate_python(text)
    except ValidationError as error:
        said = str(error.errors(include_url=False)[0]["msg"]).removeprefix("Value error, ")
        raise InvalidInput(f"The reason {said}", [Problem("invalid_text", f"The reason {said}", "reason")]) from None


def field_errors(error: ValidationError) -> dict[str, str]:
    """A form's validation errors by field name, in plain words where pydantic's are technical."""
    found: dict[str, str] = {}
    for item in error.errors(include_url=False):
        if item["loc"]:
            found.setdefault(str(item["loc"][0]), PLAIN_WORDS.get(item["type"], item["msg"]))
    return found


def about_the_form(error: DomainError) -> DomainError:
    """The error, if it is about what was typed; any other refusal is raised again for the refusal page."""
    if isinstance(error, NOT_ABOUT_THE_FORM):
        raise error
    return error


def problem_fields(error: DomainError, *, otherwise: str = "form") -> dict[str, str]:
    """A domain refusal's problems by the field each names (`profile[2].period` is `profile`), first one each."""
    about_the_form(error)
    found: dict[str, str] = {}
    for problem in error.problems:
        name = (problem.field or otherwise).split("[")[0].split(".")[0]
        found.setdefault(name, problem.detail)
    return found or {otherwise: error.detail}

"""Text the API's document allows is text the service takes: the name and e-mail patterns are held to the checks."""

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from benefits.columns import Name
from benefits.models.person import EMAIL_PATTERN, _email
from benefits.text import NAME_PATTERN

# Letters, the characters at the edges of the rules (whitespace of every kind, controls, format and combining marks,
# unassigned and private-use code points, noncharacters), and the parts of an address.
edges = st.sampled_from(
    [
        *"aZ0@.-_ \t\n\x0b\x1c\x1d\x85\xa0\u1680\u2007\u2028\u200b\u200e\u202e\u0301\u0483\u00ad\ue000\ufffe",
        *("\U000500d5", "\U0001f600", "\u0130", "\x00", "\x08", "\x9d"),
    ]
)
texts = st.one_of(st.lists(edges, max_size=12).map("".join), st.text(max_size=12))


def _taken(check: Any, text: str) -> bool:
    try:
        check(text)
    except (ValueError, ValidationError):
        return False
    return True


@given(text=texts)
def test_a_name_is_taken_exactly_when_its_pattern_allows_it(text: str) -> None:
    assert (re.search(NAME_PATTERN, text) is not None) == _taken(TypeAdapter(Name).validate_python, text), repr(text)


@given(local=texts, domain=texts, top=texts)
def test_an_address_is_taken_exactly_when_its_pattern_allows_it(local: str, domain: str, top: str) -> None:
    for text in (f"{local}@{domain}.{top}", local):
        assert (re.search(EMAIL_PATTERN, text) is not None) == _taken(_email, text), repr(text)

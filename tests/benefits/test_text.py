"""The rules for text the record may hold, and the text every exported cell can hold."""

import unicodedata
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from benefits.columns import Code, LongText, Name, Reason, RequiredReason, ShortText
from benefits.text import check_line, check_name, check_prose, for_xml, is_noncharacter, problem_in

NONCHARACTERS = [chr(point) for point in range(0xFDD0, 0xFDF0)] + [
    chr(plane << 16 | last) for plane in range(17) for last in (0xFFFE, 0xFFFF)
]
ONE_LINE = [Name, ShortText, Code]
PROSE = [LongText, Reason, RequiredReason]


def _refusal(kind: Any, text: str) -> str:
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(kind).validate_python(text)
    return str(refused.value.errors()[0]["msg"])


def test_unicode_has_66_noncharacters_and_each_is_known() -> None:
    assert len(NONCHARACTERS) == 66
    found = [chr(point) for point in range(0x110000) if is_noncharacter(chr(point))]
    assert found == sorted(NONCHARACTERS)


@pytest.mark.parametrize("character", NONCHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("kind", ONE_LINE + PROSE, ids=lambda k: str(k)[:40])
def test_every_text_field_refuses_every_noncharacter_and_says_where(kind: Any, character: str) -> None:
    message = _refusal(kind, f"ab{character}c")
    assert f"noncharacter (U+{ord(character):04X}) at position 3" in message
    assert "remove it" in message


@pytest.mark.parametrize("kind", ONE_LINE + PROSE, ids=lambda k: str(k)[:40])
def test_control_characters_are_refused_everywhere_but_tab_and_line_breaks_in_prose(kind: Any) -> None:
    # Every C0 and C1 control and DEL, each in the middle of a word so stripping cannot remove it.
    controls = [chr(point) for point in [*range(0x01, 0x20), 0x7F, *range(0x80, 0xA0)]]
    prose_allows = {"\t", "\n", "\r"} if kind in PROSE else set()
    for character in controls:
        if character in prose_allows:
            assert TypeAdapter(kind).validate_python(f"a{character}b") == f"a{character}b"
        else:
            message = _refusal(kind, f"a{character}b")
            assert f"(U+{ord(character):04X}) at position 2" in message, character


def test_escape_vertical_tab_and_form_feed_are_named_in_the_refusal() -> None:
    assert "holds a control character (U+001B) at position 3; remove it" in _refusal(Name, "ab\x1bc")
    assert "(U+000B)" in _refusal(LongText, "ab\x0bc")
    assert "(U+000C)" in _refusal(Reason, "ab\x0cc")
    assert "keep this field to one line" in _refusal(ShortText, "first\nsecond")
    assert "line break (U+2028) at position 6; keep this field to one line" in _refusal(Name, "first\u2028second")
    assert TypeAdapter(LongText).validate_python("first\u2029second") == "first\u2029second"


@pytest.mark.parametrize(
    "text",
    ["\u200b", "\u200b\u200c\u200d", "\u2060\ufeff", " \u200b ", "\u00ad", "\u0301\u0302", "\u3164", "\u2800"],
    ids=repr,
)
def test_a_name_must_show_a_visible_character(text: str) -> None:
    assert "shows no visible character" in _refusal(Name, text)


@pytest.mark.parametrize("text", ["Ana", "e\u0301", "\u05e9\u05dc\u05d5\u05dd", "\U0001f468\u200d\U0001f469", "5"])
def test_names_in_any_script_with_joiners_and_combining_marks_are_kept(text: str) -> None:
    assert TypeAdapter(Name).validate_python(text) == text


@pytest.mark.parametrize("character", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
def test_bidirectional_overrides_are_refused_in_one_line_text_and_kept_in_prose(character: str) -> None:
    for kind in ONE_LINE:
        assert "bidirectional override" in _refusal(kind, f"invoice{character}fdp.exe")
    for kind in PROSE:
        assert TypeAdapter(kind).validate_python(f"quoted {character}text") == f"quoted {character}text"


def test_the_checks_name_the_first_character_wrong_with_its_position_counted_from_one() -> None:
    assert problem_in("ab\uffff\x1b", prose=True) == "holds a noncharacter (U+FFFF) at position 3; remove it"
    assert problem_in("fine text", prose=False) is None
    assert check_name("Pay") == "Pay" and check_line("x") == "x" and check_prose("a\nb") == "a\nb"


# Awkward text: every noncharacter and control, bidi marks, zero-width, astral and combining characters.
AWKWARD = st.text(
    st.one_of(
        st.sampled_from(NONCHARACTERS),
        st.characters(codec="utf-8"),
        st.sampled_from("\x1b\x0b\x0c\x85\u202e\u2066\u200b\ufeff\u0301\U0001f600\U00010348\ud800"),
    ),
    max_size=20,
)


def _xml_allows(character: str) -> bool:
    # XML 1.0's Char production.
    point = ord(character)
    return point in (0x9, 0xA, 0xD) or 0x20 <= point <= 0xD7FF or 0xE000 <= point <= 0xFFFD or point >= 0x10000


@given(AWKWARD)
@settings(max_examples=300, deadline=None)
def test_text_fit_for_xml_is_what_an_xml_parser_reads_back(text: str) -> None:
    cleaned = for_xml(text)
    assert all(_xml_allows(character) for character in cleaned)
    assert not any(
        is_noncharacter(character) or unicodedata.category(character) == "Cc"
        for character in cleaned
        if character not in "\t\n\r"
    )
    # Every character XML may hold, and no other, is kept, in order.
    assert cleaned == "".join(
        c for c in text if _xml_allows(c) and not is_noncharacter(c) and not 0x7F <= ord(c) <= 0x9F
    )
    parsed = ElementTree.fromstring(f"<c>{cleaned.replace('&', '&amp;').replace('<', '&lt;')}</c>".encode())
    assert (parsed.text or "") == cleaned.replace("\r\n", "\n").replace("\r", "\n")


@given(AWKWARD)
@settings(max_examples=300, deadline=None)
def test_text_a_field_accepts_is_text_an_export_keeps_whole(text: str) -> None:
    for kind in ONE_LINE + PROSE:
        try:
            kept = TypeAdapter(kind).validate_python(text)
        except ValidationError:
            continue
        assert for_xml(kept) == kept

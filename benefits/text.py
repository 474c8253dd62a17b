"""What text the record may hold: the rules every text field is checked by once, where text comes in."""

import re
import unicodedata

# Characters that show nothing on their own: a name made only of these (and whitespace) names nothing.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u115f\u1160\u3164\uffa0\u2800")
# Bidirectional overrides and isolates reorder the text around them: in a name or a label they can make one
# thing read as another (a file name, an amount), so they are refused there; long prose may quote them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# The only control characters prose may hold: tab, line feed and carriage return.
_PROSE_CONTROLS = frozenset("\t\n\r")

# What XML 1.0 (and so every .xlsx cell) cannot hold: C0 controls but tab, newline and return; surrogates;
# U+FFFE and U+FFFF. Noncharacters and C1 controls are "discouraged" there, and dropped as well.
_NOT_FOR_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


def is_noncharacter(character: str) -> bool:
    """True for Unicode's 66 noncharacters (U+FDD0 to U+FDEF and the last two code points of every plane)."""
    point = ord(character)
    return 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE


def _point(character: str) -> str:
    return f"U+{ord(character):04X}"


def _refusal(kind: str, character: str, index: int, advice: str = "remove it") -> str:
    return f"holds {kind} ({_point(character)}) at position {index + 1}; {advice}"


def problem_in(text: str, *, prose: bool) -> str | None:
    """Why the text cannot be kept, or None. Prose (notes, descriptions) may hold tabs, line breaks and bidi marks."""
    for index, character in enumerate(text):
        category = unicodedata.category(character)
        if category == "Cc" and not (prose and character in _PROSE_CONTROLS):
            if character in _PROSE_CONTROLS:
                return _refusal("a tab or line break", character, index, "keep this field to one line")
            return _refusal("a control character", character, index)
        if category in ("Zl", "Zp") and not prose:
            return _refusal("a line break", character, index, "keep this field to one line")
        if category == "Cs":
            return _refusal("a lone surrogate", character, index)
        if is_noncharacter(character):
            return _refusal("a noncharacter", character, index)
        if not prose and character in _BIDI_CONTROLS:
            return _refusal("a bidirectional override", character, index)
    return None


def is_visible(character: str) -> bool:
    """True for a character that shows something by itself: not whitespace, a control, a format mark or one of the
    common combining marks; the rule NAME_PATTERN writes (an unassigned code point shows a box, so it counts)."""
    return _SHOWN.fullmatch(character) is not None


def check_line(text: str) -> str:
    """One line of text (a label, an owner, a code); raises ValueError naming what is wrong."""
    problem = problem_in(text, prose=False)
    if problem:
        raise ValueError(problem)
    return text


def check_prose(text: str) -> str:
    """Free text over several lines (a description, a note, a reason); raises ValueError naming what is wrong."""
    problem = problem_in(text, prose=True)
    if problem:
        raise ValueError(problem)
    return text


def check_name(text: str) -> str:
    """A name: one line that shows at least one character; raises ValueError naming what is wrong."""
    check_line(text)
    if text and not any(is_visible(character) for character in text):
        raise ValueError("shows no visible character (only spaces, zero-width or format characters); type a name")
    return text


def for_xml(text: str, replacement: str = "") -> str:
    """The text with every character XML cannot hold (or should not) replaced, so older records still export."""
    return _NOT_FOR_XML.sub(replacement, text)


def _escaped(characters: str) -> str:
    """Characters for a regular-expression class, as \\u escapes that Python's re and JSON Schema tools both read."""
    return "".join(f"\\u{ord(character):04x}" for character in sorted(characters))


# What each kind of text may not hold, for the patterns below: controls, noncharacters of the first plane, and for
# one line also line separators and bidirectional overrides. Surrogates are left out (no JSON text holds one), and
# so are the noncharacters beyond the first plane, which a class of the first plane cannot name.
_NOT_IN_LINE = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\ufdd0-\\ufdef\\ufffe\\uffff" + _escaped(
    "".join(_BIDI_CONTROLS)
)
_NOT_IN_PROSE = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\ufdd0-\\ufdef\\ufffe\\uffff"
# What one-line fields and reasons lose from both ends before they are checked: Unicode's White_Space characters,
# as pydantic strips them.
_STRIPPED = "\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# What never counts as showing something: the invisible characters above, combining marks of the common blocks,
# variation selectors, format characters and private use (a name may not be only these, nor only unassigned code
# points, which no short class can name).
_NEVER_SHOWN = (
    _escaped("".join(_INVISIBLE))
    + "\\u00ad\\u034f\\u061c\\u0300-\\u036f\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f"
    + "\\ufe00-\\ufe0f\\ufff0-\\ufffb\\ue000-\\uf8ff"
)


def _stripped_pattern(refused: str, *, required: bool) -> str:
    core = f"[^{refused}]*[^{refused}{_STRIPPED}]"
    return f"^[{_STRIPPED}]*{core if required else f'(?:{core})?'}[{_STRIPPED}]*$"


# What a one-line field may not hold, for other patterns built on the same rule (an e-mail address).
LINE_FORBIDDEN = _NOT_IN_LINE
_SHOWN = re.compile(f"[^{_NOT_IN_LINE}{_STRIPPED}{_NEVER_SHOWN}\\u001c-\\u001f]")

# The text rules as JSON Schema patterns, so a client reads them in the API's document rather than meeting a 422.
LINE_PATTERN = _stripped_pattern(_NOT_IN_LINE, required=False)


def _name_pattern(refused: str) -> str:
    return f"^[{_STRIPPED}]*[^{refused}]*[^{refused}{_STRIPPED}{_NEVER_SHOWN}][^{refused}]*[{_STRIPPED}]*$"


NAME_PATTERN = _name_pattern(_NOT_IN_LINE)
# A person's name holds no @: a person is named by name or by e-mail address, and one must not pass for the other.
PERSON_NAME_PATTERN = _name_pattern(_NOT_IN_LINE + "@")
PROSE_PATTERN = f"^[^{_NOT_IN_PROSE}]*$"
REASON_PATTERN = _stripped_pattern(_NOT_IN_PROSE, required=False)
REQUIRED_REASON_PATTERN = _stripped_pattern(_NOT_IN_PROSE, required=True)

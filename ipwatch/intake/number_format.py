"""A number as Excel shows it under its cell's number format: what decides whether it is a percentage.

A bare `%` in the format's section for the number multiplies it by 100 and shows a percent sign (`0.0%` shows 0.05
as 5.0%); a `%` in quotes (`0.0"%"`), after a backslash (`0.0\\%`) or as a fill character (`*%`) is literal text,
shown beside the number as typed (5 shows as 5.0%). Sections are `positive;negative;zero;text`; square brackets hold
a colour, a locale or a condition, never a percent. openpyxl reads formats only to tell dates (`is_date_format`),
so the section and the literals are read here.
"""

from __future__ import annotations

import functools
from decimal import Decimal

# Excel keeps and shows 15 significant digits of a number: beyond them a double holds only the binary rounding of a
# formula's result (=1425*0.1*10 is 1424.9999999999998 in the file, 1425 in the cell and the formula bar).
EXCEL_DIGITS = 15


def excel_number(value: float | int) -> Decimal:
    """A number as Excel holds it for a person: at most 15 significant digits (a typed 1424.99999999999 stays so)."""
    return Decimal(format(value, f".{EXCEL_DIGITS}g")) if isinstance(value, float) else Decimal(value)


def shown_number(value: float, number_format: str | None) -> str:
    """`value` as its format shows it: a percentage as its text ('11.74%'), any other number as Excel holds it."""
    scale, percent = percent_of(section_for(number_format or "", value))
    shown = excel_number(value) * 100**scale if percent else excel_number(value)
    text = format(shown.normalize(), "f")
    return f"{text}%" if percent else text


def section_for(number_format: str, value: float) -> str:
    """The section of a format that a number is shown in (a negative one in the second, zero in the third)."""
    parts = sections(number_format)
    if value < 0 and len(parts) > 1:
        return parts[1]
    if value == 0 and len(parts) > 2:
        return parts[2]
    return parts[0]


@functools.cache
def sections(number_format: str) -> tuple[str, ...]:
    """A format split at its semicolons, except those in quotes, brackets or after a backslash."""
    parts, start, index = [], 0, 0
    while index < len(number_format):
        char = number_format[index]
        if char == ";":
            parts.append(number_format[start:index])
            start = index + 1
        index = skipped(number_format, index)
    return (*parts, number_format[start:])


@functools.cache
def percent_of(section: str) -> tuple[int, bool]:
    """(how many bare `%` scale the number, whether a `%` is shown at all) in one section of a format."""
    scale, shown, index = 0, False, 0
    while index < len(section):
        following = skipped(section, index)
        char = section[index]
        if char == "%":
            scale += 1
        elif char in '"\\*' and "%" in section[index + 1:following]:
            shown = True
        index = following
    return scale, shown or scale > 0


def skipped(text: str, index: int) -> int:
    """The index after the token starting at `index`: a quoted text, a bracket, an escaped or padded character,
    or one character."""
    char = text[index]
    if char == '"':
        end = text.find('"', index + 1)
        return len(text) if end < 0 else end + 1
    if char == "[":
        end = text.find("]", index + 1)
        return len(text) if end < 0 else end + 1
    if char in "\\_*":  # \x and *x show x; _x is a space as wide as x, which is not shown
        return min(index + 2, len(text))
    return index + 1

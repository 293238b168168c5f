"""Which encoding a text submission is in, decided for the whole file on its evidence, never guessed.

UTF-16 by its byte-order mark (Excel's "Unicode text"); else UTF-8 when the whole file is valid UTF-8 (a line of
`—`, `935‰` or `é` is UTF-8 as much as one of Chinese); else GB18030, provided no line is UTF-8 instead: a file that
mixes the two (lines pasted from another file) is refused at the first line that differs. Lines end with \\n, \\r\\n
or a lone \\r alike, as the CSV reader splits them, so a line number here is the reader's.
"""

from __future__ import annotations

import codecs
import functools
import io
from collections.abc import Iterator
from typing import BinaryIO

from ipwatch.intake.errors import ReadError

BLOCK = 1024 * 1024
# Valid UTF-8 that decodes to CJK is UTF-8 text; GBK bytes that happen to be valid UTF-8 ("缺失" reads as "ȱʧ")
# never decode to CJK, so in a file that is not UTF-8 as a whole such a line is GBK's.
CJK = "\u2e80"


def encoding_of(path) -> str:
    """'utf-16', 'utf-8' or 'gb18030': the one encoding all of the file at `path` is in, or ReadError."""
    with path.open("rb") as handle:
        if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        handle.seek(0)
        if all_utf8(handle):
            return "utf-8"
        handle.seek(0)
        return not_utf8(handle)


def all_utf8(handle: BinaryIO) -> bool:
    """True when every byte from here on is strict UTF-8 and none is NUL (binary, refused at its line later)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        for block in iter(functools.partial(handle.read, BLOCK), b""):
            if b"\x00" in block:
                return False
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def not_utf8(handle: BinaryIO) -> str:
    """The encoding of a file that is not UTF-8 as a whole: GB18030, unless one of its lines is UTF-8 (refused at
    the first line whose encoding differs from an earlier one) or in neither encoding."""
    first: dict[str, int] = {}
    for number, line in enumerate(lines(handle), 1):
        kind = line_encoding(line, number)
        first.setdefault(kind, number)
        if {"utf-8", "gb18030"} <= first.keys():
            earlier = min(first["utf-8"], first["gb18030"])
            raise ReadError(f"第{number}行与第{earlier}行编码不同（文件混用了UTF-8和GBK），请统一另存为UTF-8"
                            f" (line {number} is not in the encoding of line {earlier}:"
                            " the file mixes UTF-8 and GBK)", line=number)
    return "gb18030" if "gb18030" in first else "utf-8"


def lines(handle: BinaryIO) -> Iterator[bytes]:
    """The file's lines as bytes, each ended by \\n, \\r\\n or a lone \\r: Latin-1 maps every byte to one character
    and back, so Python's universal newlines split the bytes as the CSV reader splits the text."""
    text = io.TextIOWrapper(handle, encoding="latin-1", newline=None)
    try:
        for line in text:
            yield line.encode("latin-1")
    finally:
        text.detach()  # the caller's handle stays open, as it was given


def line_encoding(line: bytes, number: int) -> str:
    """'ascii', 'utf-8' or 'gb18030': the encoding one line of a file that is not UTF-8 as a whole is in."""
    if b"\x00" in line:
        raise ReadError("文件含二进制内容，不是CSV或xlsx (binary content: not a CSV or xlsx file)", line=number)
    if line.isascii():
        return "ascii"
    utf8, gb18030 = decoded(line, "utf-8"), decoded(line, "gb18030")
    if utf8 is not None and (gb18030 is None or any(ch >= CJK for ch in utf8)):
        return "utf-8"
    if gb18030 is None:
        raise ReadError(f"第{number}行既不是UTF-8也不是GB18030编码，请另存为UTF-8"
                        f" (line {number} is neither UTF-8 nor GB18030)", line=number)
    return "gb18030"


def decoded(line: bytes, encoding: str) -> str | None:
    """The line's text in `encoding`, or None when it is not valid in it."""
    try:
        return line.decode(encoding)
    except UnicodeDecodeError:
        return None

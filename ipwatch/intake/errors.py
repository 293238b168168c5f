"""The one error of reading: a file that cannot be read as a submission, with the line (and column) it is about."""

from __future__ import annotations


class ReadError(ValueError):
    """The file cannot be read as a submission at all; the message says why, in Chinese and English."""

    def __init__(self, message: str, line: int | None = 1, column: str | None = None):
        super().__init__(message)
        self.line, self.column = line, column

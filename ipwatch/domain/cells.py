"""A cell's text as ipwatch compares it: offices type on Chinese input methods, so ２０２５Ｑ３ and 2025Q3 are one
period, ＰＣＴ and PCT one name, and a name with a stray space around it is still that name."""

from __future__ import annotations

import unicodedata


def text(value: str | None) -> str:
    """NFKC (full-width digits, letters and points to ASCII), trimmed."""
    return unicodedata.normalize("NFKC", value or "").strip()

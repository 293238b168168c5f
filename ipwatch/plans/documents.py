"""A plan document as blocks of text: paragraphs (lines) and table rows, in reading order, from .txt, .docx,
.pdf or .html. Text is kept exactly as the document has it, so a proposal's source can be found in it."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")


class DocumentError(ValueError):
    """A document that cannot be read: its message is for the administrator, in Chinese with English beside."""


@dataclass(frozen=True)
class Block:
    text: str  # a paragraph, or a table row's cells joined by one space
    cells: tuple[str, ...] = ()  # a table row's cells; empty for a paragraph

    @property
    def is_row(self) -> bool:
        """Whether the block is a row of a table."""
        return bool(self.cells)


def row(cells: list[str]) -> Block:
    """A table row whose text is its non-empty cells, each on one line, joined by a space."""
    kept = tuple(" ".join(c.split()) for c in cells)
    return Block(" ".join(c for c in kept if c), kept)


def read(path: Path) -> list[Block]:
    """Every block of the document at `path`."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(f"不支持的文件类型 {suffix or '（无扩展名）'}，请提供 .txt、.docx、.pdf 或 .html "
                            f"(unsupported file type; give .txt, .docx, .pdf or .html)")
    if not path.is_file():
        raise DocumentError(f"找不到文件 {path.name} (file not found)")
    reader = {".txt": _text, ".docx": _docx, ".pdf": _pdf, ".html": _html, ".htm": _html}[suffix]
    blocks = [b for b in reader(path) if b.text.strip()]
    if not blocks:
        raise DocumentError(f"{path.name} 中没有可读的文字 (no text could be read; a scanned PDF needs OCR first)")
    return blocks


def _text(path: Path) -> list[Block]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return [Block(line.rstrip("\r")) for line in raw.decode(encoding).split("\n")]
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{path.name} 不是 UTF-8 或 GB18030 编码的文本 (not UTF-8 or GB18030 text)")


def _docx(path: Path) -> list[Block]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds for a damaged package
        raise DocumentError(f"{path.name} 不是可读的 Word 文档 (not a readable .docx)") from exc
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(Block(item.text))
        elif isinstance(item, Table):
            blocks.extend(row([_unique_cell(c) for c in _cells(r)]) for r in item.rows)
    return blocks


def _cells(table_row) -> list:
    """A row's cells once each: python-docx repeats a merged cell for every grid column it spans."""
    seen, cells = set(), []
    for cell in table_row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            cells.append(cell)
    return cells


def _unique_cell(cell) -> str:
    return "".join(p.text for p in cell.paragraphs)


def _pdf(path: Path) -> list[Block]:
    import pdfplumber

    # pdfminer warns of every font descriptor it finds incomplete: noise for an administrator, not a fault
    logging.getLogger("pdfminer").setLevel(logging.ERROR)

    blocks: list[Block] = []
    try:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                tables = page.find_tables()
                boxes = [t.bbox for t in tables]
                outside = page.filter(lambda obj, boxes=boxes: not any(_inside(obj, b) for b in boxes))
                placed = [(t.bbox[1], [row([ideographs(c) for c in _pdf_cells(r)]) for r in t.extract()])
                          for t in tables]
                placed += [(line["top"], [Block(ideographs(line["text"]))]) for line in outside.extract_text_lines()]
                for _, found in sorted(placed, key=lambda p: p[0]):
                    blocks.extend(found)
    except DocumentError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds for a damaged file
        raise DocumentError(f"{path.name} 不是可读的 PDF (not a readable PDF)") from exc
    return _joined_pdf_lines(blocks)


def _pdf_cells(cells: list[str | None]) -> list[str]:
    return [re.sub(r"\s*\n\s*", "", c or "") for c in cells]


# A PDF's fonts often map a character to its Kangxi radical's code point (⾦ U+2FA6 for 金): the same glyph, another
# character, which no wording would match. Only those are mapped to the ideograph; the rest is kept as extracted.
_RADICALS = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0x2F00, 0x2FD6)}
# Most of the CJK Radicals Supplement has no such mapping in Unicode: these are the ideographs its radicals draw
# (⻓ 长 in 增⻓, ⻔ 门 in 专⻔, ⺠ 民 in ⺠事), by their names (CJK RADICAL C-SIMPLIFIED LONG, GATE, CIVILIAN, ...).
_RADICALS |= {ord(radical): ideograph for radical, ideograph in zip(
    "⺠⺼⻘⻝⻣⻤⺰⻅⻆⻈⻉⻋⻐⻓⻔⻙⻚⻛⻜⻠⻢⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
    "民月青食骨鬼纟见角讠贝车钅长门韦页风飞饣马鱼鸟卤麦黄黾齐齿龙龟", strict=True)}
# A simplified-Chinese font draws 户 with the glyph of the radical ⼾ (DOOR), whose ideograph is the traditional 戶:
# plans are written in simplified Chinese (每万户, 300户).
_RADICALS[ord("⼾")] = _RADICALS[ord("戶")] = "户"


def ideographs(text: str) -> str:
    """Text with Kangxi radicals as the ideographs they stand for."""
    return text.translate(_RADICALS)


def _inside(obj: dict, box: tuple) -> bool:
    x0, top, x1, bottom = box
    return obj.get("x0", 0) >= x0 - 1 and obj.get("x1", 0) <= x1 + 1 and obj.get("top", 0) >= top - 1 \
        and obj.get("bottom", 0) <= bottom + 1


# A PDF breaks a paragraph into lines of the page's width: a line ending without a sentence's end goes on.
_ENDS = tuple("。；;：:！？!?")


def _joined_pdf_lines(blocks: list[Block]) -> list[Block]:
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if previous and not block.is_row and not previous.is_row and not previous.text.endswith(_ENDS) \
                and not _heading(block.text):
            joined[-1] = Block(previous.text + block.text)
        else:
            joined.append(block)
    return joined


def _heading(line: str) -> bool:
    return bool(re.match(r"\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.．、]|——)", line))


def _html(path: Path) -> list[Block]:
    import lxml.html

    raw = path.read_bytes()
    try:
        root = lxml.html.document_fromstring(raw)
    except Exception as exc:  # noqa: BLE001 - lxml raises several kinds on a broken page
        raise DocumentError(f"{path.name} 不是可读的网页 (not readable HTML)") from exc
    for junk in root.xpath("//script|//style|//noscript"):
        junk.drop_tree()
    blocks: list[Block] = []
    for element in root.iter("p", "div", "h1", "h2", "h3", "h4", "li", "tr", "td", "th", "br", "table"):
        if element.tag == "tr":
            blocks.append(row([" ".join(c.text_content().split()) for c in element.xpath("./td|./th")]))
        elif element.tag in ("p", "h1", "h2", "h3", "h4", "li") and not element.xpath("ancestor::table"):
            if not element.xpath(".//p|.//li|.//table"):
                blocks.extend(Block(line) for line in element.text_content().split("\n"))
        elif element.tag == "div" and not element.xpath("ancestor::table") and not element.xpath(
                ".//p|.//div|.//table|.//li|.//h1|.//h2|.//h3|.//h4"):
            blocks.extend(Block(line) for line in element.text_content().split("\n"))
    return blocks


"""A small XLSX writer for the reports (issue 14): an Office Open XML spreadsheet (ECMA-376) is
a zip of a few XML parts, written here column by column, so that tens of thousands of rows take
tens of milliseconds (openpyxl spends ~25 µs a cell).

Invariants: the parts, their content types and relationship types are those ECMA-376 names
([Content_Types].xml, _rels/.rels, xl/workbook.xml, xl/_rels/workbook.xml.rels, xl/styles.xml,
xl/worksheets/sheetN.xml); strings are inline (t="inlineStr"), XML-escaped, characters XML 1.0
forbids dropped; ints and Decimals are written as plain decimal numbers (never through float);
dates are serial day numbers of the 1900 date system with the date style; money columns get
"#,##0.00"; the first row is bold and frozen; a None cell is left out; sheet names are unique,
at most 31 characters, free of []:*?/\\ and of an apostrophe at either end.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from itertools import chain, compress, count, repeat, zip_longest
from operator import is_, is_not
from typing import cast
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

MONEY_FORMAT = "#,##0.00"  # built-in number format 4
DATE_FORMAT = "DD.MM.YYYY"  # custom number format 164
BOLD, MONEY, DATE = 1, 2, 3  # indexes into cellXfs below
STYLES = (
    f'{HEAD}<styleSheet xmlns="{MAIN}">'
    f'<numFmts count="1"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/></numFmts>'
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)
ORDINAL = date(1899, 12, 30).toordinal()  # serial 1 is 01.01.1900 (Excel's 29.02.1900 counted)
MAX_TEXT = 32767  # characters a cell holds
BAD_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})
# What a string may not carry as is: markup characters and those XML 1.0 forbids.
SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# In a column's strings joined by NUL: a forbidden character or whitespace at a string's end.
UNUSUAL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
                     r"|(?:^|\x00)\s|\s(?:\x00|$)")
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Value = str | int | Decimal | date | None


@dataclass(frozen=True, slots=True)
class Table:
    """One worksheet: its title, the header row, the rows and which columns hold money. Or,
    instead of `rows`, its `columns` (what crosses to a worker process cheaply): then the
    text cells of a `numeric` column are numbers already written out (`number`)."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Value]]
    money_columns: Sequence[int] = ()
    columns: Sequence[Sequence[Value]] | None = None
    numeric: frozenset[int] = frozenset()


def column_major(table: Table) -> Table:
    """The table by columns, its Decimal columns written out as numbers (pickling a string
    costs a tenth of pickling a Decimal, and the writer needs the text anyway)."""
    if table.columns is not None:
        return table
    columns: list[Sequence[Value]] = list(zip_longest(*table.rows)) if table.rows else []
    numeric = set()
    for col, values in enumerate(columns):
        kinds = set(map(type, values))
        if Decimal in kinds and kinds <= {Decimal, int, type(None)}:
            shown: list[Value] = list(map(str, values))
            if "E" in "".join(map(str, shown)):  # an exponent somewhere: plain digits
                shown = [None if v is None else number(v) for v in values]  # type: ignore[arg-type]
            for i in compress(count(), map(is_, values, repeat(None))):
                shown[i] = None
            columns[col] = shown
            numeric.add(col)
    return Table(table.title, table.header, (), table.money_columns, columns,
                 frozenset(numeric))


def letters(col: int) -> str:
    """The column's letters: 0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        out = chr(65 + rest) + out
    return out


def text(value: str) -> str:
    """A string as XML character data (escaped, forbidden characters dropped)."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if SPECIAL.search(value) is None:
        return value
    return escape(FORBIDDEN.sub("", value))


def number(value: int | Decimal) -> str:
    """A plain decimal number (no exponent), exactly the value."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    return format(value, "f")


def serial(day: date) -> str:
    """The day as Excel's serial number (a datetime keeps its time as the fraction)."""
    if isinstance(day, datetime):
        delta = day.replace(tzinfo=None) - datetime(1899, 12, 30)
        return number(Decimal(delta.days) + Decimal(delta.seconds) / 86400)
    return str(day.toordinal() - ORDINAL)


def inline(value: str) -> str:
    """A text cell's content (`<is>`), whitespace at its ends kept."""
    shown = text(value)
    if shown[:1].isspace() or shown[-1:].isspace():
        return f'<is><t xml:space="preserve">{shown}</t></is>'
    return f"<is><t>{shown}</t></is>"


def cell(value: Value, money: bool, ref: str = "") -> str:
    """One cell of any type (`ref` given when the previous cell was left out)."""
    r = f' r="{ref}"' if ref else ""
    if value is None:
        return ""
    if isinstance(value, str):
        return f'<c{r} t="inlineStr">{inline(value)}</c>'
    if isinstance(value, date):
        return f'<c{r} s="{DATE}"><v>{serial(value)}</v></c>'
    if isinstance(value, bool):
        return f'<c{r} t="b"><v>{number(value)}</v></c>'
    if isinstance(value, int | Decimal):
        style = f' s="{MONEY}"' if money else ""
        return f"<c{r}{style}><v>{number(value)}</v></c>"
    return f'<c{r} t="inlineStr">{inline(str(value))}</c>'


def row_xml(n: int, values: Sequence[Value], money: set[int],
            numeric: frozenset[int] = frozenset()) -> str:
    """One row cell by cell: a cell after a left-out one names its place."""
    out = [f'<row r="{n}">']
    gap = False
    for col, value in enumerate(values):
        if value is None:
            gap = True
            continue
        ref = f"{letters(col)}{n}" if gap else ""
        if col in numeric and type(value) is str:  # a number written out already
            r = f' r="{ref}"' if ref else ""
            style = f' s="{MONEY}"' if col in money else ""
            out.append(f"<c{r}{style}><v>{value}</v></c>")
        else:
            out.append(cell(value, col in money, ref))
        gap = False
    out.append("</row>")
    return "".join(out)


def shown_width(value: Value, money: bool) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value)
    if isinstance(value, date):
        return 10
    if isinstance(value, int | Decimal):
        return len(number(value)) + (4 if money else 0)
    return len(str(value))


def converted(values: Sequence[Value], kind: type, pure: bool
              ) -> tuple[Sequence[str], str, str, int] | None:
    """A column whose cells are mostly of one `kind`, converted whole (at C speed): each cell's
    text (garbage where the cell is of another kind: those rows are written cell by cell), what
    goes before and after it, and the widest shown length; None for a kind written cell by
    cell. `pure`: every cell is of that kind."""
    if kind is str:
        strings = cast(Sequence[str], values) if pure else \
            [v if type(v) is str else "" for v in values]
        width = max(map(len, strings), default=0)
        joined = "\x00".join(strings)
        if width > MAX_TEXT or joined.count("\x00") != len(strings) - 1 \
                or UNUSUAL.search(joined) is not None:  # rare: string by string
            return [inline(v) for v in strings], '<c t="inlineStr">', "</c>", width
        if "&" in joined or "<" in joined or ">" in joined:
            strings = escape(joined).split("\x00")
        return strings, '<c t="inlineStr"><is><t>', "</t></is></c>", width
    if kind is Decimal or kind is int:
        shown = list(map(str, values))
        if "E" in "".join(shown):  # str() wrote an exponent somewhere: plain digits instead
            shown = [number(v) if isinstance(v, int | Decimal) else "" for v in values]
        return shown, "<c><v>", "</v></c>", max(map(len, shown), default=0)
    if kind is date:
        shown = [str(v.toordinal() - ORDINAL) if type(v) is date else "" for v in values]
        return shown, f'<c s="{DATE}"><v>', "</v></c>", 10
    return None


def sheet_xml(table: Table) -> str:
    """One worksheet part: dimension, frozen first row, column widths, the header in bold and
    the rows. Columns are converted whole and the rows joined from them at C speed; a row
    with a cell not of its column's usual kind (a total row, an empty cell) is written cell
    by cell."""
    cols = list(table.columns) if table.columns is not None else \
        list(zip_longest(*table.rows)) if table.rows else []
    size = len(cols[0]) if cols else 0
    width = max(len(table.header), len(cols))
    money = set(table.money_columns)
    widths = [len(h) for h in table.header] + [0] * (width - len(table.header))
    odd: set[int] = set()  # a short row gets None cells from zip_longest: odd too
    columns: list[Sequence[str]] = []
    glue = ['<row r="']
    closing = '">'
    for col, values in enumerate(cols):
        if col in table.numeric:  # numbers written out, None where the cell is empty
            empty = list(compress(count(), map(is_, values, repeat(None))))
            odd.update(empty)
            w = max(map(len, filter(None, values)), default=0)
            glue.append(closing + (f'<c s="{MONEY}"><v>' if col in money else "<c><v>"))
            closing = "</v></c>"
            columns.append(values)  # type: ignore[arg-type]
            widths[col] = max(widths[col], w + (4 if col in money else 0))
            continue
        kinds = list(map(type, values))
        kind = Counter(kinds).most_common(1)[0][0]
        pure = kinds.count(kind) == len(kinds)
        done = converted(values, kind, pure)
        if done is None:  # no usual kind (mostly empty, or of another type): all cell by cell
            odd.update(range(size))
            break
        shown, before, after, w = done
        if not pure:
            odd.update(compress(count(), map(is_not, kinds, repeat(kind))))
        if col in money and kind in (int, Decimal):
            before = f'<c s="{MONEY}"><v>'
            w += 4
        glue.append(closing + before)
        closing = after
        columns.append(shown)
        widths[col] = max(widths[col], w)
    glue.append(closing + "</row>")
    head = "".join(f'<c r="{letters(c)}1" s="{BOLD}" t="inlineStr">{inline(h)}</c>'
                   for c, h in enumerate(table.header))
    body = [f'<row r="1">{head}</row>']
    numbers = list(map(str, range(2, size + 2)))
    start = 0
    for stop in [*sorted(odd), size]:
        if stop > start:  # rows start..stop-1, all of their columns' kinds
            k = stop - start
            parts = [numbers[start:stop], *(c[start:stop] for c in columns)]
            streams = [x for pair in zip([repeat(g, k) for g in glue[:-1]], parts, strict=True)
                       for x in pair]
            streams.append(repeat(glue[-1], k))
            body.append("".join(chain.from_iterable(zip(*streams, strict=True))))
        if stop < size:
            row = [c[stop] for c in cols]
            body.append(row_xml(stop + 2, row, money, table.numeric))
            for col, value in enumerate(row):
                widths[col] = max(widths[col], shown_width(value, col in money)
                                  + (4 if col in money and col in table.numeric
                                     and type(value) is str else 0))
        start = stop + 1
    last = max(1, size + 1)
    dimension = f"A1:{letters(max(width, 1) - 1)}{last}"
    sizes = "".join(f'<col min="{c}" max="{c}" width="{min(60, max(8, w + 2))}" '
                    'customWidth="1"/>' for c, w in enumerate(widths, 1))
    return (f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
            f'<dimension ref="{dimension}"/>'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            '</sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{sizes}</cols>" if sizes else "")
            + "<sheetData>" + "".join(body) + "</sheetData></worksheet>")


def titles(names: Sequence[str]) -> list[str]:
    """Sheet names Excel accepts: no []:*?/\\ nor an apostrophe at either end, at most 31
    characters, unique (case aside)."""
    taken: set[str] = set()
    out = []
    for name in names:
        clean = FORBIDDEN.sub("", name).translate(BAD_TITLE).strip(" '")
        base = (clean or "Sheet")[:31].rstrip(" '")
        title, k = base, 2
        while title.lower() in taken:
            suffix = f" {k}"
            title, k = base[:31 - len(suffix)] + suffix, k + 1
        taken.add(title.lower())
        out.append(title)
    return out


def workbook(tables: Sequence[Table], level: int = 1) -> bytes:
    """The tables as one .xlsx (at least one sheet); `level` is the zip's deflate level."""
    tables = list(tables) or [Table("Sheet", (), ())]
    names = titles([t.title for t in tables])
    n = len(tables)
    types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                    f'ContentType="{SML}.worksheet+xml"/>' for i in range(1, n + 1))
    content_types = (
        f'{HEAD}<Types xmlns="{CT}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{SML}.styles+xml"/>'
        f"{types}</Types>")
    root_rels = (f'{HEAD}<Relationships xmlns="{PKG_REL}">'
                 f'<Relationship Id="rId1" Type="{REL}/officeDocument" '
                 'Target="xl/workbook.xml"/></Relationships>')
    sheets = "".join(f"<sheet name={quoteattr(name)} sheetId=\"{i}\" r:id=\"rId{i}\"/>"
                     for i, name in enumerate(names, 1))
    book = (f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>")
    book_rels = (f'{HEAD}<Relationships xmlns="{PKG_REL}">'
                 + "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                           f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
                 + f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>'
                 "</Relationships>")
    stream = BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", book)
        zf.writestr("xl/_rels/workbook.xml.rels", book_rels)
        zf.writestr("xl/styles.xml", STYLES)
        for i, table in enumerate(tables, 1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", sheet_xml(table).encode())
    return stream.getvalue()

"""File connector: a drop folder of CSV (UTF-8, GBK or GB18030) or XLSX exports.

Every value is read as text: ID numbers and phones never pass through a float. CSV encodings are
detected strictly (no lossy error handler anywhere) with a plausibility guard: bytes that
are valid UTF-8 and hold non-ASCII text are UTF-8 (GBK text is almost never valid UTF-8, while
UTF-8 text often decodes as GBK without error), and a decoded header must name the contract's key
columns. A UTF-8 file where the contract expects GBK/GB18030 is quarantined whole with reason
`encoding:utf8_labelled_gbk`. XLSX sheets are parsed from their XML so a number cell keeps the text
Excel stored ("3.30602E+17" stays that); date-formatted cells become ISO dates.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pyarrow as pa
import pyarrow.csv as pacsv

from connectors.base import SourceError, SourceRead, Unit
from connectors.landing import sha256_file
from yiwang.contracts import SourceTable

_UTF8_NAMES = {"utf-8", "utf8", "utf_8", "utf-8-sig"}


class EncodingResult:
    def __init__(self, encoding: str | None, text: str | None, reason: str | None = None):
        self.encoding, self.text, self.reason = encoding, text, reason


def detect_encoding(data: bytes, allowed: tuple[str, ...], expected_header: tuple[str, ...] = ()) -> EncodingResult:
    """Decode `data` strictly with the first plausible encoding, or say why it cannot be taken.

    Returns the encoding and text, or a quarantine reason (`encoding:...`) with the text when it
    could still be read (so the rows can be quarantined one by one with their raw values).
    """
    allowed = tuple(e.lower() for e in allowed) or ("utf-8",)
    try:
        text = data.decode("utf-8-sig")
        is_utf8 = True
    except UnicodeDecodeError:
        text, is_utf8 = None, False
    if is_utf8 and (text.isascii() or any(e in _UTF8_NAMES for e in allowed)):
        return _plausible(text, "utf-8", expected_header)
    if is_utf8:
        label = "gbk" if "gbk" in allowed or "gb18030" in allowed else "_".join(allowed)
        return EncodingResult("utf-8", text, f"encoding:utf8_labelled_{label}")
    implausible = None
    for encoding in allowed:
        if encoding in _UTF8_NAMES:
            continue
        try:
            text = data.decode(encoding)  # strict
        except UnicodeDecodeError:
            continue
        result = _plausible(text, encoding, expected_header)
        if result.reason is None:
            return result
        implausible = implausible or result
    return implausible or EncodingResult(None, None, "encoding:undecodable")


def _plausible(text: str, encoding: str, expected_header: tuple[str, ...]) -> EncodingResult:
    if expected_header:
        first_line = text.split("\n", 1)[0]
        header = next(csv.reader([first_line]), [])
        header = [h.strip() for h in header]
        if not set(expected_header) <= set(header):
            return EncodingResult(encoding, text, "encoding:implausible_header")
    return EncodingResult(encoding, text)


MAX_LINE_BYTES = 1 << 20  # a line of a CSV export longer than this (in UTF-8) refuses the file


def _longest_line(data: bytes) -> tuple[int, int]:
    """(length, 1-based line number) of the longest line."""
    longest, where, start, number = 0, 1, 0, 1
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > longest:
            longest, where = end - start, number
        start, number = end + 1, number + 1
    return longest, where


def _field(row_text: str, index: int) -> str | None:
    fields = next(csv.reader([row_text]), [])
    return fields[index].strip() if index < len(fields) else None


def csv_batches(
    text: str, batch_size: int, name: str = "CSV", key_column: str | None = None
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Parse CSV text into Arrow batches with every column as text (empty cells are null).

    A row whose field count differs from the header's (a truncated last row, an unterminated
    quote, a broken line) refuses the whole file with a SourceError naming the row's key: a full
    export read in part would delete the members it lost.
    """
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    names = [h.strip() for h in header]
    if len(set(names)) != len(names):
        raise SourceError(f"{name}: duplicate column names in CSV header: {names}")
    malformed: list[tuple[int, str]] = []

    def unreadable(error: Exception) -> SourceError:
        return SourceError(f"{name}: not a readable CSV file ({_arrow_reason(error)}); fix or re-export it")

    def invalid(row) -> str:
        malformed.append((row.actual_columns, row.text))
        return "skip"

    data = text.encode("utf-8")
    longest, line = _longest_line(data)
    if longest > MAX_LINE_BYTES:
        # no field of a platform export is megabytes long: the file is broken, and such a value
        # would only exhaust the memory of every stage after this one
        raise SourceError(
            f"{name}: line {line} is {longest / (1 << 20):.1f} MB long, more than the "
            f"{MAX_LINE_BYTES >> 20} MB a row may hold; the file is refused and nothing landed: fix or re-export it"
        )
    block_size = max(1 << 20, batch_size * 256, longest + 2)  # a block must hold a whole row
    try:
        reader = pacsv.open_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_size),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as error:
        raise unreadable(error) from None

    def refuse() -> SourceError:
        actual, row_text = malformed[0]
        key = _field(row_text, names.index(key_column)) if key_column in names else None
        where = f" (key {key})" if key else ""
        if text.rstrip("\r\n").endswith(row_text):
            what = f"the file ends inside a row: its last row has {actual} of {len(names)} fields{where}"
            hint = "it looks truncated; deliver the whole export again"
        else:
            what = (
                f"{len(malformed)} row(s) do not have the header's {len(names)} fields, e.g. one with {actual}{where}"
            )
            hint = "fix or re-export it"
        return SourceError(f"{name}: {what}; the file is refused whole and nothing landed: {hint}")

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for batch in reader:
                if malformed:
                    break
                yield batch
        except pa.ArrowInvalid as error:
            raise unreadable(error) from None
        if malformed:
            raise refuse()

    return reader.schema, batches()


def _arrow_reason(error: Exception) -> str:
    # Arrow quotes the offending row after a colon; a row holds personal data, so it is cut off
    return str(error).split(":", 2)[1].strip() if str(error).count(":") >= 2 else str(error)


def unterminated_last_row(text: str) -> bool:
    """True when rows follow the header and the last one, whole in its fields, ends without a line
    break: writers end every row with one, so the file may have been cut inside its last field.
    (A last row short of fields is refused by `csv_batches` whatever the operator says.)"""
    header, _, body = text.partition("\n")
    if not body.strip() or text.endswith(("\n", "\r")):
        return False
    last = body.rsplit("\n", 1)[-1]
    width = len(next(csv.reader([header]), []))
    return len(next(csv.reader([last]), [])) == width


# -- XLSX ---------------------------------------------------------------------------------------
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_DATE_FORMAT_IDS = set(range(14, 23)) | set(range(45, 48))
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _text(node) -> str:
    return "".join(t.text or "" for t in node.iter(f"{_NS}t"))


def _date_styles(z: zipfile.ZipFile) -> set[int]:
    if "xl/styles.xml" not in z.namelist():
        return set()
    root = ElementTree.fromstring(z.read("xl/styles.xml"))
    custom_dates = set()
    for fmt in root.iter(f"{_NS}numFmt"):
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", fmt.get("formatCode", "")).lower()
        if re.search(r"[dy]", code) or re.search(r"m.*[ds]|[hs].*m", code):
            custom_dates.add(int(fmt.get("numFmtId")))
    xfs = root.find(f"{_NS}cellXfs")
    styles = set()
    for i, xf in enumerate(xfs if xfs is not None else []):
        fmt_id = int(xf.get("numFmtId", 0))
        if fmt_id in _DATE_FORMAT_IDS or fmt_id in custom_dates:
            styles.add(i)
    return styles


def _first_sheet(z: zipfile.ZipFile) -> str:
    workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
    sheet = workbook.find(f"{_NS}sheets/{_NS}sheet")
    rel_id = sheet.get(f"{_REL_NS}id")
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = rel.get("Target").lstrip("/")
            return target if target.startswith("xl/") else f"xl/{target}"
    raise SourceError("XLSX workbook has no first sheet")


def _excel_date(serial: str) -> str:
    value = float(serial)
    moment = _EXCEL_EPOCH + timedelta(days=value)
    if value == int(value):
        return moment.date().isoformat()
    return moment.replace(microsecond=0).isoformat(sep=" ")


def xlsx_rows(path: Path) -> Iterator[list[str | None]]:
    """Rows of the first sheet as text, streaming; number cells keep their stored text."""
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            shared = [_text(si) for si in root.iter(f"{_NS}si")]
        date_styles = _date_styles(z)
        with z.open(_first_sheet(z)) as sheet:
            for _, node in ElementTree.iterparse(sheet, events=("end",)):
                if node.tag != f"{_NS}row":
                    continue
                row: dict[int, str | None] = {}
                for position, cell in enumerate(node.iter(f"{_NS}c")):
                    ref = cell.get("r")
                    col = _column_index(ref) if ref else position
                    kind = cell.get("t", "n")
                    v = cell.find(f"{_NS}v")
                    inline = cell.find(f"{_NS}is")
                    if kind == "inlineStr":
                        value = None if inline is None else _text(inline)
                    elif v is None or v.text is None:
                        value = None
                    elif kind == "s":
                        value = shared[int(v.text)]
                    elif kind == "b":
                        value = "true" if v.text == "1" else "false"
                    elif kind == "n" and int(cell.get("s", 0)) in date_styles:
                        value = _excel_date(v.text)
                    else:
                        value = v.text
                    row[col] = value
                node.clear()
                width = max(row) + 1 if row else 0
                yield [row.get(i) for i in range(width)]


def xlsx_batches(path: Path, batch_size: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    rows = xlsx_rows(path)
    header = next(rows, [])
    names = [str(h).strip() if h is not None else "" for h in header]
    while names and not names[-1]:
        names.pop()
    if "" in names or len(set(names)) != len(names):
        raise SourceError(f"{path.name}: header has empty or duplicate names: {names}")
    schema = pa.schema([(n, pa.string()) for n in names])

    def batches() -> Iterator[pa.RecordBatch]:
        chunk: list[list[str | None]] = []
        for row in rows:
            if not any(v not in (None, "") for v in row):
                continue  # blank row
            chunk.append((row + [None] * len(names))[: len(names)])
            if len(chunk) >= batch_size:
                yield _batch(chunk, schema)
                chunk = []
        if chunk:
            yield _batch(chunk, schema)

    return schema, batches()


def _batch(rows: list[list[Any]], schema: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    return pa.RecordBatch.from_arrays([pa.array(c, type=pa.string()) for c in columns], schema=schema)


# -- the drop folder ----------------------------------------------------------------------------
class FileDropSource:
    """Files matching the contract's file_pattern under a folder; each file is one unit."""

    def __init__(self, folder: str | Path, contract: SourceTable, kind: str, batch_size: int = 50_000):
        self.folder = Path(folder)
        self.contract = contract
        self.kind = kind
        self.batch_size = batch_size
        self.description = str(self.folder / (contract.file_pattern or "*"))

    def close(self) -> None:
        pass

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            # like a missing SQLite store: a share not mounted yet, so a later run may find it
            raise SourceError(
                f"{self.contract.qualified_name}: drop folder {self.folder} does not exist", kind="transient"
            )
        return sorted(p for p in self.folder.glob(self.contract.file_pattern or "*") if p.is_file())

    def units(self, since: Any, taken_files: dict[str, str], full: bool) -> list[Unit]:
        files = self.files()
        if full:
            files = files[-1:]  # a full export: the newest file is the whole table
        units = []
        for path in files:
            digest = sha256_file(path)
            if not full and taken_files.get(path.name) == digest:
                continue
            units.append(Unit(label=path.name, path=path, sha256=digest, snapshot=True))
        return units

    def read(self, unit: Unit) -> SourceRead:
        path = unit.path
        if self.kind == "xlsx":
            try:
                schema, batches = xlsx_batches(path, self.batch_size)
            except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as error:
                raise SourceError(f"{path.name}: not a readable XLSX file ({error})") from None
            return SourceRead(schema=schema, batches=batches, details={"file": path.name})
        data = path.read_bytes()
        if not data.strip():
            raise SourceError(
                f"{path.name}: the file is empty ({len(data)} bytes); it is refused and nothing landed: "
                "deliver the export again or remove the file"
            )
        result = detect_encoding(data, self.contract.encodings, tuple(self.contract.primary_key))
        if result.text is None:
            # Nothing could decode it: one quarantine row per file, raw bytes as hex.
            schema = pa.schema([("_file_bytes", pa.string())])
            batch = pa.RecordBatch.from_arrays([pa.array([data[:4096].hex()])], schema=schema)
            return SourceRead(
                schema=schema,
                batches=iter([batch]),
                file_reason=result.reason,
                details={"file": path.name, "encoding": None},
            )
        key = self.contract.primary_key[0] if self.contract.primary_key else None
        schema, batches = csv_batches(result.text, self.batch_size, path.name, key)
        suspect = None
        if result.reason is None and unterminated_last_row(result.text):
            suspect = f"{path.name}: the last row ends without a line break, so the file may be cut inside it"
        return SourceRead(
            schema=schema,
            batches=batches,
            file_reason=result.reason,
            suspect=suspect,
            details={"file": path.name, "encoding": result.encoding},
        )

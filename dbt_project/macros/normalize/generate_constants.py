"""Write `_yw_normalize_constants.sql`: the tables the SQL normalisers share with `yiwang.normalize`.

The dbt macros in this folder must give the same answers as the Python normalisers, so every
table they need (province codes, credit-code authorities and weights, the width-folding table,
name placeholders and masks, OpenCC's traditional → simplified characters, sex codes) is
generated from the Python code instead of being typed twice. Run after changing one of those
tables or upgrading OpenCC:

    uv run python dbt_project/macros/normalize/generate_constants.py

`tests/dbt/normalize/test_dbt_normalize_constants.py` fails while the committed file differs from
the output.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import opencc

from yiwang.normalize import credit_code, identity, names, sex, text

OUTPUT = Path(__file__).with_name("_yw_normalize_constants.sql")


def _escape(ch: str) -> str:
    """One character inside a Jinja string literal: escaped unless printable ASCII or CJK."""
    code = ord(ch)
    if ch in "'\\":
        return "\\" + ch
    if 0x20 <= code < 0x7F or (ch.isprintable() and not ch.isspace() and code > 0xFF):
        return ch
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _jinja_string(value: str) -> str:
    return "'" + "".join(_escape(ch) for ch in value) + "'"


def _long_string(value: str, indent: str, width: int = 96) -> str:
    """A long string as Jinja concatenation (~) of literals of about `width` columns each."""
    chunks: list[str] = []
    line, used = "", 0
    for ch in value:
        piece = _escape(ch)
        cost = len(piece) if piece.isascii() else 2  # CJK characters are two columns wide
        if line and used + cost > width:
            chunks.append(line)
            line, used = "", 0
        line += piece
        used += cost
    if line or not chunks:
        chunks.append(line)
    return f"\n{indent}~ ".join(f"'{chunk}'" for chunk in chunks)


def _string_list(values: list[str], indent: str, per_line: int = 12) -> str:
    lines = [", ".join(_jinja_string(v) for v in values[i : i + per_line]) for i in range(0, len(values), per_line)]
    return "[\n" + ",\n".join(indent + "  " + line for line in lines) + f"\n{indent}]"


def _ranges(predicate) -> list[tuple[int, int]]:
    """Code-point ranges (inclusive) where predicate(chr(code)) is true."""
    out: list[tuple[int, int]] = []
    start = None
    for code in range(0x110000 + 1):
        inside = code < 0x110000 and not 0xD800 <= code <= 0xDFFF and predicate(chr(code))
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            out.append((start, code - 1))
            start = None
    return out


def _width_table(with_dashes: bool) -> tuple[str, str, str]:
    """(from, to, delete) for translate(): text._WIDTH_TABLE, plus every other character that
    Python's \\s matches (they all collapse to one space), plus the dash look-alikes for codes.

    NUL is left out: PostgreSQL text cannot hold it.
    """
    mapping = {chr(k): v for k, v in text._WIDTH_TABLE.items() if k != 0}
    for code in range(1, 0x3001):
        ch = chr(code)
        if ch not in mapping and re.fullmatch(r"\s", ch) and ch != " ":
            mapping[ch] = " "
    if with_dashes:
        for ch in text.DASHES:
            mapping[ch] = "-"
    ordered = sorted(mapping)
    kept = [c for c in ordered if mapping[c]]
    dropped = [c for c in ordered if not mapping[c]]
    return "".join(kept), "".join(mapping[c] for c in kept), "".join(dropped)


def _t2s_pairs() -> tuple[str, str]:
    """Every character OpenCC t2s changes when it stands alone (a character-level table)."""
    converter = opencc.OpenCC("t2s")
    chars = [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF and chr(c) != "\n"]
    converted = converter.convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC never merges lines
        raise RuntimeError("OpenCC changed the number of lines")
    pairs = [(a, b) for a, b in zip(chars, converted, strict=True) if a != b]
    if any(len(b) != 1 for _a, b in pairs):  # pragma: no cover - translate() needs 1:1
        raise RuntimeError("OpenCC t2s maps a character to several characters")
    return "".join(a for a, _ in pairs), "".join(b for _, b in pairs)


def _class_ranges(ranges: list[tuple[int, int]]) -> str:
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


def render() -> str:
    free_from, free_to, free_drop = _width_table(with_dashes=False)
    code_from, code_to, code_drop = _width_table(with_dashes=True)
    t2s_from, t2s_to = _t2s_pairs()
    han = _class_ranges(_ranges(text.is_han))
    authority_types = sorted(a + t for a, types in credit_code.ENTITY_TYPES.items() for t in types)
    male = sorted(k for k, v in sex.SEX_CODES.items() if v == "1")
    female = sorted(k for k, v in sex.SEX_CODES.items() if v == "2")
    i4 = "    "
    entries = {
        "province_codes": _string_list(sorted(identity.PROVINCE_CODES), i4),
        "id_weights": str([int(w) for w in identity._WEIGHTS]),
        "id_check_characters": _jinja_string(bytes(identity._CHECK_CHARS).decode()),
        "id_quotes": _jinja_string(identity._QUOTES),
        "id_earliest_birth_year": str(identity.EARLIEST_BIRTH_YEAR),
        "credit_alphabet": _jinja_string(credit_code.ALPHABET),
        "credit_weights": str([pow(3, i, 31) for i in range(17)]),
        "credit_confusables_from": _jinja_string("".join(chr(k) for k in credit_code.CONFUSABLES)),
        "credit_confusables_to": _jinja_string("".join(credit_code.CONFUSABLES.values())),
        "credit_authority_types": _string_list(authority_types, i4),
        "credit_division_prefixes": _string_list(sorted({*identity.PROVINCE_CODES, "10"}), i4),
        "credit_quotes": _jinja_string(credit_code._QUOTES),
        "free_text_from": _long_string(free_from, i4 + "  "),
        "free_text_to": _long_string(free_to, i4 + "  "),
        "free_text_delete": _long_string(free_drop, i4 + "  "),
        "code_text_from": _long_string(code_from, i4 + "  "),
        "code_text_to": _long_string(code_to, i4 + "  "),
        "code_text_delete": _long_string(code_drop, i4 + "  "),
        "han_class": _jinja_string(han),
        "name_placeholders": _string_list(sorted(names.PLACEHOLDERS), i4),
        "name_mask_titles": _string_list(sorted(names.MASK_TITLES, key=lambda t: (-len(t), t)), i4),
        "name_mask_characters": _jinja_string(names.MASK_CHARS),
        "name_dots": _jinja_string(names.DOTS),
        "name_compound_surnames": _string_list(sorted(names.COMPOUND_SURNAMES), i4),
        "t2s_from": _long_string(t2s_from, i4 + "  "),
        "t2s_to": _long_string(t2s_to, i4 + "  "),
        "sex_male": _string_list(male, i4),
        "sex_female": _string_list(female, i4),
    }
    body = ",\n".join(f"{i4}'{key}': {value}" for key, value in entries.items())
    return (
        "{#- Generated by generate_constants.py from yiwang.normalize and OpenCC "
        f"{opencc.__version__ if hasattr(opencc, '__version__') else ''}".rstrip()
        + ". Do not edit: change the Python\n"
        "    tables and rerun `uv run python dbt_project/macros/normalize/generate_constants.py`. -#}\n"
        "{% macro yw__constants() -%}\n"
        "{{ return({\n" + body + "\n}) }}\n"
        "{%- endmacro %}\n"
    )


def main(argv: list[str] | None = None) -> int:
    from yiwang.warehouse.generate import write_or_check

    argv = sys.argv[1:] if argv is None else argv
    return write_or_check({OUTPUT: render()}, check=argv == ["--check"])


if __name__ == "__main__":
    raise SystemExit(main())

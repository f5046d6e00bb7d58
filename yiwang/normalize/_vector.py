"""Column-level plumbing shared by the normalisers (向量化).

Every scalar normaliser returns a frozen dataclass; `map_unique` applies it to a whole column
by normalising each *distinct* value once (government extracts repeat values a lot: the same
phone on many work orders, the same name many times) and spreading the results back with an
Arrow `take`. Modules with a vectorised fast path (identity, phone) use `map_unique` only for
the rows the fast path leaves over. The result is an Arrow table whose columns are the
dataclass fields, typed by `result_schema`.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from yiwang.normalize.text import as_text

_SCALAR_TYPES: dict[Any, pa.DataType] = {
    str: pa.string(),
    bool: pa.bool_(),
    int: pa.int64(),
    float: pa.float64(),
    datetime.date: pa.date32(),
    datetime.datetime: pa.timestamp("us"),
}


def _arrow_type(hint: Any) -> pa.DataType:
    if hint in _SCALAR_TYPES:
        return _SCALAR_TYPES[hint]
    origin = typing.get_origin(hint)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _arrow_type(args[0])
    if origin is tuple:
        return pa.list_(_arrow_type(args[0]))
    raise TypeError(f"no Arrow type for {hint!r}")


@functools.cache
def result_schema(cls: type) -> pa.Schema:
    """Arrow schema of a result dataclass: one column per field, in field order."""
    hints = typing.get_type_hints(cls)
    return pa.schema([(f.name, _arrow_type(hints[f.name])) for f in dataclasses.fields(cls)])


ArrayLike = pd.Series | pa.Array | pa.ChunkedArray | np.ndarray | Sequence[Any]


def _factorize(values: ArrayLike) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1 for missing) and the distinct non-missing values."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if isinstance(values, pa.Array):
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        if len(values) == 0:
            return np.empty(0, dtype=np.int64), []
        encoded = values.dictionary_encode()
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        return codes.astype(np.int64, copy=False), encoded.dictionary.to_pylist()
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), list(uniques)


def to_index(values: ArrayLike) -> pd.Index | None:
    """The pandas index to give a result frame (the input's own when it is a Series)."""
    return values.index if isinstance(values, pd.Series) else None


def map_unique(values: ArrayLike, func: Callable[[Any], Any], result_type: type) -> pa.Table:
    """Apply a scalar normaliser to each distinct value and spread the results to every row."""
    schema = result_schema(result_type)
    codes, uniques = _factorize(values)
    results = [func(v) for v in uniques]
    results.append(func(None))  # what a missing value normalises to, at index len(uniques)
    codes = np.where(codes < 0, len(uniques), codes)
    indices = pa.array(codes, pa.int64())
    columns = []
    for field in schema:
        column = pa.array([getattr(r, field.name) for r in results], field.type)
        columns.append(column.take(indices))
    return pa.Table.from_arrays(columns, schema=schema)


def table_to_frame(table: pa.Table, index: pd.Index | None) -> pd.DataFrame:
    """Arrow table → pandas DataFrame (dates as datetime.date objects, nullable booleans)."""
    frame = table.to_pandas(
        types_mapper={pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype()}.get,
        date_as_object=True,
    )
    if index is not None:
        frame.index = index
    return frame


def as_string_array(values: ArrayLike) -> pa.Array:
    """Any column → an Arrow string array (non-strings rendered by `text.as_text`)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if isinstance(values, pa.Array):
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        if pa.types.is_string(values.type):
            return values
        if pa.types.is_large_string(values.type) or pa.types.is_string_view(values.type):
            return values.cast(pa.string())
        values = values.to_pylist()
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype | pd.ArrowDtype):
        try:
            return pa.array(values, pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return pa.array([as_text(v) for v in values], pa.string())

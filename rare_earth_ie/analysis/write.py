"""Writing series and conflicts: CSV (lists joined with ``;``), JSON lines, or Parquet (needs
pyarrow: ``pip install 'rare-earth-ie[parquet]'``)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import IO, Any, Iterable, Optional, Union

PARQUET_HINT = "writing Parquet needs pyarrow: pip install 'rare-earth-ie[parquet]'"
FORMATS = ("csv", "parquet", "jsonl")


def format_for(path: Optional[Union[str, Path]], given: Optional[str] = None) -> str:
    """The format asked for, else the output's extension, else CSV."""
    if given:
        if given not in FORMATS:
            raise ValueError(f"unknown format {given!r} (choose from {', '.join(FORMATS)})")
        return given
    name = str(path or "").lower()
    for fmt, ext in (("parquet", ".parquet"), ("jsonl", ".jsonl"), ("jsonl", ".json")):
        if name.endswith(ext):
            return fmt
    return "csv"


def require_parquet() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError as e:
        raise ImportError(PARQUET_HINT) from e


def _cell(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return ";".join("" if x is None else str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else v


def to_csv(rows: Iterable[dict], columns: list[str], fh: IO[str]) -> int:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(columns)
    n = 0
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
        n += 1
    return n


def to_jsonl(rows: Iterable[dict], columns: list[str], fh: IO[str]) -> int:
    n = 0
    for r in rows:
        fh.write(json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) + "\n")
        n += 1
    return n


def parquet_bytes(rows: list[dict], columns: list[str]) -> bytes:
    require_parquet()
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
    if not rows:
        table = pa.table({c: pa.array([], type=pa.string()) for c in columns})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def write_rows(rows: list[dict], columns: list[str], fmt: str, fh: IO[str]) -> int:
    """Write to a text handle (Parquet goes to its binary buffer); returns the rows written."""
    if fmt == "parquet":
        data = parquet_bytes(rows, columns)
        fh.flush()
        fh.buffer.write(data)
        fh.buffer.flush()
        return len(rows)
    if fmt == "jsonl":
        return to_jsonl(rows, columns, fh)
    return to_csv(rows, columns, fh)

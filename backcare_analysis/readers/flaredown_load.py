"""Loading a Flaredown CSV: one categorical ``pandas.read_csv`` pass (in chunks behind a
progress bar), the cut-off last row, and the raw text of rejected lines.

Split from :mod:`~backcare_analysis.readers.flaredown`, which builds the logs.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd

from ..schema import LogFormatError
from ._common import read_head, read_text, sniff_delimiter
from ._tracker_common import check_header, header_columns
from .flaredown_tables import COLUMNS, REQUIRED


def load(path: Path, *, progress: bool) -> tuple[pd.DataFrame, str, tuple[int, str] | None]:
    """The data rows as categorical columns indexed by physical line; the encoding; and
    the line number and text of a last row cut off inside quotes, if any."""
    head = read_head(path)
    delimiter = sniff_delimiter(head.first_line)
    header = header_columns(head.first_line, delimiter)
    check_header(path, header, REQUIRED, app="Flaredown", expected=",".join(COLUMNS))
    text = read_text(path)[0] if head.raw.startswith((b"\xff\xfe", b"\xfe\xff")) else None
    if text is None:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - 4096))
            tail = fh.read().decode("utf-8", errors="replace")
    else:
        tail = text[-4096:]
    last = tail.rstrip("\r\n").rsplit("\n", 1)[-1]
    cut = None
    options: dict[str, Any] = {"sep": delimiter, "header": None, "skiprows": 1, "names": header}
    options.update(dtype="category", keep_default_na=False, skip_blank_lines=False)
    if last.count('"') % 2 == 1:  # the file ends inside a quoted field
        lines = text.count("\n") if text is not None else count_newlines(path)
        options["nrows"] = lines - (1 if tail.endswith("\n") else 0) - 1
        if options["nrows"] < 0:  # the header itself is the line cut off inside quotes
            raise LogFormatError(
                f"{path}: line 1 (the header) ends inside a quoted field and no data row "
                "follows; the file was cut off while it was written: download it again"
            )
        cut = (options["nrows"] + 2, last)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = read_csv(path if text is None else io.StringIO(text), options, progress)
        except UnicodeDecodeError:
            options["encoding"] = "cp1252"
            continue
        except pd.errors.ParserError as exc:
            if "Expected" not in str(exc):
                raise LogFormatError(
                    f"{path}: not a readable CSV ({str(exc).strip()}); usually a quote that "
                    "opens a field and never closes: check that row in a text editor, or "
                    "download the file again"
                ) from None
            # Rare: rows with too many fields. Read them into spare columns and reject them.
            options["names"] = header + [f"_extra{i}" for i in range(16)]
            try:
                frame = read_csv(path if text is None else io.StringIO(text), options, progress)
            except pd.errors.ParserError as again:
                raise LogFormatError(
                    f"{path}: a row has far more fields than the header ({again}); fix that "
                    "line or download the file again"
                ) from None
        frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
        return frame, "utf-16" if text is not None else encoding, cut
    raise LogFormatError(f"{path}: cannot be decoded as UTF-8 or Windows-1252")  # unreachable


def count_newlines(path: Path) -> int:
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            count += chunk.count(b"\n")
    return count


def read_csv(source: Any, options: dict[str, Any], progress: bool) -> pd.DataFrame:
    options = {"encoding": "utf-8-sig", **options}
    if not progress:
        frame: pd.DataFrame = pd.read_csv(source, **options)
        return frame
    from tqdm.auto import tqdm

    parts: list[pd.DataFrame] = []
    with tqdm(unit=" rows", desc="Flaredown", leave=False) as bar:
        for chunk in pd.read_csv(source, chunksize=1_000_000, **options):
            parts.append(text_categories(chunk))
            bar.update(len(chunk))
    union = pd.api.types.union_categoricals
    return pd.DataFrame({c: union([p[c] for p in parts]) for c in options["names"]})


def raw_lines(path: Path, wanted: Collection[int], encoding: str) -> dict[int, str]:
    """The text of some physical lines (the rejected rows), in one pass over the file."""
    targets = iter(sorted(set(wanted)))
    target = next(targets, None)
    out: dict[int, str] = {}
    if target is None:
        return out
    text = read_text(path)[0] if encoding == "utf-16" else None
    with io.StringIO(text) if text else path.open(encoding=encoding, errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if number == target:
                out[number] = line.rstrip("\r\n").lstrip("\ufeff")
                target = next(targets, None)
                if target is None:
                    break
    return out


def text_categories(chunk: pd.DataFrame) -> pd.DataFrame:
    """``chunk`` with every categorical column's categories as text: ``read_csv`` infers
    numbers for a column whose values in one chunk are all numeric, and categoricals of
    different category dtypes cannot be joined."""
    out = chunk.copy(deep=False)
    for column in out.columns:
        categories = out[column].cat.categories
        if not pd.api.types.is_string_dtype(categories.dtype):
            out[column] = out[column].cat.rename_categories(list(categories.astype(str)))
    return out

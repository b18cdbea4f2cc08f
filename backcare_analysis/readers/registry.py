"""The list of supported export formats, and detection of a file's format by its content.

Each format is a :class:`Format` with a ``sniff`` function that looks only at the head of a
file (never at its name, which is often localised or renamed) and a ``read`` function. A
new reader module adds one entry to :data:`FORMATS`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..schema import Log, LogFormatError
from ._common import Head

SourceName = Literal[
    "spreadsheet", "bearable", "daylio", "flaredown", "apple_health", "fitbit", "google_fit"
]


@dataclass(frozen=True)
class Format:
    """One supported export format.

    Attributes
    ----------
    name
        The ``source=`` value that selects it.
    title
        What a person calls it, for messages and docs.
    expects
        One line on what such a file looks like, for error messages.
    module
        The reader module under ``backcare_analysis.readers`` (imported on first use).
    """

    name: SourceName
    title: str
    expects: str
    module: str

    def _load(self) -> Any:
        return importlib.import_module(f"backcare_analysis.readers.{self.module}")

    def sniff(self, head: Head) -> bool:
        """True when the head of a file is of this format."""
        return bool(self._load().sniff(head))

    def options(self) -> frozenset[str]:
        """Names of the keyword options this format's reader accepts."""
        reader = self._load().read
        return frozenset(
            name
            for name, param in inspect.signature(reader).parameters.items()
            if param.kind is inspect.Parameter.KEYWORD_ONLY
        )

    def read(self, path: Path, options: Mapping[str, Any]) -> Log:
        """Read one file of this format into a :class:`Log`.

        Only the options this reader accepts are passed on; :func:`check_options` makes
        sure every option is accepted by some reader.
        """
        reader: Callable[..., Log] = self._load().read
        accepted = self.options()
        return reader(path, **{k: v for k, v in options.items() if k in accepted})

    @property
    def reads_together(self) -> bool:
        """True when the reader reads all the files of one export in one call
        (``read_many``): an export split over many files, such as Fitbit's."""
        return hasattr(self._load(), "read_many")

    def read_many(self, paths: Sequence[Path], options: Mapping[str, Any]) -> Log:
        """Read several files of this format together (see :attr:`reads_together`)."""
        reader: Callable[..., Log] = self._load().read_many
        accepted = self.options()
        return reader(list(paths), **{k: v for k, v in options.items() if k in accepted})


FORMATS: tuple[Format, ...] = (
    Format(
        "spreadsheet",
        "backcare spreadsheet (episodes.csv and daily.csv)",
        "a CSV whose header has `start` and `peak_severity_0_10` (episodes) or `date` and "
        "daily columns such as `sitting_h` (see docs/log-format.md)",
        "spreadsheet",
    ),
    Format(
        "bearable",
        "Bearable CSV export",
        "a CSV with the header `date,weekday,time of day,category,rating/amount,detail,notes` "
        "(newer exports add `date formatted`)",
        "bearable",
    ),
    Format(
        "daylio",
        "Daylio CSV export",
        "a CSV with the header `full_date,date,weekday,time,mood,activities,...`",
        "daylio",
    ),
    Format(
        "flaredown",
        "Flaredown CSV (research dataset or personal export)",
        "a CSV with the header `user_id,age,sex,country,checkin_date,trackable_id,...`",
        "flaredown",
    ),
    Format(
        "apple_health",
        "Apple Health export (export.zip or export.xml)",
        "the zip from Health > profile > Export All Health Data, or the XML inside it "
        "(`<HealthData>` with `<Record>` elements)",
        "apple_health",
    ),
    Format(
        "fitbit",
        "Fitbit export (Google Takeout zip or folder, or user-site-export)",
        "the takeout-*.zip parts as downloaded, the Takeout/ (Fitbit/ or Google Health/) "
        "folder, or the JSON files of Global Export Data/ such as "
        'sedentary_minutes-2024-01-01.json: `[{"dateTime":"01/11/24 00:00:00","value":"94"}]`',
        "fitbit",
    ),
    Format(
        "google_fit",
        "Google Fit daily activity metrics CSV",
        "the Takeout file Fit/Daily activity metrics/Daily activity metrics.csv "
        "(columns Date, Move Minutes count, Step count, ...)",
        "google_fit",
    ),
)


def check_options(options: Mapping[str, Any]) -> None:
    """Raise TypeError naming any option that no reader accepts."""
    known: set[str] = set()
    for fmt in FORMATS:
        known |= fmt.options()
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"read_log got unknown option(s) {unknown}; known: {sorted(known)}")


def supported_formats() -> str:
    """A bullet list of the supported formats, for error messages and docs."""
    return "\n".join(f"- {f.title} (source={f.name!r}): {f.expects}" for f in FORMATS)


def format_by_name(name: str) -> Format:
    """Look up a format by its ``source=`` name."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    names = ", ".join(repr(f.name) for f in FORMATS)
    raise LogFormatError(f"unknown source={name!r}; choose one of {names}")


def detect(head: Head) -> Format | None:
    """Return the format of a file from its head, or None when no format matches."""
    for fmt in FORMATS:
        if fmt.sniff(head):
            return fmt
    return None


def describe_unknown(head: Head) -> str:
    """Say what a file is not, for a :class:`LogFormatError`."""
    if head.raw.startswith(b"\x89PNG"):
        what = "a PNG image, not an export"
    elif head.raw.startswith(b"%PDF"):
        what = "a PDF document, not an export"
    elif head.zip_names:
        what = f"a zip archive with no supported export inside ({len(head.zip_names)} members)"
    elif head.text is None:
        what = "a binary file, not a text export"
    else:
        first = head.first_line[:120]
        what = f"not a supported export (its first line is {first!r})"
    named = [
        f.title
        for f in FORMATS
        if f.name.replace("_", "") in head.path.name.lower().replace("_", "").replace(" ", "")
    ]
    if named:
        what += f"; despite its name, it is not a {named[0]}"
    return f"{head.path}: this is {what}.\nSupported formats:\n{supported_formats()}"

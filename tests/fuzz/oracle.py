"""Build one mutated input, read it with ``read_log`` and classify what happened.

The property every reader must keep: ``read_log(path)`` returns a Log whose accounting
holds and whose values and dates are plausible, or raises ``LogFormatError`` naming the
file, within a time and a memory bound. Anything else is a finding.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import shutil
import signal
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Final

import pandas as pd

from backcare_analysis import read_log
from backcare_analysis.readers._common import FIRST_PLAUSIBLE_DAY, last_plausible_day
from backcare_analysis.schema import DAILY_RANGES, Log, LogFormatError

from .corpus import Base
from .mutators import CSV, Mutation
from .structured import JSON, XML, ZIP

#: Problems a case can show, in the order of the report's table columns.
PROBLEMS: Final = (
    "uncaught",
    "raw library error",
    "silent loss",
    "count mismatch",
    "bad value accepted",
    "odd year accepted",
    "too slow",
    "wrongly refused",
)
#: Mutations that lose nothing: a reader must read these, not refuse them (CSV text may be
#: UTF-16 with a BOM or Windows-1252, see ``readers/_common.decode_bytes``; every text
#: format may use CRLF, CR-only or mixed line endings; a zip may store without compression).
LOSSLESS: Final[dict[str, frozenset[str]]] = {
    "csv": frozenset({"crlf", "cr_only", "mixed_line_endings", "utf16_bom", "cp1252"}),
    "json": frozenset({"crlf", "cr_only", "mixed_line_endings"}),
    "folder": frozenset({"crlf", "cr_only", "mixed_line_endings"}),
    "xml": frozenset({"crlf", "cr_only", "mixed_line_endings"}),
    "zip": frozenset({"zip_stored", "inner_crlf", "inner_cr_only", "inner_mixed_line_endings"}),
}
#: Words of a fix: a refusal must say what to do, not only pass a library's message on.
_FIX_WORDS: Final = re.compile(
    r"\b(export|again|save|check|rename|use|pass|open|download|remove|fix|try|give|copy|"
    r"did you mean|see|should|supported)",
    re.IGNORECASE,
)
#: The time bound per case, in CPU seconds (a loaded machine must not make a case "slow"),
#: and the wall-clock hard stop as a multiple of it.
SECONDS: Final = 10.0
HARD_STOP: Final = 6
MEMORY_MB: Final = 500.0


def _folder_empty_file(data: bytes, rng: random.Random) -> bytes:
    return b""


FOLDER: Final[dict[str, Mutation]] = {
    **JSON,
    "folder_empty_file": _folder_empty_file,
    "folder_junk_file": _folder_empty_file,  # handled in build_input
    "folder_duplicate_file": _folder_empty_file,  # handled in build_input
}
CATALOGUES: Final[dict[str, dict[str, Mutation]]] = {
    "csv": CSV,
    "json": JSON,
    "xml": XML,
    "zip": ZIP,
    "folder": FOLDER,
}


@dataclass(frozen=True)
class Case:
    """One fuzz case: a base input, a mutation and a seed."""

    format: str
    mutation: str
    seed: int

    @property
    def id(self) -> str:
        return f"{self.format}-{self.mutation}-{self.seed}"


@dataclass
class Outcome:
    """What one case did: its problems (empty when fine), the error and the time taken."""

    case: Case
    problems: list[str] = field(default_factory=list)
    refused: bool = False
    error: str = ""
    seconds: float = 0.0
    memory_mb: float = 0.0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def cases(base: Base, n: int) -> list[Case]:
    """``n`` cases for ``base``: the family's mutations in turn, the seed rising each round."""
    names = list(CATALOGUES[base.family])
    return [Case(base.name, names[i % len(names)], i // len(names)) for i in range(n)]


def _rng(case: Case) -> random.Random:
    return random.Random(f"{case.format}:{case.mutation}:{case.seed}")


def build_input(base: Base, case: Case, workdir: Path) -> tuple[Path, Path]:
    """Write the mutated input; return ``(path to read, the mutated file itself)``."""
    rng = _rng(case)
    target = workdir / case.id
    mutation = CATALOGUES[base.family][case.mutation]
    if base.family == "folder":
        folder = target / base.path.name
        shutil.copytree(base.path, folder)
        files = sorted(folder.iterdir())
        victim = rng.choice(files)
        if case.mutation == "folder_junk_file":
            victim = folder / rng.choice(("notes.txt", "steps-2025-13-01.json", ".DS_Store"))
            victim.write_bytes(rng.choice((b"hello", b"{}", b"\x00\x01binary", b"[1,2]")))
        elif case.mutation == "folder_duplicate_file":
            shutil.copy(files[0], folder / ("copy of " + files[0].name))
            victim = folder / ("copy of " + files[0].name)
        else:
            victim.write_bytes(mutation(victim.read_bytes(), rng))
        return folder, victim
    target.mkdir(parents=True, exist_ok=True)
    path = target / base.path.name
    path.write_bytes(mutation(base.path.read_bytes(), rng))
    return path, path


# --- counting physical records -------------------------------------------------------------


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _csv_records(raw: bytes) -> int | None:
    text = _decode(raw).replace("\r\n", "\n").replace("\r", "\n")
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    try:
        records = [
            r
            for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            if any(f.strip() for f in r)
        ]
    except csv.Error:
        return None
    return max(0, len(records) - 1)


_XML_ELEMENT = re.compile(rb"<(?:Record|Workout|ActivitySummary)[\s/>]")


def _xml_records(raw: bytes) -> int:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raw = raw.decode("utf-16", errors="replace").encode()
    return len(_XML_ELEMENT.findall(raw))


def physical_records(family: str, raw_path: Path) -> int | None:
    """Records in the mutated file as an independent count sees them, or None (unknown)."""
    raw = raw_path.read_bytes()
    if family == "csv":
        return _csv_records(raw)
    if family in ("json", "folder"):
        try:
            value = json.loads(_decode(raw))
        except (ValueError, RecursionError):
            return None
        return len(value) if isinstance(value, list) else None
    if family == "xml":
        return _xml_records(raw)
    try:
        with zipfile.ZipFile(raw_path) as zf:
            names = [n for n in zf.namelist() if n.endswith("export.xml")]
            return _xml_records(zf.read(names[0])) if len(names) == 1 else None
    except Exception:
        return None


def _holds_fitbit_entries(raw_path: Path) -> bool:
    """True unless the file is a JSON list none of whose elements is a Fitbit entry (an
    object with ``dateTime`` or ``logId``); unreadable JSON counts as holding entries."""
    try:
        value = json.loads(_decode(raw_path.read_bytes()))
    except (ValueError, RecursionError):
        return True
    if not isinstance(value, list):
        return True
    return any(isinstance(e, dict) and ("dateTime" in e or "logId" in e) for e in value)


def _accounted(row: pd.Series) -> int:
    """``rows_read`` plus the rows a reader's note says it skipped ("10 records of other
    types skipped", "4 blank rows (days without data) skipped")."""
    total = int(row["rows_read"])
    for part in str(row["note"]).split("; "):
        m = re.match(r"(\d+) .*\bskipped\b", part)
        total += int(m.group(1)) if m else 0
    return total


# --- checking a returned Log ---------------------------------------------------------------


def _out_of_days(values: pd.Series) -> int:
    dates = pd.to_datetime(values, errors="coerce").dropna()
    first, last = pd.Timestamp(FIRST_PLAUSIBLE_DAY), pd.Timestamp(last_plausible_day())
    last += pd.Timedelta(days=1)  # a time on the last day is still that day
    return int(((dates < first) | (dates >= last)).sum())


def check_log(
    log: Log, family: str, mutated: Path, *, count_records: bool = True
) -> list[tuple[str, str]]:
    """The problems of a returned Log, each with a short detail; ``count_records=False``
    leaves out the silent-loss check (a junk file added to a folder may be skipped)."""
    found: list[tuple[str, str]] = []
    prov = log.provenance
    parts = prov["rows_used"] + prov["rows_not_analysed"].fillna(0) + prov["rows_rejected"]
    if bool((parts != prov["rows_read"]).any()):
        found.append(("count mismatch", "used + not analysed + rejected != read"))
    if int(prov["rows_rejected"].sum()) != len(log.rejected):
        found.append(
            (
                "count mismatch",
                f"rows_rejected {int(prov['rows_rejected'].sum())} "
                f"but {len(log.rejected)} rows in log.rejected",
            )
        )
    # Not-analysed rows may be counted without being listed (the Apple reader counts the
    # records of types no analysis uses, millions in a real export): only more listed rows
    # than counted is a mismatch.
    if len(log.not_analysed) > int(prov["rows_not_analysed"].fillna(0).sum()):
        found.append(("count mismatch", "more rows in log.not_analysed than rows_not_analysed"))
    for column, (low, high) in DAILY_RANGES.items():
        if column not in log.daily:
            continue
        values = pd.to_numeric(log.daily[column], errors="coerce").astype("float64").dropna()
        bad = values[~values.map(math.isfinite) | (values < low) | (values > high)]
        if len(bad):
            found.append(("bad value accepted", f"{column} = {bad.iloc[0]!r}"))
    for column in ("peak_severity_0_10", "initial_severity_0_10"):
        values = pd.to_numeric(log.episodes[column], errors="coerce").astype("float64").dropna()
        if bool(((values < 0) | (values > 10) | ~values.map(math.isfinite)).any()):
            found.append(("bad value accepted", f"episode {column} out of 0-10"))
    duration = pd.to_numeric(log.episodes["duration_h"], errors="coerce").astype("float64")
    if bool(((duration < 0) | (duration == math.inf)).any()):
        found.append(("bad value accepted", "episode duration_h negative or infinite"))
    for table, column in (
        ("daily", "date"),
        ("episodes", "start_local"),
        ("episodes", "end_local"),
        ("tags", "date"),
    ):
        n = _out_of_days(getattr(log, table)[column])
        if n:
            found.append(("odd year accepted", f"{n} {table}.{column} outside 1980..today+2"))
    physical = physical_records(family, mutated) if count_records else None
    rows = prov[prov["file"].astype(str).str.startswith(str(mutated))]
    # A whole file of a metric no analysis uses, said so in its note (Fitbit's
    # lightly_active_minutes): accounted for at the file level.
    rows = rows[~((rows["rows_read"] == 0) & rows["note"].astype(str).str.contains("not used"))]
    # A file in a folder that holds no entry of the format at all ([1, 2, 3], [{}], [null]),
    # skipped as not a supported export with that note, is accounted at the file level,
    # like a junk file beside the export; a file holding entries must still account them.
    if family == "folder" and not _holds_fitbit_entries(mutated):
        skipped = rows["note"].astype(str).str.startswith("skipped: not a supported export")
        rows = rows[~((rows["rows_read"] == 0) & skipped)]
    if physical is not None and len(rows):
        accounted = sum(_accounted(r) for _, r in rows.iterrows())
        if accounted < physical:
            found.append(("silent loss", f"{physical} records in the file, {accounted} accounted"))
    elif (
        physical
        and not len(prov[prov["file"].astype(str).str.startswith(str(mutated))])
        and family != "folder"
    ):
        found.append(("silent loss", "the file has no provenance row"))
    return found


# --- running a case with a time and memory bound -------------------------------------------


class CaseTimeout(BaseException):
    """Raised by the alarm when a case runs past its hard limit (not an ``Exception``, so a
    reader's ``except Exception`` cannot swallow it)."""


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise CaseTimeout

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _status_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> None:
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (Linux)


def raw_library_error(message: str, path: Path, mutated: Path) -> bool:
    """The rule for a raw library error: a LogFormatError must name the file it is about
    (the path read, the mutated file or its folder) and say what to do (a word of a fix:
    export, save, check, rename, ...). A message without either is taken to be a library's
    message passed through (``not a readable CSV (Error tokenizing data. C error: ...)``)."""
    named = any(p.name in message for p in (path, mutated, mutated.parent))
    return not named or not _FIX_WORDS.search(message)


def run_case(base: Base, case: Case, workdir: Path, *, seconds: float = SECONDS) -> Outcome:
    """Build ``case`` in ``workdir``, read it and classify the outcome."""
    path, mutated = build_input(base, case, workdir)
    outcome = Outcome(case)
    _reset_peak()
    rss_before = _status_kb("VmRSS")
    start, cpu_start = time.perf_counter(), time.process_time()
    found: list[tuple[str, str]] = []
    try:
        with _alarm(seconds * HARD_STOP):
            log = read_log(path)
    except CaseTimeout:
        found.append(("too slow", f"stopped after {seconds * HARD_STOP:g} s"))
    except LogFormatError as exc:
        outcome.refused = True
        outcome.error = f"LogFormatError: {str(exc).splitlines()[0][:300]}"
        if raw_library_error(str(exc), path, mutated):
            found.append(("raw library error", "the message names no file or no fix"))
        if case.mutation in LOSSLESS[base.family]:
            found.append(("wrongly refused", outcome.error))
    except ValueError as exc:
        outcome.error = (
            f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
        )
        kind = "count mismatch" if "row accounting" in str(exc) else "uncaught"
        found.append((kind, outcome.error))
    except Exception as exc:
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        outcome.error = f"{type(exc).__name__}: {first}"
        found.append(("uncaught", outcome.error))
    else:
        junk = case.mutation == "folder_junk_file"
        found.extend(check_log(log, base.family, mutated, count_records=not junk))
    outcome.seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak = _status_kb("VmHWM")
    if peak is not None and rss_before is not None:
        outcome.memory_mb = (peak - rss_before) / 1024
    if cpu > seconds and not any(k == "too slow" for k, _ in found):
        found.append(("too slow", f"{cpu:.1f} s of CPU ({outcome.seconds:.1f} s)"))
    if outcome.memory_mb > MEMORY_MB:
        found.append(("too slow", f"memory grew {outcome.memory_mb:.0f} MB"))
    outcome.problems = list(dict.fromkeys(k for k, _ in found))
    outcome.detail = "; ".join(d for _, d in found)
    shutil.rmtree(workdir / case.id, ignore_errors=True)
    return outcome

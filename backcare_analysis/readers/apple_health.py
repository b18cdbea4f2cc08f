"""Reader for Apple Health exports: ``export.zip``, or the ``export.xml`` inside it.

The XML is streamed in blocks whatever its size, from disk or inflated straight from the
zip (never extracted), in a background thread (:mod:`.apple_health_input`). The fast scan
(:mod:`.apple_health_classify` in a thread, then :mod:`.apple_health_fast`) reads Apple's
one-record-per-line layout at close to disk speed; whatever it cannot prove it reads
exactly is read again by the full XML parse (expat, :mod:`.apple_health_full`). Both hand
the same elements to the same daily rules (:mod:`.apple_health_days`,
:mod:`.apple_health_tables`), so the result never depends on which one ran.

Security: the internal DTD is blanked out unread (iOS 16 writes a broken one), a DTD that
declares entities is refused, and an entity reference in the body is an error, never an
expansion, so neither "billion laughs" nor external entities can do anything.
"""

from __future__ import annotations

import sys
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from ..episodes import DEFAULT_GAP_H, DEFAULT_THRESHOLD_0_10
from ..schema import Log, LogFormatError
from ._common import PROFILE_KEY, Head, provenance_row
from .apple_health_classify import fast_plans
from .apple_health_days import Collector
from .apple_health_fast import scan
from .apple_health_full import parse_full
from .apple_health_input import (
    BLOCK_BYTES,
    MAX_PROLOG_BYTES,
    READABLE_METHODS,
    bounded,
    find_member,
    is_health_head,
    prolog,
    raw_blocks,
)
from .apple_health_rules import SOURCE
from .apple_health_stream import Unsupported, in_background

__all__ = ["find_member", "is_health_head", "parse_full", "raw_blocks", "read", "sniff"]

XmlParser = Literal["fast", "full"]


def sniff(head: Head) -> bool:
    """True for an Apple Health ``export.xml`` (any name) or a zip holding one.

    A zip qualifies by a ``.xml`` member under ``apple_health_export/`` (the member's own
    name is localised), or by any ``.xml`` member whose head has ``<HealthData``.
    """
    if not head.zip_names:
        return is_health_head(head.raw)
    for name in head.zip_names:
        parts = name.lower().split("/")
        in_folder = parts[-1].endswith(".xml") and "apple_health_export" in parts[:-1]
        if in_folder and not parts[-1].startswith("export_cda"):
            return True
    try:
        with zipfile.ZipFile(head.path) as zf:
            for info in [i for i in zf.infolist() if i.filename.lower().endswith(".xml")][:5]:
                if info.flag_bits & 0x1 or info.compress_type not in READABLE_METHODS:
                    return True  # unreadable XML: the reader says why, not "unknown format"
                with zf.open(info) as fh:
                    if is_health_head(fh.read(MAX_PROLOG_BYTES // 16)):
                        return True
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, zlib.error):
        return False
    return False


def read(
    path: Path,
    *,
    progress: bool = False,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    threshold_0_10: float = DEFAULT_THRESHOLD_0_10,
    gap_h: float = DEFAULT_GAP_H,
    xml_parser: XmlParser = "fast",
) -> Log:
    """Read an Apple Health export into daily values and back-pain episodes.

    Parameters
    ----------
    path
        ``export.zip`` as the Health app writes it, or the XML inside it under any name.
    progress
        Show a progress bar (bytes of XML read) on standard error.
    date_from, date_to
        Keep only local calendar days in this range (both included, ``YYYY-MM-DD``);
        rows of other days are not analysed (counted in ``rows_not_analysed``).
    threshold_0_10, gap_h
        The episode rule for ``HKCategoryTypeIdentifierLowerBackPain`` records, whose
        severities count as Not present 0, Mild 3, Moderate 6, Severe 9; "Present"
        (Unspecified) is pain of unknown severity and qualifies like a rating at the
        threshold (see :func:`~backcare_analysis.episodes.episodes_from_ratings`).
    xml_parser
        ``"fast"``: the fast scan, which falls back to the full parse by itself when the
        file needs it; ``"full"``: always the full XML parse.

    Returns
    -------
    Log
        ``daily``: one row per local calendar day with a record used; columns
        ``stand_hours_count``, ``exercise_min``, ``steps_count``, ``water_ml``,
        ``sleep_h``, ``stretching_min``, ``heavy_lifting`` and ``pain_max_0_10``;
        ``sitting_h`` stays missing (Apple Health does not measure sitting);
        ``symptoms_logged`` is true only on days covered by a LowerBackPain record.
        ``episodes`` come from those records, timed by instant (UTC) and shown in local
        wall time. ``tags``: one row per workout (category ``workout``, tag = activity
        type, kind from :mod:`.tagmap`). A provenance row is one Record, Workout or
        ActivitySummary element; those of types not used, inside a ``<Correlation>``,
        outside the dates, and in-bed or awake intervals are not analysed.

    Raises
    ------
    LogFormatError
        When the file is not an Apple Health export, is cut short or broken (the message
        gives line and byte), or declares XML entities.
    """
    path = Path(path)
    if xml_parser not in ("fast", "full"):
        raise LogFormatError(f"xml_parser={xml_parser!r}: use 'fast' or 'full'")
    day_from, day_to = _day_option(date_from, "date_from"), _day_option(date_to, "date_to")
    member = find_member(path) if _is_zip(path) else None
    total = member.file_size if member is not None else path.stat().st_size
    where = f"{path} ({member.filename})" if member is not None else str(path)
    how = "the fast scan of the one-record-per-line layout"
    collector = Collector(where, day_from, day_to)
    state: dict[str, int] = {}
    profile: dict[str, str] = {}
    if xml_parser == "fast":
        try:
            with _bar(total, path, progress, "scanning") as bar:
                blocks = bounded(
                    prolog(_counted(raw_blocks(path, member, BLOCK_BYTES), bar), where, profile),
                    where,
                )
                with closing(fast_plans(blocks, BLOCK_BYTES)) as plans:
                    scan(plans, collector, state)
        except Unsupported as exc:
            how = f"the full XML parse (the fast scan fell back: it met {exc})"
            xml_parser = "full"
    if xml_parser == "full":
        how = how if how.startswith("the full") else "the full XML parse (expat)"
        collector = Collector(where, day_from, day_to)
        with _bar(total, path, progress, "parsing") as bar:
            blocks = bounded(
                prolog(_counted(raw_blocks(path, member, BLOCK_BYTES), bar), where, profile),
                where,
            )
            with closing(in_background(blocks)) as background:
                state = parse_full(background, collector, where)
    other = max(0, state.get("records", 0) - collector.seen_records - state.get("inner", 0))
    # Every Record, Workout and ActivitySummary element is a row read: used, rejected, or
    # not analysed (other types, inside a <Correlation>, outside the dates, not sleep).
    not_analysed = other + state.get("inner", 0)
    not_analysed += collector.not_analysed
    taken = collector.read - collector.not_asleep  # used or rejected
    if taken + not_analysed == 0:
        raise LogFormatError(
            f"{where}: the export holds no records; export again from the Health app after "
            "the Watch or iPhone has recorded some data"
        )
    episodes, daily, tags = collector.finish(threshold_0_10=threshold_0_10, gap_h=gap_h)
    rejected_rows = len(collector.rejections)
    note = "; ".join(
        [
            f"read by {how}",
            "a row is one Record, Workout or ActivitySummary element; those of a type not "
            "used are counted as not analysed",
            f"{other} records of other types skipped",
            f"{state['inner']} records inside <Correlation> skipped (they repeat top-level ones)",
            *collector.notes(),
        ]
    )
    return Log(
        episodes=episodes,
        daily=daily,
        tags=tags,
        # In file order, whichever parser ran (they hand records over in other orders).
        rejected=collector.rejections.frame().sort_values("line", kind="stable", ignore_index=True),
        provenance=provenance_row(
            path,
            SOURCE,
            rows_read=taken + not_analysed,
            rows_used=taken - rejected_rows,
            rows_not_analysed=not_analysed,
            rows_rejected=rejected_rows,
            note=note,
        ),
        parameters={
            "threshold_0_10": threshold_0_10,
            "gap_h": gap_h,
            **({PROFILE_KEY: profile} if profile else {}),
        },
    )


def _is_zip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def _day_option(value: str | date | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise LogFormatError(f"{name}={value!r} is not a date; write YYYY-MM-DD") from None


def _bar(total: int, path: Path, progress: bool, what: str) -> tqdm[None]:
    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        leave=False,
        desc=f"{path.name}: {what}",
        disable=not progress,
        file=sys.stderr,
    )


def _counted(blocks: Iterator[bytes], bar: tqdm[None]) -> Iterator[bytes]:
    for block in blocks:
        bar.update(len(block))
        yield block

"""Canonical tables: column names with units, dtypes, the parsed log, and errors.

Every reader produces these tables and every analysis consumes them, so a column is named
once, here. See ``docs/data-model.md`` for the prose version.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, cast

import pandas as pd

# --- episodes: one row per spasm episode -------------------------------------------------

#: Treatments an episode can record, in canonical spelling.
TREATMENTS: Final = (
    "ice",
    "heat",
    "nsaid",
    "muscle_relaxant",
    "stretching",
    "bed_rest",
    "walking",
    "massage",
    "other",
)

#: Column -> pandas dtype of the episodes table.
EPISODE_COLUMNS: Final[Mapping[str, str]] = {
    "episode_id": "str",
    # Local wall-clock time of onset, naive; its UTC offset kept beside it (minutes east of UTC).
    "start_local": "datetime64[us]",
    "start_utc_offset_min": "Int64",
    "end_local": "datetime64[us]",
    "duration_h": "Float64",
    "peak_severity_0_10": "Float64",
    "initial_severity_0_10": "Float64",
    "location": "str",
    # True / False / <NA> (unknown): pain shooting down a leg, or numbness.
    "leg_pain": "boolean",
    "activity_at_onset": "str",
    # Canonical treatment names from TREATMENTS, in the order used, joined by ";".
    "treatments": "str",
    "notes": "str",
    "source": "str",
    "source_file": "str",
    "source_line": "Int64",
}

# --- daily values: one row per local calendar day ----------------------------------------

#: Trigger (exposure) columns of the daily table with their unit and meaning.
TRIGGER_COLUMNS: Final[Mapping[str, str]] = {
    "sitting_h": "hours spent sitting",
    "stand_hours_count": "clock hours with at least one standing break (0-24)",
    "exercise_min": "minutes of exercise (brisk walking or harder)",
    "steps_count": "steps",
    "stretching_min": "minutes of stretching, yoga, pilates or similar",
    "water_ml": "water drunk, in mL",
    "sleep_h": "hours asleep in the night ending that morning",
    "heavy_lifting": "heavy lifting that day (yes/no)",
    "posture_0_10": "self-rated posture, 0 (poor) to 10 (good)",
}

#: Day-level exposures from a diary's tags (Bearable factors, Daylio activities, Flaredown
#: tags; see ``readers/tagmap.py``): True on a day the tag was logged, False on a day the
#: diary was kept without it, missing when nothing was logged. ``heavy_lifting`` above is
#: filled the same way when no other source records it.
TAG_TRIGGER_COLUMNS: Final[Mapping[str, str]] = {
    "exercise_day": "a day with exercise or a walk logged as a tag (yes/no)",
    "stretching_day": "a day with stretching, yoga, pilates or physio exercises logged (yes/no)",
    "sitting_day": "a day of long sitting logged as a tag (sedentary, desk day, long drive)",
    "activity_level_0_3": "activity level logged as a tag: 0 sedentary to 3 highly active",
}

#: Column -> pandas dtype of the daily table.
DAILY_COLUMNS: Final[Mapping[str, str]] = {
    "date": "datetime64[us]",
    # The symptom diary covers this day: no episode recorded means no pain that day.
    "symptoms_logged": "boolean",
    # A trigger source (tracker, watch or diary) recorded at least one value that day.
    "activity_logged": "boolean",
    "pain_max_0_10": "Float64",
    "sitting_h": "Float64",
    "stand_hours_count": "Float64",
    "exercise_min": "Float64",
    "steps_count": "Float64",
    "stretching_min": "Float64",
    "water_ml": "Float64",
    "sleep_h": "Float64",
    "heavy_lifting": "boolean",
    "posture_0_10": "Float64",
    "exercise_day": "boolean",
    "stretching_day": "boolean",
    "sitting_day": "boolean",
    "activity_level_0_3": "Float64",
}

#: Plausible range of each numeric daily column; values outside are rejected, not clipped.
DAILY_RANGES: Final[Mapping[str, tuple[float, float]]] = {
    "pain_max_0_10": (0, 10),
    "sitting_h": (0, 24),
    "stand_hours_count": (0, 24),
    "exercise_min": (0, 24 * 60),
    "steps_count": (0, 150_000),
    "stretching_min": (0, 24 * 60),
    "water_ml": (0, 15_000),
    "sleep_h": (0, 24),
    "posture_0_10": (0, 10),
    "activity_level_0_3": (0, 3),
}

# --- rejected rows and provenance --------------------------------------------------------

REJECTED_COLUMNS: Final[Mapping[str, str]] = {
    "source": "str",
    "file": "str",
    "line": "Int64",
    "reason": "str",
    "raw": "str",
}

#: Input rows the analysis does not use although nothing is wrong with them (a tracker's
#: Mood or Gratitudes rows, say): accounted for, and kept apart from rejected rows.
NOT_ANALYSED_COLUMNS: Final[Mapping[str, str]] = REJECTED_COLUMNS

#: One row per input file. For every file ``rows_used + rows_not_analysed + rows_rejected
#: == rows_read``: nothing disappears silently.
PROVENANCE_COLUMNS: Final[Mapping[str, str]] = {
    "file": "str",
    "source": "str",
    "rows_read": "Int64",
    "rows_used": "Int64",
    "rows_not_analysed": "Int64",
    "rows_rejected": "Int64",
    "note": "str",
}

#: Tags and events a tracker records without a daily quantity: Bearable factors ("Walk",
#: "Sedentary"), Daylio activities, Flaredown treatments and tags, meds and their doses.
TAG_COLUMNS: Final[Mapping[str, str]] = {
    "date": "datetime64[us]",
    "time_local": "datetime64[us]",
    "category": "str",
    "tag": "str",
    # What the tag means for the analysis: heavy_lifting, stretching, walking, exercise,
    # activity_level, treatment, back_pain, or "" when it has no meaning here.
    "kind": "str",
    "amount": "Float64",
    "source": "str",
    "source_file": "str",
    "source_line": "Int64",
}

TableName = Literal["episodes", "daily", "rejected", "provenance", "tags", "not_analysed"]

_TABLES: Final[Mapping[str, Mapping[str, str]]] = {
    "episodes": EPISODE_COLUMNS,
    "daily": DAILY_COLUMNS,
    "rejected": REJECTED_COLUMNS,
    "provenance": PROVENANCE_COLUMNS,
    "tags": TAG_COLUMNS,
    "not_analysed": NOT_ANALYSED_COLUMNS,
}


class LogFormatError(ValueError):
    """A file is not a log this package can read; the message says what was expected."""


class AnalysisError(ValueError):
    """The data cannot support the requested analysis; the message says what is missing."""


def empty_table(name: TableName) -> pd.DataFrame:
    """Return an empty canonical table with the right columns and dtypes.

    Parameters
    ----------
    name
        ``"episodes"``, ``"daily"``, ``"rejected"``, ``"provenance"``, ``"tags"`` or
        ``"not_analysed"``.

    Returns
    -------
    pandas.DataFrame
        Zero rows, every canonical column.
    """
    columns = _TABLES[name]
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def conform(frame: pd.DataFrame, name: TableName) -> pd.DataFrame:
    """Return a copy of ``frame`` with exactly the canonical columns, order and dtypes.

    Missing canonical columns are added as missing values; extra columns raise, because a
    reader that produces them has a bug.

    Parameters
    ----------
    frame
        A table produced by a reader.
    name
        Which canonical table it is.

    Returns
    -------
    pandas.DataFrame
        A new frame with the canonical columns of ``name``.
    """
    columns = _TABLES[name]
    extra = [c for c in frame.columns if c not in columns]
    if extra:
        raise ValueError(f"{name} table has non-canonical columns {extra}; see schema.py")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col, dtype in columns.items():
        values = frame[col].to_numpy() if col in frame.columns else [pd.NA] * len(frame)
        if dtype.startswith("datetime64"):
            out[col] = pd.to_datetime(pd.Series(values), errors="raise").astype(cast(Any, dtype))
        else:
            out[col] = pd.Series(values).astype(cast(Any, dtype))
    return out


@dataclass(frozen=True)
class Log:
    """A parsed log: episodes, daily values, rejected rows and where they came from.

    Attributes
    ----------
    episodes
        One row per spasm episode; columns in :data:`EPISODE_COLUMNS`.
    daily
        One row per local calendar day that any source covered; columns in
        :data:`DAILY_COLUMNS`. A day absent from this table, or with a missing value, was not
        logged: it is never read as zero.
    rejected
        Input rows that could not be used, with file, line and reason
        (:data:`REJECTED_COLUMNS`).
    provenance
        One row per input file: source format, rows read, used and rejected
        (:data:`PROVENANCE_COLUMNS`).
    tags
        Tags and events without a daily quantity (:data:`TAG_COLUMNS`): kept so that
        nothing a tracker recorded is lost, even where it maps to no trigger value.
    parameters
        Parameters of the rules used while reading (for example the episode threshold).
    not_analysed
        Input rows that were read but that no analysis uses (a tracker's Mood rows, say),
        with file, line and what they were (:data:`NOT_ANALYSED_COLUMNS`): accounted for,
        and kept apart from :attr:`rejected`, which holds rows that were wrong.
    """

    episodes: pd.DataFrame
    daily: pd.DataFrame
    rejected: pd.DataFrame
    provenance: pd.DataFrame
    tags: pd.DataFrame = field(default_factory=lambda: empty_table("tags"))
    parameters: Mapping[str, object] = field(default_factory=dict)
    not_analysed: pd.DataFrame = field(default_factory=lambda: empty_table("not_analysed"))

    def __post_init__(self) -> None:
        for name in ("episodes", "daily", "rejected", "provenance", "tags", "not_analysed"):
            frame = getattr(self, name)
            expected = list(_TABLES[name])
            if list(frame.columns) != expected:
                raise ValueError(
                    f"Log.{name} must have the canonical columns {expected}, "
                    f"got {list(frame.columns)}; build it with schema.conform()"
                )


def empty_log() -> Log:
    """Return a log with no rows in any table."""
    return Log(
        episodes=empty_table("episodes"),
        daily=empty_table("daily"),
        rejected=empty_table("rejected"),
        provenance=empty_table("provenance"),
    )


PathLike = str | os.PathLike[str]


_TREATMENT_SYNONYMS: Final[Mapping[str, str]] = {
    "ice": "ice",
    "ice pack": "ice",
    "cold": "ice",
    "cold pack": "ice",
    "heat": "heat",
    "heating pad": "heat",
    "heat pad": "heat",
    "hot pack": "heat",
    "hot shower": "heat",
    "hot bath": "heat",
    "warmth": "heat",
    "nsaid": "nsaid",
    "nsaids": "nsaid",
    "ibuprofen": "nsaid",
    "naproxen": "nsaid",
    "aspirin": "nsaid",
    "diclofenac": "nsaid",
    "anti-inflammatory": "nsaid",
    "muscle relaxant": "muscle_relaxant",
    "muscle_relaxant": "muscle_relaxant",
    "cyclobenzaprine": "muscle_relaxant",
    "methocarbamol": "muscle_relaxant",
    "tizanidine": "muscle_relaxant",
    "stretching": "stretching",
    "stretch": "stretching",
    "knee to chest": "stretching",
    "knee-to-chest": "stretching",
    "bed rest": "bed_rest",
    "bed_rest": "bed_rest",
    "rest": "bed_rest",
    "lying down": "bed_rest",
    "walking": "walking",
    "walk": "walking",
    "gentle movement": "walking",
    "massage": "massage",
}


def canonical_treatment(name: str) -> str:
    """Map a treatment as people write it (``"Heating pad"``, ``"ibuprofen"``) to its
    canonical name in :data:`TREATMENTS`; anything unknown becomes ``"other"``."""
    key = " ".join(name.strip().lower().replace("_", " ").split())
    return _TREATMENT_SYNONYMS.get(key, _TREATMENT_SYNONYMS.get(key.replace(" ", "_"), "other"))

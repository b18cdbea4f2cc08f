"""Classifying a Flaredown file's rows and building every user's tables at once.

Split from :mod:`~backcare_analysis.readers.flaredown`: :func:`prepare` gives each row its
user, date, rating, tag meaning and reason; :func:`episodes`, :func:`daily` and :func:`tags`
build the tables for all users in vectorised passes; :func:`split` cuts them per user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from ..schema import canonical_treatment, conform
from ._common import implausible_day, plausible_days
from ._tracker_common import (
    NOT_ANALYSED,
    TRUNCATED_REASON,
    TagKind,
    is_lower_back,
    kind_of,
    location_of,
    tags_table,
)

SOURCE: Final = "flaredown"
COLUMNS: Final = (
    "user_id", "age", "sex", "country", "checkin_date", "trackable_id", "trackable_type",
    "trackable_name", "trackable_value",
)  # fmt: skip
REQUIRED: Final = (
    "user_id",
    "checkin_date",
    "trackable_type",
    "trackable_name",
    "trackable_value",
)
RATED: Final = ("condition", "symptom")
SKIPPED: Final[Mapping[str, str]] = {"food": "Food", "weather": "Weather", "hbi": "HBI"}
#: A 0-4 rating times this is the 0-10 severity.
SCALE_0_4_TO_0_10: Final = 2.5
_DAY_SHIFT: Final = 1_000_000  # days added so day numbers before 1970 stay positive
_DAY_SPAN: Final = 4_000_000


def fold(name: str) -> str:
    """``name`` in lower case with its runs of white space made single spaces."""
    return " ".join(name.lower().split())


def names(symptoms: Sequence[str] | str) -> set[str]:
    """The folded names of the chosen back-pain symptoms."""
    return {fold(s) for s in ([symptoms] if isinstance(symptoms, str) else symptoms)}


# --- classifying rows ---------------------------------------------------------------------


def spread(column: pd.Series, func: Callable[[pd.Series], Any]) -> pd.Series:
    """``func`` applied once to each distinct value of a categorical column, then spread
    to every row (a missing field counts as the empty string)."""
    values = pd.Series([*column.cat.categories.astype(str), ""], dtype=object)
    codes = column.cat.codes.to_numpy().copy()
    codes[codes < 0] = len(values) - 1
    return pd.Series(np.asarray(func(values))[codes], index=column.index)


def prepare(
    frame: pd.DataFrame,
    symptoms: Sequence[str] | str | None,
    kinds: Mapping[str, tuple[TagKind, ...]],
) -> pd.DataFrame:
    """Classify every row: user, date, rating, tag meaning and why it is not used."""
    name, value = frame["trackable_name"], frame["trackable_value"]
    wanted = names(symptoms) if symptoms is not None else set()
    is_back = is_lower_back if symptoms is None else (lambda n: fold(n) in wanted)
    out = pd.DataFrame(index=frame.index)
    out["user"] = spread(frame["user_id"], lambda s: s.str.strip())
    out["date"] = spread(
        frame["checkin_date"],
        lambda s: pd.to_datetime(s.str.strip(), format="%Y-%m-%d", errors="coerce"),
    ).astype("datetime64[us]")
    out["type"] = spread(frame["trackable_type"], lambda s: s.str.strip().str.lower())
    out["name"] = spread(name, lambda s: s.str.strip())
    out["value"] = spread(value, lambda s: pd.to_numeric(s.str.strip(), errors="coerce"))
    out["back"] = out["type"].isin(RATED) & spread(name, lambda s: s.map(is_back)).astype(bool)
    out["location"] = spread(name, lambda s: s.map(location_of))
    out["kind"] = spread(name, lambda s: s.map(lambda n: kind_of(n, kinds)))
    out["kind"] = out["kind"].where(out["type"] == "tag", "")
    treatment = spread(name, lambda s: s.map(canonical_treatment))
    is_treatment = (out["type"] == "treatment") | (out["kind"] == "treatment")
    out["treatment"] = treatment.where(is_treatment & (treatment != "other"))
    value_text = spread(value, lambda s: s.str.strip())
    reason = np.full(len(frame), "", dtype=object)
    known = out["type"].isin([*RATED, "treatment", "tag", *SKIPPED]).to_numpy()
    reason[~known] = "unknown trackable_type " + out["type"][~known].map(repr)
    for key, label in SKIPPED.items():
        reason[(out["type"] == key).to_numpy()] = NOT_ANALYSED + label
    for key in RATED:
        other = ((out["type"] == key) & ~out["back"]).to_numpy()
        reason[other] = f"{NOT_ANALYSED}{key.title()} that is not lower back pain"
    bad = (out["back"] & ~out["value"].between(0, 4)).to_numpy()
    reason[bad] = "rating " + value_text[bad].map(repr) + " is not on Flaredown's 0-4 scale"
    undated = out["date"].isna().to_numpy()
    dates = spread(frame["checkin_date"], lambda s: s.str.strip())
    reason[undated] = "checkin_date " + dates[undated].map(repr) + " is not YYYY-MM-DD"
    implausible = (~undated & ~plausible_days(out["date"]).to_numpy()).nonzero()[0]
    if len(implausible):
        days = out["date"].iloc[implausible]
        reason[implausible] = [implausible_day(day) for day in days]
        out.loc[days.index, "date"] = pd.NaT  # no day of the log: not in the daily table
    duplicated = frame.duplicated(keep="first").to_numpy()
    if duplicated.any():
        codes = [frame[c].cat.codes for c in frame.columns]
        first = pd.Series(frame.index, index=frame.index).groupby(codes).transform("min")
        reason[duplicated] = "duplicate of line " + first[duplicated].astype(str)
    extras = [c for c in frame.columns if c.startswith("_extra")]
    if extras:
        reason[(frame[extras].astype(str) != "").any(axis=1).to_numpy()] = (
            "more fields than the header has"
        )
    out["reason"] = pd.Series(reason, index=frame.index, dtype="category")
    return out


# --- building the tables for every user at once -------------------------------------------


def episodes(
    prep: pd.DataFrame, path: Path, *, threshold_0_10: float, gap_h: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """The episode rule of :func:`~backcare_analysis.episodes.episodes_from_ratings`,
    applied to every user at once; back-pain tags are ticks as in
    :func:`~backcare_analysis.readers._tracker_common.episodes_with_ticks`."""
    if threshold_0_10 <= 0 or gap_h <= 0:
        raise ValueError("threshold_0_10 and gap_h must be positive")
    ok = prep["reason"] == ""
    both = prep.loc[ok & (prep["back"] | (prep["kind"] == "back_pain"))]  # in line order
    q = pd.DataFrame(
        {
            "user": both["user"],
            "time": both["date"] + pd.Timedelta(hours=12),
            "severity": (both["value"] * SCALE_0_4_TO_0_10).where(both["back"]).astype("Float64"),
            "location": both["location"].where(both["back"], "lower back"),
            "line": both.index,
        }
    )
    q = q.loc[q["severity"].fillna(threshold_0_10) >= threshold_0_10]
    q = q.sort_values(["user", "time"], kind="stable").reset_index(drop=True)
    previous = q.groupby("user")["time"].cummax().groupby(q["user"]).shift(1)
    hours = (q["time"] - previous).dt.total_seconds() / 3600
    q["episode"] = np.cumsum(previous.isna().to_numpy() | (hours >= gap_h).to_numpy())
    group = q.groupby("episode", sort=True)
    start = group["time"].first()
    at_start = q["time"].to_numpy() == start.loc[q["episode"]].to_numpy()
    out = pd.DataFrame(
        {
            "start_local": start,
            "end_local": group["time"].max(),
            "peak_severity_0_10": group["severity"].max(),
            "initial_severity_0_10": q["severity"].where(at_start).groupby(q["episode"]).first(),
            "location": group["location"].first(),
            "source": SOURCE,
            "source_file": str(path),
            "source_line": group["line"].first(),
            "treatments": "",
            "notes": "",
            "activity_at_onset": "",
        }
    ).reset_index(drop=True)
    out["duration_h"] = (out["end_local"] - out["start_local"]).dt.total_seconds() / 3600
    out["episode_id"] = SOURCE + "-" + out["start_local"].dt.strftime("%Y%m%dT%H%M")
    users = group["user"].first().to_numpy()
    items = prep.loc[ok & prep["treatment"].notna(), ["user", "date", "treatment"]]
    out["treatments"] = treatments(out, users, items)
    return conform(out, "episodes"), users


def treatments(episodes: pd.DataFrame, users: np.ndarray, items: pd.DataFrame) -> pd.Series:
    """Canonical treatments of the days each episode covers, in first-use order."""
    if episodes.empty or items.empty:
        return pd.Series("", index=episodes.index, dtype="str")
    first = episodes["start_local"].dt.normalize()
    n_days = ((episodes["end_local"].dt.normalize() - first).dt.days + 1).to_numpy()
    offsets = np.concatenate([np.arange(n) for n in n_days]).astype("timedelta64[D]")
    covered = pd.DataFrame(
        {
            "row": np.repeat(episodes.index.to_numpy(), n_days),
            "user": np.repeat(users, n_days),
            "date": (np.repeat(first.to_numpy(), n_days) + offsets).astype("datetime64[us]"),
        }
    )
    used = covered.merge(items.reset_index(), on=["user", "date"]).sort_values(["row", "line"])
    joined = used.groupby("row")["treatment"].agg(lambda s: ";".join(dict.fromkeys(s)))
    return joined.reindex(episodes.index, fill_value="").astype("str")


def daily(prep: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Every user's check-in days, with ``pain_max_0_10`` and ``heavy_lifting``; the same
    rules as :func:`~backcare_analysis.readers._tracker_common.pain_max_by_day` and
    :func:`~backcare_analysis.readers._tracker_common.lifting_by_day`."""
    dated = prep.loc[prep["date"].notna()]
    codes, uniques = pd.factorize(dated["user"])
    day_no = dated["date"].to_numpy().astype("datetime64[D]").astype(np.int64) + _DAY_SHIFT
    keys = codes.astype(np.int64) * _DAY_SPAN + day_no  # one int per (user, day)
    key = np.unique(keys)
    user_codes = key // _DAY_SPAN
    users = np.asarray(uniques, dtype=object)[user_codes]

    def on(mask: pd.Series) -> np.ndarray:
        return np.isin(key, keys[mask.to_numpy()])

    reason, ok = dated["reason"], dated["reason"] == ""
    rated = ok & dated["back"]
    covered = dated["type"].isin(RATED) & (ok | reason.str.startswith(NOT_ANALYSED))
    invalid = dated["back"] & ~ok & (reason != TRUNCATED_REASON) & ~reason.str.startswith("dup")
    ticks = ok & (dated["kind"] == "back_pain")
    pain = np.full(len(key), np.nan)
    pain[on(covered) & np.isin(user_codes, codes[rated.to_numpy()])] = 0.0
    pain[on(invalid | ticks)] = np.nan
    worst = (dated["value"] * SCALE_0_4_TO_0_10)[rated].groupby(keys[rated.to_numpy()]).max()
    pain[np.searchsorted(key, worst.index.to_numpy())] = worst.to_numpy()
    lifts = ok & (dated["kind"] == "heavy_lifting")
    heavy = pd.array(np.where(on(lifts), True, False), dtype="boolean")
    heavy[~np.isin(user_codes, codes[lifts.to_numpy()])] = pd.NA
    table = pd.DataFrame(
        {
            "date": ((key % _DAY_SPAN) - _DAY_SHIFT)
            .astype("datetime64[D]")
            .astype("datetime64[us]"),
            "symptoms_logged": True,
            "activity_logged": ~heavy.isna(),
            "pain_max_0_10": pd.array(pain, dtype="Float64"),
            "heavy_lifting": heavy,
        }
    )
    return conform(table, "daily"), users


def tags(prep: pd.DataFrame, frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    tagged = prep.loc[(prep["reason"] == "") & prep["type"].isin(["tag", "treatment"])]
    dose = frame.loc[tagged.index, "trackable_value"].astype(str).str.extract(r"^\s*(\d+\.?\d*)")
    kind = tagged["kind"].mask(tagged["treatment"].notna(), "treatment")
    rows = pd.DataFrame(
        {
            "date": tagged["date"],
            "time_local": tagged["date"] + pd.Timedelta(hours=12),
            "category": tagged["type"].str.title(),
            "tag": tagged["name"],
            "kind": kind,
            "amount": pd.to_numeric(dose[0], errors="coerce"),
            "source": SOURCE,
            "source_file": str(path),
            "source_line": tagged.index,
        }
    )
    return tags_table(rows).assign(user_id=tagged.sort_values("date", kind="stable")["user"].values)


def split(table: pd.DataFrame, users: np.ndarray) -> dict[str, pd.DataFrame]:
    """Rows of ``table`` by user, order kept within each user (slicing, not groupby)."""
    if table.empty:
        return {}
    codes, names = pd.factorize(users)
    order = np.argsort(codes, kind="stable")
    ordered, codes = table.iloc[order].reset_index(drop=True), codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    bounds = zip(starts, np.r_[starts[1:], len(codes)], strict=True)
    return {str(names[codes[a]]): ordered.iloc[a:b].reset_index(drop=True) for a, b in bounds}

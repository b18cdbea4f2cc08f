"""The unmutated inputs of the mutation fuzz: one small base export per format.

The bundled samples (``data/sample``) are used where the project ships one; Daylio,
Flaredown, Google Fit, Fitbit and small Apple Health exports are written from a short
simulated person (``simulate_person``) so every format has a valid starting point. All of
it is deterministic: the same call writes the same bytes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import pandas as pd

from backcare_analysis.schema import Log
from backcare_analysis.synthetic.person import Person, simulate_person
from backcare_analysis.synthetic.writers.apple_health import write_apple_health
from backcare_analysis.synthetic.writers.fitbit import write_fitbit
from backcare_analysis.synthetic.writers.google_fit import write_google_fit

ROOT: Final = Path(__file__).resolve().parents[2]
SAMPLE: Final = ROOT / "data" / "sample"

#: How a format's bytes are mutated: as CSV text, JSON, XML, a zip holding XML, or a
#: folder of JSON files (one of them mutated).
Family = Literal["csv", "json", "xml", "zip", "folder"]


@dataclass(frozen=True)
class Base:
    """One base input: the format's name, its mutation family and the file or folder."""

    name: str
    family: Family
    path: Path


#: Format name -> mutation family, in the order of the report's table.
FORMATS: Final[dict[str, Family]] = {
    "spreadsheet_episodes": "csv",
    "spreadsheet_daily": "csv",
    "bearable": "csv",
    "daylio": "csv",
    "flaredown": "csv",
    "google_fit": "csv",
    "fitbit_json": "json",
    "fitbit_folder": "folder",
    "apple_xml": "xml",
    "apple_zip": "zip",
}

#: Formats the long run adds: the full bundled samples (larger, slower to read).
LONG_FORMATS: Final[dict[str, Family]] = {"bearable_full": "csv", "apple_zip_sample": "zip"}

_DAYS: Final = 45
_SEED: Final = 14


def _person() -> Log:
    return simulate_person(Person(days=_DAYS), seed=_SEED)


def _head_lines(source: Path, target: Path, lines: int) -> Path:
    text = source.read_text(encoding="utf-8")
    target.write_text("".join(text.splitlines(keepends=True)[:lines]), encoding="utf-8")
    return target


def _daylio(log: Log, path: Path) -> Path:
    """A current (9-column) Daylio export, newest entry first, with a BOM."""
    pain = {pd.Timestamp(e["start_local"]).normalize() for _, e in log.episodes.iterrows()}
    rows = []
    for _, r in log.daily.sort_values("date", ascending=False).iterrows():
        day = pd.Timestamp(r["date"])
        acts = []
        if day in pain:
            acts.append("back pain")
        if (r["exercise_min"] or 0) > 20:
            acts.append("walk")
        if (r["stretching_min"] or 0) > 10:
            acts.append("yoga")
        if r["heavy_lifting"] is True:
            acts.append("heavy lifting")
        acts.append("work")
        level = r["pain_max_0_10"]
        scales = "" if pd.isna(level) else f"pain: {round(float(level))}"
        rows.append(
            f"{day:%Y-%m-%d},{day.day} {day:%B},{day:%A},20:{day.day:02d},good,"
            f'"{" | ".join(acts)}","{scales}","","note {day.day}"\n'
        )
    header = "full_date,date,weekday,time,mood,activities,scales,note_title,note\n"
    path.write_text("\ufeff" + header + "".join(rows), encoding="utf-8")
    return path


def _flaredown(log: Log, path: Path) -> Path:
    """A one-user Flaredown file: a back-pain symptom (0-4) per day, some tags and doses."""
    header = (
        "user_id,age,sex,country,checkin_date,trackable_id,trackable_type,trackable_name,"
        "trackable_value\n"
    )
    rows = []
    for _, r in log.daily.iterrows():
        day = f"{pd.Timestamp(r['date']):%Y-%m-%d}"
        level = r["pain_max_0_10"]
        if not pd.isna(level):
            rows.append(f"u1,40,f,NL,{day},11,Symptom,Back pain,{round(float(level) / 2.5)}\n")
        if r["heavy_lifting"] is True:
            rows.append(f"u1,40,f,NL,{day},14,Tag,heavy lifting,\n")
        if not pd.isna(level) and float(level) >= 5:
            rows.append(f"u1,40,f,NL,{day},12,Treatment,Ibuprofen,400.0 mg\n")
        rows.append(f"u1,40,f,NL,{day},16,Weather,temperature_min,40\n")
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def build_corpus(folder: Path, *, long: bool = False) -> dict[str, Base]:
    """Write (or copy) every base input into ``folder`` and return them by format name.

    Parameters
    ----------
    folder
        An empty working folder.
    long
        Add the full bundled samples of :data:`LONG_FORMATS` (the long run).
    """
    folder.mkdir(parents=True, exist_ok=True)
    log = _person()
    paths: dict[str, Path] = {}
    sheet = SAMPLE / "spreadsheet"
    paths["spreadsheet_episodes"] = Path(shutil.copy(sheet / "episodes.csv", folder))
    paths["spreadsheet_daily"] = Path(shutil.copy(sheet / "daily.csv", folder))
    bearable = SAMPLE / "bearable" / "bearable-export.csv"
    # The first ~two months of the bundled sample: the whole year reads too slowly for CI.
    paths["bearable"] = _head_lines(bearable, folder / "bearable-export.csv", 300)
    paths["daylio"] = _daylio(log, folder / "daylio_export.csv")
    paths["flaredown"] = _flaredown(log, folder / "flaredown.csv")
    paths["google_fit"] = write_google_fit(log, folder / "Daily activity metrics.csv")
    fitbit = folder / "fitbit"
    files = write_fitbit(log, fitbit)
    paths["fitbit_folder"] = fitbit
    paths["fitbit_json"] = next(f for f in files if f.name.startswith("sedentary_minutes"))
    small = simulate_person(Person(days=12), seed=_SEED)
    paths["apple_xml"] = write_apple_health(
        small, folder / "export.xml", zipped=False, noise=0.0, seed=_SEED
    )
    paths["apple_zip"] = write_apple_health(small, folder / "export.zip", noise=0.0, seed=_SEED)
    bases = {name: Base(name, FORMATS[name], paths[name]) for name in FORMATS}
    if long:
        full = Path(shutil.copy(bearable, folder / "bearable-full.csv"))
        bases["bearable_full"] = Base("bearable_full", "csv", full)
        apple = SAMPLE / "apple-health" / "export.zip"
        (folder / "sample").mkdir(exist_ok=True)
        sample_zip = Path(shutil.copy(apple, folder / "sample" / "export.zip"))
        bases["apple_zip_sample"] = Base("apple_zip_sample", "zip", sample_zip)
    return bases

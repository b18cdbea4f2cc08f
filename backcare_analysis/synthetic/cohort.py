"""A synthetic cohort: many people whose effects are drawn around known means with a known
spread, written as one Flaredown research-style file or as a folder of per-person exports.

Each back-pain person ``i`` checks in on ``n_days`` consecutive days, rating "Lower back
pain" 0-4 and tagging "heavy lifting" on some days. A new episode (ratings 2-4, that is
5-10 of 10, for 1-4 days) starts on a day at risk with probability
``base_rate * exp(beta_i * lifted_in_previous_3_days)``, where ``beta_i ~
Normal(log(lifting_rr), lifting_tau)``. The exposure is the one the lifting claim tests
(``heavy_lifting_any3d``: a lifting tag on any of the 3 days before), so ``beta_i`` is the
person's log rate ratio on the analysis's own scale and :func:`cohort_truth` gives the
means and spread the pooled estimate should recover. Other people rate other conditions
only (fatigue, migraine ...) and pad the file to research-dataset size. Rows are grouped by
person and ordered by date, as in the research file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

HEADER: Final = (
    "user_id",
    "age",
    "sex",
    "country",
    "checkin_date",
    "trackable_id",
    "trackable_type",
    "trackable_name",
    "trackable_value",
)
_OTHER_CONDITIONS: Final = ("Fatigue", "Migraine", "Anxiety", "Nausea", "Joint pain")
_FIRST_DAY: Final = np.datetime64("2017-01-01")


@dataclass(frozen=True)
class CohortSetting:
    """The design of a synthetic cohort.

    Attributes
    ----------
    n_back
        People who log lower back pain.
    n_other
        People who log other conditions only.
    days
        Smallest and largest number of check-in days of a back-pain person.
    other_rows
        Mean rows of a person who logs other conditions only.
    lifting_rr, lifting_tau
        Mean rate ratio of an onset on a day after heavy lifting on any of the 3 days before
        against no lifting on those days (its log is the mean of the personal log rate
        ratios) and the standard deviation of the personal log ratios.
    base_rate
        Daily onset probability on a day at risk without lifting in the 3 days before.
    lift_share
        Range of the personal share of days with heavy lifting.
    """

    n_back: int = 40
    n_other: int = 20
    days: tuple[int, int] = (150, 300)
    other_rows: int = 60
    lifting_rr: float = 2.0
    lifting_tau: float = 0.3
    base_rate: float = 0.05
    lift_share: tuple[float, float] = (0.15, 0.35)


def cohort_truth(setting: CohortSetting) -> pd.DataFrame:
    """The true pooled effects: ``claim``, ``true_ratio`` (exp of the mean log ratio) and
    ``true_tau`` (the spread of personal log ratios)."""
    return pd.DataFrame(
        {
            "claim": ["lifting"],
            "true_ratio": [setting.lifting_rr],
            "true_tau": [setting.lifting_tau],
        }
    )


def _back_person(
    rng: np.random.Generator, uid: str, setting: CohortSetting
) -> tuple[pd.DataFrame, float]:
    n = int(rng.integers(setting.days[0], setting.days[1] + 1))
    beta = float(rng.normal(np.log(setting.lifting_rr), setting.lifting_tau))
    lifted = rng.random(n) < rng.uniform(*setting.lift_share)
    # Exposed: lifting on any of the 3 days before (the claim's pre-specified window).
    window = np.concatenate([[0], np.cumsum(lifted)])
    exposed = (window[np.arange(n)] - window[np.maximum(np.arange(n) - 3, 0)]) > 0
    rating = rng.choice([0, 1], size=n, p=[0.7, 0.3])
    left = 0  # days left of the current episode
    for day in range(1, n):
        if left > 0:
            rating[day] = rng.integers(2, 5)
            left -= 1
            continue
        if rating[day - 1] >= 2:
            continue  # the day after an episode is not at risk of a new onset
        p = setting.base_rate * np.exp(beta * exposed[day])
        if rng.random() < min(p, 0.95):
            rating[day] = rng.integers(2, 5)
            left = int(rng.integers(0, 4))
    start = _FIRST_DAY + np.timedelta64(int(rng.integers(0, 900)), "D")
    dates = np.datetime_as_string(start + np.arange(n), unit="D")
    back = pd.DataFrame(
        {"day": np.arange(n), "checkin_date": dates, "trackable_type": "Condition"}
    ).assign(trackable_id=1, trackable_name="Lower back pain", trackable_value=rating.astype(str))
    fatigue = back.loc[rng.random(n) < 0.5].assign(
        trackable_type="Symptom",
        trackable_id=2,
        trackable_name="Fatigue",
        trackable_value=lambda f: rng.integers(0, 5, len(f)).astype(str),
    )
    lift = back.loc[lifted].assign(
        trackable_type="Tag", trackable_id=3, trackable_name="heavy lifting", trackable_value=""
    )
    rows = pd.concat([back, fatigue, lift]).sort_values(["day", "trackable_id"], kind="stable")
    return rows.drop(columns="day").assign(user_id=uid), beta


def _other_people(rng: np.random.Generator, ids: list[str], mean_rows: int) -> pd.DataFrame:
    """People with other conditions only, built in one vectorised step."""
    counts = rng.poisson(mean_rows, len(ids)) + 1
    total = int(counts.sum())
    user = np.repeat(np.asarray(ids, dtype=object), counts)
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    start = rng.integers(0, 1500, len(ids))
    day = _FIRST_DAY + (np.repeat(start, counts) + within // 3).astype("timedelta64[D]")
    which = rng.integers(0, len(_OTHER_CONDITIONS), total)
    return pd.DataFrame(
        {
            "user_id": user,
            "checkin_date": np.datetime_as_string(day, unit="D"),
            "trackable_id": 10 + which,
            "trackable_type": "Condition",
            "trackable_name": np.asarray(_OTHER_CONDITIONS, dtype=object)[which],
            "trackable_value": rng.integers(0, 5, total).astype(str),
        }
    )


def simulate_cohort(
    setting: CohortSetting | None = None, *, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a cohort as Flaredown rows.

    Parameters
    ----------
    setting
        The design; :class:`CohortSetting` defaults when None.
    seed
        Random seed.

    Returns
    -------
    rows : pandas.DataFrame
        The Flaredown columns (:data:`HEADER`), one row per trackable of a check-in day,
        grouped by person.
    people : pandas.DataFrame
        One row per back-pain person: ``person`` and ``true_log_rr_lifting``.
    """
    setting = setting or CohortSetting()
    rng = np.random.default_rng(seed)
    back_ids = [f"bp{i:05d}" for i in range(setting.n_back)]
    other_ids = [f"ot{i:05d}" for i in range(setting.n_other)]
    parts, betas = [], []
    for uid in back_ids:
        rows, beta = _back_person(rng, uid, setting)
        parts.append(rows)
        betas.append(beta)
    if other_ids:
        parts.append(_other_people(rng, other_ids, setting.other_rows))
    rows = pd.concat(parts, ignore_index=True)
    order = np.argsort(rows["user_id"].to_numpy(dtype=str), kind="stable")
    rows = rows.iloc[order].reset_index(drop=True)
    rows = rows.assign(age="", sex="", country="")[list(HEADER)]
    return rows, pd.DataFrame({"person": back_ids, "true_log_rr_lifting": betas})


def write_flaredown_cohort(
    path: str | Path, setting: CohortSetting | None = None, *, seed: int = 0
) -> pd.DataFrame:
    """Write a simulated cohort as one Flaredown research-style CSV.

    Returns
    -------
    pandas.DataFrame
        The back-pain people and their true personal log rate ratios
        (:func:`simulate_cohort`).
    """
    rows, people = simulate_cohort(setting, seed=seed)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False, lineterminator="\n")
    return people


def write_cohort_folder(
    folder: str | Path, setting: CohortSetting | None = None, *, seed: int = 0
) -> pd.DataFrame:
    """Write a simulated cohort's back-pain people as a folder of per-person exports: one
    subfolder per person id holding that person's one-user Flaredown export
    (``flaredown.csv``), each readable by :func:`~backcare_analysis.read_log`.

    Returns
    -------
    pandas.DataFrame
        The people and their true personal log rate ratios (:func:`simulate_cohort`).
    """
    rows, people = simulate_cohort(setting, seed=seed)
    for uid, mine in rows.loc[rows["user_id"].isin(people["person"])].groupby("user_id"):
        out = Path(folder) / str(uid)
        out.mkdir(parents=True, exist_ok=True)
        mine.to_csv(out / "flaredown.csv", index=False, lineterminator="\n")
    return people


#: The bundled sample cohort (data/sample/cohort/): small enough for the notebook's test.
SAMPLE_COHORT: Final = CohortSetting(n_back=16, n_other=6, days=(120, 200), other_rows=40)
SAMPLE_COHORT_SEED: Final = 15


def write_sample_cohort(folder: str | Path) -> list[Path]:
    """Write the bundled sample cohort: ``flaredown-cohort.csv`` (16 people who log back
    pain, 6 who log other conditions only), ``people/`` (the first 4 back-pain people as
    one subfolder each) and ``truth.csv`` (each person's true log rate ratio).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(folder)
    rows, people = simulate_cohort(SAMPLE_COHORT, seed=SAMPLE_COHORT_SEED)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "flaredown-cohort.csv", folder / "truth.csv"]
    rows.to_csv(paths[0], index=False, lineterminator="\n")
    people.round(6).to_csv(paths[1], index=False, lineterminator="\n")
    for uid in people["person"].iloc[:4]:
        out = folder / "people" / str(uid)
        out.mkdir(parents=True, exist_ok=True)
        paths.append(out / "flaredown.csv")
        rows.loc[rows["user_id"] == uid].to_csv(paths[-1], index=False, lineterminator="\n")
    return paths

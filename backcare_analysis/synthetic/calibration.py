"""Calibration by simulation: do the verdicts mean what they say?

Draws many synthetic people with :func:`~backcare_analysis.synthetic.person.simulate_person` (null
or planted effects, various log lengths), runs the analyses on each, and summarises per
trigger and setting: the share of each verdict, the coverage of the true rate ratio by the
95% interval, the bias of the log ratio and the power. The naive same-day Pearson
correlation (p < 0.05) runs on the same people as the baseline consumer apps use.
Deterministic by seed, whatever the number of processes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from ..schema import AnalysisError, Log
from ..stats.glm import SEType
from ..stats.onset import fit_onset_models
from ..stats.triggers import TRIGGERS
from ..stats.verdicts import VERDICTS, benjamini_hochberg, verdicts
from .person import NULL_EFFECTS, Person, simulate_person

#: Units in which sample.simulate_person plants each effect (see its module docstring).
PLANTED_UNITS: Final[Mapping[str, float]] = {
    "sitting_h": 1.0,
    "exercise_min": 30.0,
    "stretching_min": 10.0,
    "heavy_lifting": 1.0,
    "water_ml": 500.0,
}
#: Simulated triggers with no effect and no link to the planted ones: their truth is 1.
INDEPENDENT_NULLS: Final = ("sleep_h",)
#: Effects planted in the calibration (the sample's original strong effects), per the
#: units of :data:`PLANTED_UNITS`; fixed here so that results do not drift with the sample.
STRONG_EFFECTS: Final[Mapping[str, float]] = {
    "sitting_h": 1.35,
    "exercise_min": 0.55,
    "stretching_min": 0.55,
    "heavy_lifting": 3.0,
    "water_ml": 1.0,
}
#: Weaker effects, for power: about half the strong ones on the log scale.
MODERATE_EFFECTS: Final[Mapping[str, float]] = {
    "sitting_h": 1.15,
    "exercise_min": 0.75,
    "stretching_min": 0.75,
    "heavy_lifting": 2.0,
    "water_ml": 1.0,
}


@dataclass(frozen=True)
class Setting:
    """One simulated population.

    Attributes
    ----------
    name
        Label in the results, e.g. ``"no effect"`` or ``"strong"``.
    effects
        Rate ratios planted by :func:`~backcare_analysis.synthetic.person.simulate_person`.
    days
        Length of each log.
    base_rate_per_month
        Onset rate with every trigger at its reference value.
    reverse_causation
        Whether pain changes behaviour.
    exclude_episode_days
        Passed to :func:`~backcare_analysis.panel.daily_panel`: ``False`` measures habits
        the way the simulation plants them (episode days included).
    """

    name: str
    effects: Mapping[str, float] = field(default_factory=lambda: dict(NULL_EFFECTS))
    days: int = 365
    base_rate_per_month: float = 2.0
    reverse_causation: bool = True
    exclude_episode_days: bool = False


def true_ratios(effects: Mapping[str, float], units: Mapping[str, float]) -> dict[str, float]:
    """The planted rate ratios in the analysis' reporting units.

    Parameters
    ----------
    effects
        Planted ratios per the units of :data:`PLANTED_UNITS`.
    units
        Trigger -> reporting unit of the analysis.

    Returns
    -------
    dict
        Trigger -> true ratio per reporting unit, for the planted triggers and
        :data:`INDEPENDENT_NULLS`; triggers derived from planted ones (standing breaks from
        sitting, steps from exercise) have no single true value and are left out.
    """
    out = dict.fromkeys(INDEPENDENT_NULLS, 1.0)
    for trigger, per in PLANTED_UNITS.items():
        ratio = float(effects.get(trigger, 1.0))
        scale = float(units.get(trigger, TRIGGERS[trigger].scale))
        out[trigger] = ratio if trigger == "heavy_lifting" else ratio ** (scale / per)
    return out


def simulate_log(setting: Setting, seed: int) -> Log:
    """One simulated person's log of ``setting.days`` days.

    Parameters
    ----------
    setting
        The population.
    seed
        Random seed of this person.

    Returns
    -------
    Log
        The output of :func:`~backcare_analysis.synthetic.person.simulate_person` for a person with
        the setting's effects, onset rate and length (no leg-pain episode).
    """
    person = Person(
        days=setting.days,
        effects=dict(setting.effects),
        base_rate_per_month=setting.base_rate_per_month,
        reverse_causation=setting.reverse_causation,
        leg_pain_episode=None,
    )
    return simulate_person(person, seed=seed)


def person_seed(seed: int, setting_index: int, replicate: int) -> int:
    """Seed of one simulated person, independent of run order and process count."""
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(setting_index, replicate))
    return int(sequence.generate_state(1)[0])


@dataclass(frozen=True)
class _Task:
    setting: Setting
    setting_index: int
    replicate: int
    seed: int
    models: tuple[tuple[str, Mapping[str, object]], ...]
    se_types: tuple[SEType, ...]
    case_crossover: bool
    alpha: float


_RESULT_COLUMNS: Final = (
    "setting",
    "days",
    "replicate",
    "seed",
    "analysis",
    "trigger",
    "n_onsets",
    "log_ratio",
    "se",
    "ci_low",
    "ci_high",
    "p_val",
    "q_val",
    "verdict",
    "true_ratio",
)


def _rate_ratio_rows(panel: pd.DataFrame, task: _Task) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for label, options in task.models:
        fits = fit_onset_models(panel, **options)  # type: ignore[arg-type]
        rows += _rate_ratio_variant(fits, task, label)
    return rows


def _rate_ratio_variant(fits: pd.DataFrame, task: _Task, label: str) -> list[dict[str, object]]:
    from scipy import stats

    z = float(stats.norm.ppf(1 - task.alpha / 2))
    b = fits["log_ratio"].to_numpy(dtype=np.float64)
    rows: list[dict[str, object]] = []
    for se_type in task.se_types:
        s = fits[f"se_{se_type}"].to_numpy(dtype=np.float64)
        p = 2 * stats.norm.sf(np.abs(b / s))
        q = benjamini_hochberg(p)
        lo, hi = np.exp(b - z * s), np.exp(b + z * s)
        expected = [TRIGGERS[t].expected for t in fits["trigger"]]
        verdict = verdicts(q, lo, hi, expected, alpha=task.alpha)
        for i, trigger in enumerate(fits["trigger"]):
            rows.append(
                {
                    "analysis": f"rate ratio ({label}), {se_type} SE",
                    "trigger": trigger,
                    "n_onsets": int(fits["n_onsets"].iloc[i]),
                    "log_ratio": b[i],
                    "se": s[i],
                    "ci_low": lo[i],
                    "ci_high": hi[i],
                    "p_val": p[i],
                    "q_val": q[i],
                    "verdict": verdict[i],
                }
            )
    return rows


def _crossover_rows(panel: pd.DataFrame, task: _Task) -> list[dict[str, object]]:
    from ..stats.casecrossover import case_crossover

    table = case_crossover(panel, alpha=task.alpha)
    return [
        {
            "analysis": "case-crossover",
            "trigger": r["trigger"],
            "n_onsets": int(r["n_onsets"]),
            "log_ratio": math.log(r["odds_ratio"]) if r["odds_ratio"] > 0 else math.nan,
            "se": r["se_log_or"],
            "ci_low": r["ci_low"],
            "ci_high": r["ci_high"],
            "p_val": r["p_val"],
            "q_val": r["q_val"],
            "verdict": r["verdict"],
        }
        for r in table.to_dict("records")
    ]


def _naive_rows(panel: pd.DataFrame, task: _Task) -> list[dict[str, object]]:
    from ..stats.descriptive import trigger_correlations

    table = trigger_correlations(panel, outcome="onset")
    rows: list[dict[str, object]] = []
    for r in table.to_dict("records"):
        p_same_day = float(r["p_same_day"])
        significant = math.isfinite(p_same_day) and p_same_day < task.alpha
        rows.append(
            {
                "analysis": "naive same-day correlation",
                "trigger": r["trigger"],
                "n_onsets": math.nan,
                "log_ratio": math.nan,
                "se": math.nan,
                "ci_low": math.nan,
                "ci_high": math.nan,
                "p_val": p_same_day,
                "q_val": math.nan,
                "verdict": (
                    ("significant" if significant else "not significant")
                    if math.isfinite(p_same_day)
                    else "not enough data"
                ),
            }
        )
    return rows


def _run_task(task: _Task) -> list[dict[str, object]]:
    from ..panel import daily_panel

    with warnings.catch_warnings():
        # Nothing may warn silently inside a calibration run.
        warnings.simplefilter("error")
        log = simulate_log(task.setting, task.seed)
        panel = daily_panel(log, exclude_episode_days=task.setting.exclude_episode_days)
        rows: list[dict[str, object]] = []
        for build in (_rate_ratio_rows, _crossover_rows, _naive_rows):
            if build is _crossover_rows and not task.case_crossover:
                continue
            try:
                rows += build(panel, task)
            except AnalysisError:
                rows.append({"analysis": build.__name__, "trigger": "", "verdict": "error"})
    truth = true_ratios(task.setting.effects, {})
    for row in rows:
        row.update(
            setting=task.setting.name,
            days=task.setting.days,
            replicate=task.replicate,
            seed=task.seed,
            true_ratio=truth.get(str(row["trigger"]), math.nan),
        )
    return rows


def run_calibration(
    settings: Sequence[Setting],
    *,
    replicates: int | Sequence[int] = 100,
    seed: int = 1,
    models: Mapping[str, Mapping[str, object]] | None = None,
    se_types: Sequence[SEType] = ("model",),
    case_crossover: bool = True,
    alpha: float = 0.05,
    processes: int = 1,
) -> pd.DataFrame:
    """Analyse many simulated people; one row per person, analysis and trigger.

    Parameters
    ----------
    settings
        Populations to draw from.
    replicates
        People per setting: one number for all, or one per setting.
    seed
        Master seed; each person's seed derives from it, the setting's position and the
        replicate number (:func:`person_seed`).
    models
        Label -> keyword arguments of
        :func:`~backcare_analysis.stats.onset.fit_onset_models` (``adjust``, ``penalty``,
        ``model``) for each rate-ratio analysis to evaluate; by default one, ``{"default":
        {}}``.
    se_types
        Standard errors of the rate-ratio models to evaluate (one analysis each).
    case_crossover
        Also run the case-crossover analysis.
    alpha
        Level of intervals and false discovery rate.
    processes
        Worker processes; results are identical for any number.

    Returns
    -------
    pandas.DataFrame
        Columns ``setting``, ``days``, ``replicate``, ``seed``, ``analysis`` (``"rate
        ratio (default), model SE"``, ``"case-crossover"``, ``"naive same-day correlation"``, ...),
        ``trigger``, ``n_onsets``, ``log_ratio``, ``se``, ``ci_low``, ``ci_high``,
        ``p_val``, ``q_val``, ``verdict`` (for the naive baseline ``"significant"`` when
        p < alpha), ``true_ratio`` (per reporting unit; NaN where there is no single
        truth). A person whose panel an analysis refused has one row with verdict
        ``"error"``.

    Notes
    -----
    Each person is simulated and analysed independently (warnings are errors inside a
    run); the truth is the planted ratio in the analysis' reporting units
    (:func:`true_ratios`), which assumes the habit means are measured as the simulation
    plants them (``Setting.exclude_episode_days=False``).
    """
    counts = [replicates] * len(settings) if isinstance(replicates, int) else list(replicates)
    if len(counts) != len(settings):
        raise ValueError(f"{len(counts)} replicate counts for {len(settings)} settings")
    tasks = [
        _Task(
            setting=s,
            setting_index=i,
            replicate=r,
            seed=person_seed(seed, i, r),
            models=tuple(
                (label, dict(opts)) for label, opts in (models or {"default": {}}).items()
            ),
            se_types=tuple(se_types),
            case_crossover=case_crossover,
            alpha=alpha,
        )
        for i, s in enumerate(settings)
        for r in range(counts[i])
    ]
    if processes > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            chunks = pool.map(_run_task, tasks, chunksize=max(1, len(tasks) // (8 * processes)))
    else:
        chunks = [_run_task(t) for t in tasks]
    frame = pd.DataFrame.from_records([row for chunk in chunks for row in chunk])
    return frame.reindex(columns=list(_RESULT_COLUMNS))


def summarize_calibration(results: pd.DataFrame) -> pd.DataFrame:
    """Per setting, length, analysis and trigger: verdict shares, coverage, bias, power.

    Parameters
    ----------
    results
        Output of :func:`run_calibration`.

    Returns
    -------
    pandas.DataFrame
        Columns ``setting``, ``days``, ``analysis``, ``trigger``, ``n_people``,
        ``mean_onsets``, ``share_<verdict>`` for each verdict (``share_supported``,
        ``share_contradicted``, ``share_inconclusive``, ``share_not_enough_data``;
        ``share_significant`` for the naive baseline), ``share_decided`` (supported or
        contradicted, or significant), ``share_p_below_05`` (raw p < 0.05 among people
        with an estimate), ``true_ratio``, ``coverage`` (share of intervals containing the
        true ratio among people with an estimate), ``coverage_mc_se`` (its Monte Carlo
        standard error, ``sqrt(c (1 - c) / n)``), ``bias_log`` (mean error of the log
        ratio), ``sd_log`` (its spread across people) and ``mean_se`` (mean reported
        standard error).

    Notes
    -----
    Coverage, bias and spread are over the people with an estimate (not enough data
    excluded); verdict shares are over all people.
    """
    data = results.loc[results["trigger"].astype(str) != ""]
    records = []
    keys = ["setting", "days", "analysis", "trigger"]
    for key, g in data.groupby(keys, sort=False):
        n = len(g)
        record: dict[str, object] = dict(zip(keys, key, strict=True))
        record["n_people"] = n
        record["mean_onsets"] = float(g["n_onsets"].astype(float).mean())
        naive = key[2] == "naive same-day correlation"
        labels = ("significant", "not enough data") if naive else VERDICTS
        for label in labels:
            record[f"share_{label.replace(' ', '_')}"] = float((g["verdict"] == label).mean())
        decided = ("significant",) if naive else ("supported", "contradicted")
        record["share_decided"] = float(g["verdict"].isin(decided).mean())
        est = g.loc[np.isfinite(g["p_val"].astype(float))]
        record["share_p_below_05"] = float((est["p_val"] < 0.05).mean()) if len(est) else math.nan
        truth = float(g["true_ratio"].iloc[0])
        record["true_ratio"] = truth
        est = g.loc[np.isfinite(g["se"].astype(float))]
        if math.isfinite(truth) and len(est) and not naive:
            cover = (est["ci_low"] <= truth) & (truth <= est["ci_high"])
            c = float(cover.mean())
            error = est["log_ratio"].astype(float) - math.log(truth)
            record.update(
                coverage=c,
                coverage_mc_se=math.sqrt(c * (1 - c) / len(est)),
                bias_log=float(error.mean()),
                sd_log=float(est["log_ratio"].astype(float).std()),
                mean_se=float(est["se"].astype(float).mean()),
            )
        records.append(record)
    return pd.DataFrame.from_records(records)

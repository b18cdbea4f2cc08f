"""Check every piece of advice from the source articles against a person's own log.

The claims are paraphrased from the five articles in ``shared/seeds`` (ids ``000``-``004``,
file names in :data:`SOURCE_FILES`); the published evidence beside each comes from
``shared/METHODS.md``. Prevention claims are tested on onsets with exposure before onset
(:func:`~backcare_analysis.stats.onset.onset_rate_ratios`); treatment claims on episodes,
adjusted for initial severity (:func:`~backcare_analysis.stats.treatments.compare_treatments`);
recurrence with Kaplan-Meier (:func:`~backcare_analysis.stats.recurrence.recurrence`).
False-discovery control runs across the prevention claims; treatment comparisons form their
own family and are described (no verdict: the log says which treatments an episode
got, not when, so anything tried is likelier in long episodes); the recurrence probability
is described beside the published range; a proxy (standing breaks, which move with
sitting) is read with its parent claim rather than given a verdict of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from .panel import daily_panel
from .schema import AnalysisError, Log
from .stats.recurrence import recurrence
from .stats.treatments import CAVEAT, compare_treatments
from .stats.verdicts import (
    CONTRADICTED,
    DESCRIBED,
    INCONCLUSIVE,
    NOT_ENOUGH_DATA,
    SUPPORTED,
    Verdict,
    benjamini_hochberg,
    verdict,
)

Group = Literal["prevention", "treatment", "natural course"]

SOURCE_FILES: Final = {
    "000": "000_d925b367e17ada2a.txt",
    "001": "001_fca5e768d903f4ff.txt",
    "002": "002_66ebcb780e410ee9.txt",
    "003": "003_7a5643f9d6b2cac7.txt",
    "004": "004_881d02a226d37294.txt",
}


@dataclass(frozen=True)
class Claim:
    """One piece of advice and how it is tested.

    Attributes
    ----------
    id
        Stable id.
    group
        ``prevention``, ``treatment`` or ``natural course``.
    advice
        The advice, paraphrased.
    sources
        Ids of the articles that give it (see :data:`SOURCE_FILES`).
    published
        What published studies say (from METHODS.md), with its uncertainty.
    needs
        Which field or tracker would let the claim be tested.
    triggers
        For prevention claims, the trigger columns that test it, in order of preference.
    """

    id: str
    group: Group
    advice: str
    sources: tuple[str, ...]
    published: str
    needs: str
    triggers: tuple[str, ...] = ()


CLAIMS: Final[tuple[Claim, ...]] = (
    Claim(
        "sitting",
        "prevention",
        "Long sitting, such as a whole day at a computer, makes spasms more likely.",
        ("004", "002", "001"),
        "Evidence on sitting is mixed.",
        "hours of sitting per day (sitting_h in daily.csv, Fitbit sedentary minutes or "
        "Google Fit inactive time), or a tag for days of long sitting",
        ("sitting_h", "sitting_day"),
    ),
    Claim(
        "breaks",
        "prevention",
        "Frequent breaks from one position lower the risk.",
        ("004",),
        "Evidence on sitting is mixed; no estimate for breaks alone was collected.",
        "standing breaks per day (stand hours from an Apple Watch, or stand_hours_count)",
        ("stand_hours_count",),
    ),
    Claim(
        "exercise",
        "prevention",
        "Walking several times a week and an exercise routine prevent spasms.",
        ("000", "003", "004"),
        "Exercise programmes cut recurrence (RR about 0.65, 95% CI 0.50-0.86; Steffens 2016 "
        "meta-analysis); a walking programme gave HR 0.72 (0.60-0.85; WalkBack 2024).",
        "minutes of exercise or steps per day (exercise_min, a watch or a phone), or "
        "exercise / walk / activity-level tags in a diary",
        ("exercise_min", "steps_count", "exercise_day", "activity_level_0_3"),
    ),
    Claim(
        "stretching",
        "prevention",
        "Daily stretching or yoga prevents spasms.",
        ("000", "002", "003", "004"),
        "No estimate for stretching alone was collected; exercise programmes as a whole cut "
        "recurrence (RR about 0.65, 0.50-0.86).",
        "minutes of stretching or yoga per day (stretching_min, or yoga workouts in Apple "
        "Health), or stretching / yoga tags in a diary",
        ("stretching_min", "stretching_day"),
    ),
    Claim(
        "hydration",
        "prevention",
        "Dehydration can bring spasms on.",
        ("000",),
        "No good evidence links dehydration to back spasm.",
        "water drunk per day (water_ml, Bearable Water or Apple Health dietary water)",
        ("water_ml",),
    ),
    Claim(
        "lifting",
        "prevention",
        "Heavy lifting, over-exertion, or twisting and bending quickly trigger spasms.",
        ("000", "004"),
        "In 999 people with acute low back pain, heavy loads in the 2 hours before onset "
        "gave OR 6.0 at age 40 and awkward postures about 8 (Steffens 2015, case-crossover).",
        "days with heavy lifting (heavy_lifting yes/no, or strength workouts in Apple Health)",
        ("heavy_lifting",),
    ),
    Claim(
        "posture",
        "prevention",
        "Good posture when sitting or standing prevents spasms.",
        ("002", "004"),
        "Awkward postures were a short-term trigger (OR about 8; Steffens 2015); no estimate "
        "for posture habits was collected.",
        "a daily posture rating (posture_0_10 in daily.csv)",
        ("posture_0_10",),
    ),
    Claim(
        "ice_then_heat",
        "treatment",
        "Ice in the first 48 hours, heat afterwards (004 recommends heat straight away).",
        ("000", "002", "004"),
        "Evidence on cold is insufficient and heat versus cold is conflicting (Cochrane).",
        "treatments per episode, in the order used (treatments: 'ice; heat')",
    ),
    Claim(
        "heat",
        "treatment",
        "Heat relaxes the muscle and eases the pain.",
        ("000", "001", "004"),
        "Superficial heat helps: about 1 point less pain on a 0-5 scale at day 5 (Cochrane).",
        "treatments per episode (treatments: 'heat')",
    ),
    Claim(
        "nsaids",
        "treatment",
        "Over-the-counter anti-inflammatories ease the pain.",
        ("002", "003", "004"),
        "No estimate was collected for this project.",
        "treatments per episode (treatments: 'ibuprofen'), or Bearable meds",
    ),
    Claim(
        "rest_vs_movement",
        "treatment",
        "Gentle movement beats lying down (004); 001 recommends bed rest for the first days.",
        ("001", "004"),
        "Staying active beats bed rest modestly (Cochrane, pain SMD 0.22).",
        "treatments per episode (treatments: 'bed rest' or 'walking')",
    ),
    Claim(
        "stretch_during",
        "treatment",
        "Gentle knee-to-chest stretching eases an ongoing spasm.",
        ("002", "003"),
        "No estimate was collected for this project.",
        "treatments per episode (treatments: 'stretching')",
    ),
    Claim(
        "recurrence",
        "natural course",
        "After one bout of spasms, more are likely.",
        ("000",),
        "About a third of people have a recurrence within a year (estimates range 24-73%).",
        "at least three episodes",
    ),
)

#: Proxy claims: measured by a behaviour that moves with another claim's, so read with it.
PROXY_OF: Final = {"breaks": "sitting"}

#: For treatment claims: the direction the advice predicts for the ratio of durations.
_TREATMENT_EXPECTED: Final = {
    "ice_then_heat": "lowers",
    "heat": "lowers",
    "nsaids": "lowers",
    # treated = bed rest: the advice (004) predicts longer episodes than with movement
    "rest_vs_movement": "raises",
    "stretch_during": "lowers",
}

SCORECARD_COLUMNS: Final = (
    "claim",
    "group",
    "advice",
    "sources",
    "source_files",
    "tested",
    "n_days",
    "n_events",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p_val",
    "q_val",
    "verdict",
    "sentence",
    "what_it_would_take",
    "published",
    "caveat",
    "exposure_measure",
    "exposure_unit",
    "se_log",
    "power_at_target",
)

_CONCLUSION: Final[dict[str, str]] = {
    SUPPORTED: "this supports the advice.",
    CONTRADICTED: "this goes against the advice.",
    INCONCLUSIVE: "inconclusive so far.",
    NOT_ENOUGH_DATA: "not enough data yet.",
    DESCRIBED: "described, no verdict.",
}

#: Days at risk with a value for a measure to be preferred over the next one.
_PREFERRED_MIN_DAYS: Final = 56


def _usable_days(panel: pd.DataFrame, trigger: str) -> int:
    """At-risk days with a value of the trigger, or 0 when it never varies."""
    if trigger not in panel.columns:
        return 0
    values = panel.loc[panel["at_risk"].astype(bool), trigger].dropna()
    return len(values) if len(values) and (values != values.iloc[0]).any() else 0


def _best_measure(panel: pd.DataFrame, triggers: tuple[str, ...]) -> str | None:
    """The first measure logged on enough days, else the one logged on the most days."""
    days = {t: _usable_days(panel, t) for t in triggers}
    for t in triggers:
        if days[t] >= _PREFERRED_MIN_DAYS:
            return t
    best = max(triggers, key=lambda t: days[t], default=None)
    return best if best is not None and days[best] > 0 else None


def _no_diary(log: Log) -> bool:
    """True when the log has no symptom diary at all (activity data only)."""
    diary = log.daily["symptoms_logged"].fillna(False).astype(bool)
    return bool(log.episodes.empty and not diary.any())


def _record(table: pd.DataFrame, key: str) -> dict[str, Any]:
    """One row of a result table indexed by id, as a plain dict."""
    return {str(k): v for k, v in table.loc[key].to_dict().items()}


def _empty_row(claim: Claim) -> dict[str, object]:
    return {
        "claim": claim.id,
        "group": claim.group,
        "advice": claim.advice,
        "sources": ", ".join(claim.sources),
        "source_files": ", ".join(SOURCE_FILES[s] for s in claim.sources),
        "tested": "",
        "n_days": 0,
        "n_events": 0,
        "measure": "",
        "estimate": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "p_val": math.nan,
        "q_val": math.nan,
        "verdict": NOT_ENOUGH_DATA,
        "sentence": "",
        "what_it_would_take": "",
        "published": claim.published,
        "caveat": "",
        "exposure_measure": "",
        "exposure_unit": "",
        "se_log": math.nan,
        "power_at_target": math.nan,
        "_expected": "",
    }


def _prevention(log: Log, claims: list[Claim]) -> list[dict[str, object]]:
    from .stats.onset import onset_rate_ratios

    panel = daily_panel(log)
    chosen: dict[str, str] = {}
    for claim in claims:
        best = _best_measure(panel, claim.triggers)
        if best is not None:
            chosen[claim.id] = best
    table: pd.DataFrame | None = None
    failure = ""
    if _no_diary(log):
        failure = (
            "no symptom diary was given, so there are no spasms to relate this to; add a "
            "symptom export (Bearable, Daylio, Flaredown, Apple Health back-pain symptoms or "
            "episodes.csv) beside the activity data"
        )
        chosen = {}
    if chosen:
        try:
            table = onset_rate_ratios(panel, triggers=list(chosen.values())).set_index("trigger")
        except AnalysisError as exc:
            failure = str(exc)
    rows = []
    for claim in claims:
        row = _empty_row(claim)
        trigger = chosen.get(claim.id)
        if trigger is None or table is None:
            why = failure or f"nothing in the log records {claim.needs}"
            row["sentence"] = f"Not enough data: {why}."
            row["what_it_would_take"] = (
                "Add a symptom diary (spasm episodes or daily pain ratings)."
                if _no_diary(log)
                else f"Log {claim.needs}."
            )
            rows.append(row)
            continue
        result = _record(table, trigger)
        row.update(
            tested=f"{trigger}, {result['window']}, {result['unit']}",
            exposure_measure=f"{trigger} ({result['measured_by']})",
            exposure_unit=str(result["unit"]),
            se_log=float(result["se_log_rr"]),
            power_at_target=float(result["power_at_target"]),
            n_days=int(result["n_days"]),
            n_events=int(result["n_onsets"]),
            measure=str(result["measure"]),
            estimate=float(result["rate_ratio"]),
            ci_low=float(result["ci_low"]),
            ci_high=float(result["ci_high"]),
            p_val=float(result["p_val"]),
            _expected=str(result["expected_direction"]),
            sentence=str(result["description"]),
        )
        if result["reason"]:
            row["sentence"] = f"Not enough data: {result['reason']}."
        weeks = float(result["weeks_needed"])
        target = float(result["target_rr"])
        if math.isfinite(weeks) and weeks > 0:
            row["what_it_would_take"] = (
                f"About {weeks:.0f} more weeks of logging to detect a rate ratio of "
                f"{target:.2g} {result['unit']}."
            )
        elif math.isfinite(weeks):
            row["what_it_would_take"] = (
                f"The log is already long enough to detect a rate ratio of {target:.2g} "
                f"{result['unit']}."
            )
        rows.append(row)
    return rows


def _treatment(log: Log, claims: list[Claim]) -> list[dict[str, object]]:
    table = compare_treatments(log).set_index("claim")
    rows = []
    for claim in claims:
        row = _empty_row(claim)
        result = _record(table, claim.id)
        n = int(result["n_treated"] + result["n_control"])
        row.update(
            tested=f"episode duration: {result['treated']} vs {result['control']}, "
            "adjusted for initial severity",
            n_events=n,
            measure="ratio of durations",
            caveat=CAVEAT,
            _expected=_TREATMENT_EXPECTED[claim.id],
        )
        if result["note"]:
            row["sentence"] = f"Not enough data: {result['note']}."
            row["what_it_would_take"] = f"Record {claim.needs}."
        else:
            row.update(
                estimate=float(result["effect"]),
                ci_low=float(result["ci_low"]),
                ci_high=float(result["ci_high"]),
                p_val=float(result["p_val"]),
                verdict=DESCRIBED,
                sentence=(
                    f"Episodes with {result['treated']} lasted {result['effect']:.2g} times as "
                    f"long as those with {result['control']} ({result['ci_low']:.2g} to "
                    f"{result['ci_high']:.2g}), comparing episodes that began equally badly."
                ),
            )
        rows.append(row)
    return rows


def _recurrence(log: Log, claim: Claim) -> dict[str, object]:
    row = _empty_row(claim)
    result = recurrence(log).iloc[0].to_dict()
    row.update(
        tested=f"time from the end of one episode to the next, Kaplan-Meier; probability of "
        f"another within {result['horizon_days']:.0f} days",
        n_events=int(result["n_episodes"]),
        measure="probability",
    )
    if not math.isfinite(float(result["p_recur"])):
        row["sentence"] = f"Not enough data: {result['note']}."
        row["what_it_would_take"] = "Log at least three episodes."
        return row
    low, high = float(result["ci_low"]), float(result["ci_high"])
    row.update(estimate=float(result["p_recur"]), ci_low=low, ci_high=high)
    # A described probability beside the published range, not a verdict: with three
    # episodes any log "shows" recurrence, so a verdict could not fail (issue 13).
    row["verdict"] = DESCRIBED
    row["sentence"] = (
        f"After an episode, the chance of another within a year is {result['p_recur']:.0%} "
        f"({low:.0%} to {high:.0%}); the median gap is {result['median_gap_days']:.0f} days. "
        f"Published studies put it at 24-73%."
    )
    if result["note"]:
        row["caveat"] = str(result["note"])
    return row


def check_advice(log: Log, *, alpha: float = 0.05) -> pd.DataFrame:
    """Check every claim from the source articles against a log: the advice scorecard.

    Parameters
    ----------
    log
        A parsed log.
    alpha
        False discovery rate across the prevention and treatment claims, and one minus the
        confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per claim of :data:`CLAIMS`, in that order, with columns ``claim`` (stable
        id), ``group``, ``advice`` (paraphrased), ``sources`` (article ids) and
        ``source_files``, ``tested`` (exposure, window and unit, or the comparison),
        ``n_days`` (days at risk used), ``n_events`` (onsets, or episodes compared),
        ``measure`` (rate ratio, ratio of durations or probability), ``estimate``,
        ``ci_low``, ``ci_high``, ``p_val``, ``q_val`` (Benjamini-Hochberg across the
        prevention and treatment claims tested), ``verdict`` (supported, contradicted,
        inconclusive or not enough data), ``sentence`` (one plain sentence ending in the
        conclusion), ``what_it_would_take`` (the data that would decide it),
        ``published`` (what published studies found), ``caveat``, ``exposure_measure``
        (the trigger column and whether it is an amount logged or diary tags),
        ``exposure_unit``, ``se_log`` (SE of the log ratio) and ``power_at_target``
        (chance of a verdict now if the planned effect were true).

    Notes
    -----
    Warning signs are not part of the scorecard: show :func:`~backcare_analysis.red_flags`
    first. A claim whose data is not in the log gets ``not enough data`` and says which
    field or tracker would answer it. Treatment comparisons, the recurrence probability and
    proxies get ``described`` (:data:`~backcare_analysis.stats.verdicts.DESCRIBED`):
    an estimate with its interval and no verdict.
    """
    prevention = [c for c in CLAIMS if c.group == "prevention"]
    treatment = [c for c in CLAIMS if c.group == "treatment"]
    rows = _prevention(log, prevention)
    p_values = np.array([float(r["p_val"]) for r in rows])  # type: ignore[arg-type]
    q_values = benjamini_hochberg(p_values)
    for row, q in zip(rows, q_values, strict=True):
        row["q_val"] = float(q)
        if row["claim"] in PROXY_OF and math.isfinite(float(row["estimate"])):  # type: ignore[arg-type]
            parent = PROXY_OF[str(row["claim"])]
            row["verdict"] = DESCRIBED
            row["sentence"] = (
                f"{str(row['sentence']).rstrip('.')}. This behaviour moves with {parent}, so it "
                f"is read as part of the {parent} claim rather than on its own."
            )
        elif math.isfinite(float(row["estimate"])):  # type: ignore[arg-type]
            row["verdict"] = verdict(
                float(q),
                float(row["ci_low"]),  # type: ignore[arg-type]
                float(row["ci_high"]),  # type: ignore[arg-type]
                row["_expected"],  # type: ignore[arg-type]
                alpha=alpha,
            )
    # Treatments: their own false-discovery family, described.
    treated = _treatment(log, treatment)
    t_q = benjamini_hochberg(np.array([float(r["p_val"]) for r in treated]))  # type: ignore[arg-type]
    for row, q in zip(treated, t_q, strict=True):
        row["q_val"] = float(q)
    rows += treated
    rows.append(_recurrence(log, next(c for c in CLAIMS if c.group == "natural course")))
    for row in rows:
        conclusion = _CONCLUSION[str(row["verdict"])]
        sentence = str(row["sentence"])
        if row["verdict"] != NOT_ENOUGH_DATA:
            sentence = f"{sentence.rstrip('.')}; {conclusion}"
        row["sentence"] = sentence
    card = pd.DataFrame(rows).drop(columns="_expected")
    return card[list(SCORECARD_COLUMNS)]


def scorecard_verdicts(card: pd.DataFrame) -> dict[str, Verdict]:
    """Claim id -> verdict, for tests and summaries."""
    return dict(zip(card["claim"], card["verdict"], strict=True))

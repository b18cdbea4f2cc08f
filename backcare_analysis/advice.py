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
from typing import Any, Final

import numpy as np
import pandas as pd

from .claims import _TREATMENT_EXPECTED, CLAIMS, PROXY_OF, SOURCE_FILES, Claim
from .panel import daily_panel
from .schema import AnalysisError, Log
from .small_log import small_log_row
from .stats.recurrence import recurrence
from .stats.treatments import CAVEAT, compare_treatments
from .stats.verdicts import (
    CONTRADICTED,
    DEFAULT_MINIMUMS,
    DESCRIBED,
    INCONCLUSIVE,
    NOT_ENOUGH_DATA,
    SUPPORTED,
    Verdict,
    benjamini_hochberg,
    verdict,
)

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
    at_risk = panel["at_risk"].to_numpy(dtype=bool)
    values = panel[trigger].to_numpy(dtype=np.float64, na_value=np.nan)[at_risk]
    values = values[~np.isnan(values)]
    return len(values) if len(values) and (values != values[0]).any() else 0


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


def _model_decides(table: pd.DataFrame | None, trigger: str) -> bool:
    """Whether the onset model's row for the trigger stands (it was fitted, or it failed
    for a reason other than too few days at risk), so no small-log comparison replaces it."""
    if table is None or trigger not in table.index:
        return False
    result = _record(table, trigger)
    return not result["reason"] or int(result["n_days"]) >= DEFAULT_MINIMUMS.at_risk_days


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
    no_diary = _no_diary(log)
    if no_diary:
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
        small = (
            small_log_row(panel, trigger)
            if trigger and not no_diary and not _model_decides(table, trigger)
            else None
        )
        if small is not None:
            row.update(small)
            rows.append(row)
            continue
        if trigger is None or table is None:
            nothing = f"nothing in the log records {claim.needs}"
            why = nothing if trigger is None and not no_diary else failure or nothing
            row["sentence"] = f"Not enough data: {why}."
            row["what_it_would_take"] = (
                "Add a symptom diary (spasm episodes or daily pain ratings)."
                if no_diary
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
    table = compare_treatments(log)
    results = dict(zip(table["claim"], table.to_dict("records"), strict=True))
    rows = []
    for claim in claims:
        row = _empty_row(claim)
        result = results[claim.id]
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
    card = pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))  # "_expected" left out
    return _with_posterior(card)


#: Columns of the posterior probability that the advice helps, joined to the scorecard.
POSTERIOR_COLUMNS: Final = (
    "p_benefit",
    "p_benefit_flat",
    "p_benefit_wide",
    "post_ratio",
    "post_ci_low",
    "post_ci_high",
    "prior_source",
)


def _with_posterior(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard with the probability that each piece of advice helps this person
    (published evidence as the prior, this log as the likelihood; see stats/priors.py)."""
    from .stats.priors import posterior_benefit

    posterior = posterior_benefit(card)
    keep = ["claim", *[c for c in POSTERIOR_COLUMNS if c in posterior.columns]]
    natural = (card["group"] == "natural course").to_numpy()
    if posterior["claim"].is_unique:
        # The left merge on claim as a take, faster than merge and where: the recurrence
        # probability is not advice that helps, so it gets no posterior.
        row_of = {claim: i for i, claim in enumerate(posterior["claim"].tolist())}
        rows = np.array([row_of.get(c, -1) for c in card["claim"].tolist()], dtype=np.int64)
        rows[natural] = -1
        found = {c: posterior[c].array.take(rows, allow_fill=True) for c in keep[1:]}
        return pd.concat([card, pd.DataFrame(found, index=card.index)], axis=1)
    out = card.merge(posterior[keep], on="claim", how="left")
    # Recurrence is a probability, not advice that helps: no posterior.
    for column in keep[1:]:
        out[column] = out[column].where(~natural)
    return out


def scorecard_verdicts(card: pd.DataFrame) -> dict[str, Verdict]:
    """Claim id -> verdict, for tests and summaries."""
    return dict(zip(card["claim"], card["verdict"], strict=True))

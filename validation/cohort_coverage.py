"""Coverage of the pooled estimates on simulated cohorts (issue 15 acceptance).

Simulates ``--cohorts`` synthetic cohorts (backcare_analysis.synthetic.cohort) whose
personal log rate ratios of an onset after heavy lifting on any of the 3 days before (the
lifting claim's own exposure) are drawn around a known mean with a known spread, writes
each as a Flaredown file, reads it with the cohort reader, makes every person's lifting
estimate and pools them with :func:`~backcare_analysis.cohort.pool_advice`; then counts how
often the pooled 95% interval covers the true mean ratio and the Q-profile interval of tau
covers the true tau.

Every person's estimate is the lifting row of their scorecard. The whole scorecard
(``check_advice`` for every claim) costs about 0.8 s a person, so only the first
``--full`` cohorts run it (through ``cohort_advice``); the others fit the lifting model
alone (``onset_rate_ratios`` on the person's daily panel, 0.15 s), and the script stops
with an error if the two per-person tables of a fully run cohort differ.

    PYTHONPATH=. python validation/cohort_coverage.py --cohorts 200 --people 30 --full 5

``--per-person FILE`` keeps every cohort's per-person table (with each person's exposed
days and onsets on them, for the one-stage model); ``--from-per-person FILE`` pools such a
file again without simulating; ``--compare`` adds the pooling alternatives of
docs/statistics.md ("Pooling people") on the same rows.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

from backcare_analysis.cohort import cohort_advice, pool_advice, random_effects, read_cohort
from backcare_analysis.cohort.run import PER_PERSON_COLUMNS
from backcare_analysis.panel import daily_panel
from backcare_analysis.readers.flaredown_stream import read_flaredown_cohort
from backcare_analysis.schema import AnalysisError
from backcare_analysis.stats.onset import onset_rate_ratios, small_sample_inflation
from backcare_analysis.synthetic.cohort import CohortSetting, write_flaredown_cohort

NOT_FITTED = {
    "claim": "lifting",
    "measure": "",
    "estimate": math.nan,
    "se_log": math.nan,
    "ci_low": math.nan,
    "ci_high": math.nan,
    "verdict": "not enough data",
    "n_days": 0,
    "exposure_unit": "",
    "n_events": 0,
    "status": "ok",
}


def lifting_rows(path: Path) -> pd.DataFrame:
    """Every back-pain person's lifting row, as ``cohort_advice`` gives it, from the lifting
    model alone (``check_advice`` fits the same model on the same panel)."""
    logs, _ = read_flaredown_cohort(path)
    rows = []
    for person, log in logs.items():
        panel = daily_panel(log)
        used = panel["at_risk"] & panel["onset"].notna() & panel["heavy_lifting_any3d"].notna()
        exposed = used & (panel["heavy_lifting_any3d"] == 1)
        counts = {
            "exposed_days": int(exposed.sum()),
            "exposed_onsets": int(panel.loc[exposed, "onset"].sum()),
        }
        try:
            fit = onset_rate_ratios(panel, triggers=["heavy_lifting"]).iloc[0]
        except AnalysisError as exc:  # check_advice: "not enough data", with the reason
            rows.append({**NOT_FITTED, "person": person, "reason": str(exc), **counts})
            continue
        rows.append(
            {
                "person": person,
                "claim": "lifting",
                "measure": str(fit["measure"]),
                "estimate": float(fit["rate_ratio"]),
                "se_log": float(fit["se_log_rr"]),
                "ci_low": float(fit["ci_low"]),
                "ci_high": float(fit["ci_high"]),
                "verdict": str(fit["verdict"]),
                "n_days": int(fit["n_days"]),
                "n_events": int(fit["n_onsets"]),
                "exposure_unit": str(fit["unit"]),
                "status": "ok",
                "reason": "",
                **counts,
            }
        )
    return pd.DataFrame(rows, columns=[*PER_PERSON_COLUMNS, "exposed_days", "exposed_onsets"])


def _full_rows(path: Path) -> pd.DataFrame:
    table = cohort_advice(read_cohort(path, progress=False), max_workers=1)
    return table.loc[table["claim"] == "lifting"].reset_index(drop=True)


def _same(fast: pd.DataFrame, full: pd.DataFrame, seed: int) -> None:
    columns = ["person", "estimate", "se_log", "ci_low", "ci_high", "n_days", "n_events"]
    a, b = fast[columns].reset_index(drop=True), full[columns].reset_index(drop=True)
    # People the model could not fit may get the scorecard's exact small-log comparison
    # (an estimate without an SE, not pooled); the lifting model alone leaves them empty.
    fitted = b["se_log"].notna()
    pd.testing.assert_frame_equal(a.loc[fitted], b.loc[fitted], check_dtype=False, rtol=1e-9)
    if (~fitted & a["estimate"].notna()).any():
        raise SystemExit(
            f"cohort {seed}: the lifting model alone fitted people the scorecard did not"
        )
    print(f"cohort {seed}: full scorecard per-person table matches the lifting model alone")


def simulate(args: argparse.Namespace) -> pd.DataFrame:
    """Every cohort's per-person lifting rows, each cohort appended to ``--per-person`` as
    soon as it is done."""
    setting = CohortSetting(n_back=args.people, n_other=5, lifting_rr=args.rr, lifting_tau=args.tau)
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.cohorts):
            seed = args.first_seed + i
            path = Path(tmp) / f"cohort{seed}.csv"
            write_flaredown_cohort(path, setting, seed=seed)
            fast = lifting_rows(path)
            if i < args.full:
                _same(fast, _full_rows(path), seed)
            parts.append(fast.assign(cohort=seed))
            if args.per_person is not None:
                parts[-1].to_csv(args.per_person, mode="a", header=i == 0, index=False)
            if (i + 1) % 10 == 0:
                print(f"{i + 1}/{args.cohorts} cohorts simulated", flush=True)
    return pd.concat(parts, ignore_index=True)


def coverage(per_person: pd.DataFrame, rr: float, tau: float, method: str) -> pd.DataFrame:
    rows = []
    for seed, table in per_person.groupby("cohort", sort=True):
        fit = pool_advice(table.drop(columns="cohort"), method=method).set_index("claim")  # type: ignore[arg-type]
        fit = fit.loc["lifting"]
        rows.append(
            {
                "cohort": seed,
                "n_people": int(fit["n_people"]),
                "pooled_ratio": fit["pooled_ratio"],
                "ci_low": fit["ci_low"],
                "ci_high": fit["ci_high"],
                "tau": fit["tau"],
                "tau_ci_low": fit["tau_ci_low"],
                "tau_ci_high": fit["tau_ci_high"],
                "covers_mean": fit["ci_low"] <= rr <= fit["ci_high"],
                "covers_tau": fit["tau_ci_low"] <= tau <= fit["tau_ci_high"],
            }
        )
    return pd.DataFrame(rows)


def _hksj(y: np.ndarray, se: np.ndarray, *, floor: bool, method: str = "REML") -> dict[str, float]:
    fit = random_effects(y, se, method=method)  # type: ignore[arg-type]
    w = 1 / (se**2 + fit["tau2"])
    var = float(np.sum(w * (y - fit["mu"]) ** 2) / ((len(y) - 1) * np.sum(w)))
    half = float(stats.t.ppf(0.975, len(y) - 1)) * math.sqrt(
        max(var, 1 / float(np.sum(w))) if floor else var
    )
    return {**fit, "ci_low": fit["mu"] - half, "ci_high": fit["mu"] + half}


_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(40)


def _glmm_nll(params: np.ndarray, a: np.ndarray, n: np.ndarray, offset: np.ndarray) -> float:
    eta = params[0] + math.exp(params[1]) * _GH_X[None, :] + offset[:, None]
    ll = a[:, None] * eta - n[:, None] * np.logaddexp(0, eta)
    top = ll.max(axis=1, keepdims=True)
    return -float(np.sum(top[:, 0] + np.log(np.exp(ll - top) @ (_GH_W / _GH_W.sum()))))


def conditional_glmm(rows: pd.DataFrame) -> dict[str, float]:
    """One-stage model: given a person's onsets, those on exposed days are binomial with log
    odds ``beta_i + log(exposed days / unexposed days)``, ``beta_i ~ Normal(mu, tau^2)``
    (Gauss-Hermite, 40 points); profile-likelihood 95% interval for ``mu``."""
    d1 = rows["exposed_days"].to_numpy(float)
    d0 = rows["n_days"].to_numpy(float) - d1
    ok = (d1 > 0) & (d0 > 0) & (rows["n_events"].to_numpy() > 0)
    a, n = rows["exposed_onsets"].to_numpy(float)[ok], rows["n_events"].to_numpy(float)[ok]
    data = (a, n, np.log(d1[ok] / d0[ok]))
    best = min(
        (optimize.minimize(_glmm_nll, [0.5, t], args=data, method="Nelder-Mead") for t in (-3, -1)),
        key=lambda r: float(r.fun),
    )

    def gap(mu: float) -> float:
        inner = optimize.minimize_scalar(
            lambda t: _glmm_nll(np.array([mu, t]), *data), bounds=(-8, 2), method="bounded"
        )
        return float(inner.fun) - float(best.fun) - float(stats.chi2.ppf(0.95, 1)) / 2

    mu = float(best.x[0])
    return {
        "mu": mu,
        "ci_low": optimize.brentq(gap, mu - 3, mu),
        "ci_high": optimize.brentq(gap, mu, mu + 3),
        "tau2": math.exp(2 * float(best.x[1])),
        "tau2_low": math.nan,
        "tau2_high": math.nan,
    }


def compare(per_person: pd.DataFrame, rr: float, tau: float) -> pd.DataFrame:
    """The pooling alternatives of docs/statistics.md ("Pooling people") on the same rows."""
    results: dict[str, list[dict[str, float]]] = {}
    for _, rows in per_person.groupby("cohort", sort=True):
        fitted = rows.loc[rows["estimate"].notna()]
        y, se = np.log(fitted["estimate"].to_numpy(float)), fitted["se_log"].to_numpy(float)
        n = fitted["n_events"].to_numpy(float)
        factor = small_sample_inflation(n)
        d1 = fitted["exposed_days"].to_numpy(float)
        d0 = fitted["n_days"].to_numpy(float) - d1
        mu = float(np.median(y))
        for _ in range(200):  # SE of each person at the pooled ratio, iterated
            p = d1 * math.exp(mu) / (d1 * math.exp(mu) + d0)
            at_pooled = _hksj(y, factor / np.sqrt(n * p * (1 - p)), floor=False)
            if abs(at_pooled["mu"] - mu) < 1e-10:
                break
            mu = at_pooled["mu"]
        fits = {
            "first release: scorecard SE, REML, HKSJ unfloored": _hksj(y, se, floor=False),
            "scorecard SE, REML, HKSJ floored": _hksj(y, se, floor=True),
            "information SE, REML, HKSJ unfloored": _hksj(y, se / factor, floor=False),
            "information SE, REML, HKSJ floored (pool_advice)": _hksj(y, se / factor, floor=True),
            "information SE, PM, HKSJ floored": _hksj(y, se / factor, floor=True, method="PM"),
            "SE at the pooled ratio (iterated), REML, HKSJ unfloored": at_pooled,
            "equal weights, t interval": _hksj(y, np.full(len(y), 1e-6), floor=False),
            "one-stage conditional binomial GLMM": conditional_glmm(rows),
        }
        for name, fit in fits.items():
            results.setdefault(name, []).append(fit)
    out = []
    for name, fits in results.items():
        table = pd.DataFrame(fits)
        covers = (table["ci_low"] <= math.log(rr)) & (math.log(rr) <= table["ci_high"])
        covers_tau = (table["tau2_low"] <= tau**2) & (tau**2 <= table["tau2_high"])
        out.append(
            {
                "pooling": name,
                "mean_error": table["mu"].mean() - math.log(rr),
                "sd": table["mu"].std(ddof=0),
                "covers_mean": covers.mean(),
                "covers_tau": covers_tau.mean() if table["tau2_low"].notna().any() else math.nan,
                "mean_tau": np.sqrt(table["tau2"]).mean(),
                "tau_zero": (table["tau2"] < 1e-8).mean(),
            }
        )
    return pd.DataFrame(out)


def clopper_pearson(hits: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    low = float(stats.beta.ppf(alpha / 2, hits, n - hits + 1)) if hits > 0 else 0.0
    high = float(stats.beta.ppf(1 - alpha / 2, hits + 1, n - hits)) if hits < n else 1.0
    return low, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cohorts", type=int, default=200)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=1000, help="seed of the first cohort")
    parser.add_argument("--rr", type=float, default=2.0)
    parser.add_argument("--tau", type=float, default=0.3)
    parser.add_argument("--method", default="REML", choices=["REML", "PM"])
    parser.add_argument("--full", type=int, default=3, help="cohorts run with the full scorecard")
    parser.add_argument("--per-person", type=Path, default=None, help="CSV of every person's row")
    parser.add_argument("--from-per-person", type=Path, default=None, help="pool this CSV again")
    parser.add_argument("--out", type=Path, default=None, help="CSV of every cohort's fit")
    parser.add_argument("--compare", action="store_true", help="also the pooling alternatives")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.from_per_person is not None:
        per_person = pd.read_csv(args.from_per_person)
        text = ["measure", "reason"]
        per_person[text] = per_person[text].fillna("")
    else:
        if args.per_person is not None:
            args.per_person.unlink(missing_ok=True)
        per_person = simulate(args)
    simulated = time.perf_counter() - start
    table = coverage(per_person, args.rr, args.tau, args.method)
    if args.out is not None:
        table.to_csv(args.out, index=False)
    k = len(table)
    print(f"{k} cohorts, median {table['n_people'].median():.0f} people fitted of {args.people}")
    for what in ("covers_mean", "covers_tau"):
        hits = int(table[what].sum())
        low, high = clopper_pearson(hits, k)
        print(f"{what}: {hits}/{k} = {hits / k:.1%} (95% Clopper-Pearson {low:.1%} to {high:.1%})")
    log_ratio = np.log(table["pooled_ratio"])
    print(
        f"pooled log ratio: mean {log_ratio.mean():.3f} (true {math.log(args.rr):.3f}), "
        f"SD {log_ratio.std():.3f}; median tau {table['tau'].median():.3f} (true {args.tau}); "
        f"tau = 0 in {(table['tau'] == 0).mean():.0%}"
    )
    if args.compare:
        print(compare(per_person, args.rr, args.tau).round(3).to_string(index=False))
    print(
        f"{simulated:.0f} s simulating and fitting people, {time.perf_counter() - start:.0f} s "
        f"in all; load average {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()

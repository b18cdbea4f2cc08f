"""Calibration of ``p_benefit`` (backcare_analysis.stats.priors) by simulation: the
reliability tables of docs/statistics.md, "Probability the advice helps you".

For each setting, personal effects are drawn from a distribution, each person's estimate is
drawn around their effect with a standard error typical of one year of logging, and
``p_benefit`` is computed with the published prior. People are binned by ``p_benefit``; in a
calibrated analysis the share whose true effect lowered the rate matches the bin's mean
``p_benefit`` (within 5 points).

Run: ``python validation/posterior_reliability.py`` (a few seconds).
"""

from __future__ import annotations

import math

import pandas as pd

from backcare_analysis.stats.priors import published_priors, reliability_table

#: Standard errors of one person's log rate ratio: a year of logging (the sample's exercise
#: SE is about 0.8, sitting 0.08) and an intermediate case.
SES = (0.8, 0.4, 0.15)


def markdown(table: pd.DataFrame) -> str:
    """A Markdown table without the optional ``tabulate`` dependency."""
    head = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = [
        "| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join([head, rule, *body])


def main() -> None:
    prior = published_priors().set_index(["claim", "trigger", "outcome"])
    exercise = prior.loc[("exercise", "", "onset rate")]
    mean, sd = float(exercise["mean"]), float(exercise["sd"])
    settings = [(f"correct prior, SE {se}", mean, sd, se, None) for se in SES] + [
        ("true spread 0.8 but tau 0.5 assumed, SE 0.4", mean, sd, 0.4, math.hypot(0.138, 0.8)),
        ("true spread 0.3 but tau 0.5 assumed, SE 0.4", mean, sd, 0.4, math.hypot(0.138, 0.3)),
    ]
    for label, m, s, se, true_sd in settings:
        table = reliability_table(m, s, se, n=50_000, true_sd=true_sd, seed=2026)
        worst = table.loc[table["n_people"] >= 200, "gap"].abs().max()
        print(f"\n### {label} (worst gap in bins with >= 200 people: {worst:.3f})\n")
        print(markdown(table))


if __name__ == "__main__":
    main()

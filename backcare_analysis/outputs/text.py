"""Plain-text renderings of results for the console: warning signs always first."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..safety import red_flags
from ..schema import Log
from ..summary import summarize


def format_red_flags(log: Log) -> str:
    """The warning-sign block: plain sentences, or a line saying none were found."""
    flags = red_flags(log)
    if flags.empty:
        return "Warning signs: none found in this log.\n"
    lines = ["WARNING SIGNS - see a clinician"]
    for row in flags.itertuples():
        lines.extend(
            textwrap.wrap(f"! {row.detail} {row.action}", width=88, subsequent_indent="  ")
        )
    return "\n".join(lines) + "\n"


def format_summary(log: Log) -> str:
    """Days covered, logged share, episodes and the onset rate with its interval."""
    s = summarize(log).iloc[0]
    head = (
        f"Log: {s.first_day:%Y-%m-%d} to {s.last_day:%Y-%m-%d} ({s.n_days} days), "
        f"diary kept on {s.logged_share:.0%} of them.\n"
    )
    if not s.at_risk_days > 0:
        # Never "nan (95% CI nan to nan)": say why there is no rate (issue 13).
        return head + (
            f"Episodes: {s.n_episodes}; no onset rate: no day is covered by a symptom diary "
            "outside an episode (add a symptom diary to count spasms per month).\n"
        )
    return head + (
        f"Episodes: {s.n_episodes}; new spasms per month at risk: {s.onsets_per_month:.1f} "
        f"(95% CI {s.ci_low:.1f} to {s.ci_high:.1f}; {s.onsets_at_risk} onsets on "
        f"{s.at_risk_days} days at risk).\n"
    )


def format_reading(log: Log) -> str:
    """One line on what was read."""
    prov = log.provenance
    read = prov.loc[prov["rows_read"] > 0]
    return (
        f"Read {len(read)} file(s): {int(prov['rows_used'].sum())} rows used, "
        f"{int(prov['rows_rejected'].sum())} rejected (see 'backcare validate').\n"
    )


def format_scorecard(card: pd.DataFrame) -> str:
    """The advice scorecard: one verdict and one plain sentence per claim."""
    lines = ["Advice scorecard (your own data; exposure measured before each spasm)"]
    for group, rows in card.groupby("group", sort=False):
        lines.append(f"  {str(group).capitalize()}:")
        for row in rows.itertuples():
            lines.append(f"  - {row.claim} [{row.verdict}] (sources {row.sources})")
            lines.extend(
                textwrap.wrap(
                    str(row.sentence), width=88, initial_indent="      ", subsequent_indent="      "
                )
            )
    caveat = card.loc[card["group"] == "treatment", "caveat"]
    if len(caveat):
        lines.extend(textwrap.wrap(f"Note on treatments: {caveat.iloc[0]}", width=88))
    return "\n".join(lines) + "\n"


def format_check(log: Log, paths: Sequence[Path], card: pd.DataFrame | None = None) -> str:
    """The main job's console output: what was read, warning signs, summary, scorecard."""
    header = "backcare-analysis: " + ", ".join(map(str, paths)) + "\n"
    parts = [header + format_reading(log), format_red_flags(log), format_summary(log)]
    if card is not None:
        parts.append(format_scorecard(card))
    return "\n".join(parts)


def format_validation(log: Log) -> str:
    """Per file: format, rows read/used/rejected; then every rejected row with its reason."""
    lines = ["file | source | read | used | rejected | note"]
    for row in log.provenance.itertuples():
        lines.append(
            f"{row.file!s} | {row.source!s} | {row.rows_read} | {row.rows_used} | "
            f"{row.rows_rejected} | {row.note}"
        )
    if log.rejected.empty:
        lines.append("\nNo rows rejected.")
    else:
        lines.append(f"\nRejected rows ({len(log.rejected)}):")
        for rej in log.rejected.itertuples():
            lines.append(f"{rej.file}:{rej.line}: {rej.reason}")
    return "\n".join(lines) + "\n"

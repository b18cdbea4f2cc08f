"""Plain-text renderings of results for the console: warning signs always first.

The words come from :mod:`.words`, the numbers from the same calls as the report and the
notebooks, so a claim reads the same everywhere.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..safety import EMERGENCY_ADVICE, EMERGENCY_SIGNS, red_flags, safety_checks
from ..schema import AnalysisError, Log
from ..summary import summarize
from . import words
from .names import CHECK_NAMES

WIDTH = 88


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
    )


def format_red_flags(log: Log) -> str:
    """The warning-sign block, then the emergency signs shown to everyone.

    "No warning signs found" is said only when every check could run; otherwise the block
    says which checks need more data.
    """
    flags = red_flags(log)
    checks = safety_checks(log, flags)
    lines: list[str] = []
    if flags.empty:
        if checks["could_run"].all():
            lines.append("Warning signs: none found in this log.")
        else:
            lines.append("Warning signs: none found in the checks that could run.")
    else:
        lines.append("WARNING SIGNS - see a clinician")
        for row in flags.itertuples():
            lines.extend(_wrap(f"! {row.detail} {row.action}", "  ", ""))
    for check, why in zip(
        checks.loc[~checks["could_run"], "check"],
        checks.loc[~checks["could_run"], "why_not"],
        strict=True,
    ):
        lines.extend(_wrap(f"- Not checked: {CHECK_NAMES.get(check, check)}; it {why}.", "  "))
    lines.append("Signs that need urgent care, whatever the log holds:")
    lines.extend(_wrap("; ".join(EMERGENCY_SIGNS) + ".", "  ", "  "))
    lines.extend(_wrap(EMERGENCY_ADVICE, "  ", "  "))
    return "\n".join(lines) + "\n"


def format_summary(log: Log) -> str:
    """Days covered, logged share, episodes and the onset rate with its interval."""
    try:
        s = summarize(log).iloc[0]
    except AnalysisError as exc:
        return "\n".join(_wrap(words.cannot(exc))) + "\n"
    text = (
        f"Log: {s.first_day:%Y-%m-%d} to {s.last_day:%Y-%m-%d} ({s.n_days} days), "
        f"diary kept on {s.logged_share:.0%} of them.\n"
        f"Episodes: {s.n_episodes}. "
    )
    if s.at_risk_days > 0 and math.isfinite(float(s.onsets_per_month)):
        text += (
            f"New spasms per month at risk: "
            f"{words.rate_words(s.onsets_per_month, s.ci_low, s.ci_high)}; "
            f"{s.onsets_at_risk} onsets on {s.at_risk_days} days at risk.\n"
        )
    else:
        text += "No symptom diary days: the spasm rate cannot be given without a diary.\n"
    return text


def format_reading(log: Log) -> str:
    """One line on what was read, with rows not analysed apart from rows rejected."""
    prov = log.provenance
    read = prov.loc[prov["rows_read"] > 0]
    not_analysed = int(prov["rows_not_analysed"].fillna(0).sum())
    text = (
        f"Read {len(read)} file(s): {int(prov['rows_used'].sum())} rows used, "
        f"{not_analysed} not analysed, {int(prov['rows_rejected'].sum())} rejected "
        "(see 'backcare validate').\n"
    )
    for warning in words.reading_warnings(log):
        text += "\n".join(_wrap(f"Note: {warning}", "  ", "")) + "\n"
    return text


def format_scorecard(card: pd.DataFrame) -> str:
    """The advice scorecard: per claim, what the data show, how sure, and what next."""
    lines = ["The advice, checked against your own log (exposure measured before each spasm)"]
    titles = {"prevention": "Prevention", "treatment": "Treatments", "natural course": "Course"}
    for group, rows in card.groupby("group", sort=False):
        lines.append(f"  {titles.get(str(group), str(group).capitalize())}:")
        for row in rows.to_dict("records"):
            lines.append(f"  - {words.claim_title(str(row['claim']))}: {words.how_sure(row)}")
            lines.extend(_wrap(words.finding(row), "      "))
            if words.chance_words(row):
                lines.extend(_wrap(words.chance_words(row), "      "))
            lines.extend(_wrap("Next: " + words.what_to_try(row), "      "))
    caveat = card.loc[card["group"] == "treatment", "caveat"]
    if len(caveat) and str(caveat.iloc[0]):
        lines.extend(_wrap(f"About treatments: {caveat.iloc[0]}"))
    return "\n".join(lines) + "\n"


def format_check(
    log: Log, paths: Sequence[Path], card: pd.DataFrame | None = None, *, synthetic: bool = False
) -> str:
    """The main job's console output: warning signs, what was read, summary, scorecard."""
    header = "backcare-analysis: " + ", ".join(map(str, paths)) + "\n"
    if synthetic:
        header += "(the bundled sample: a simulated person, not a real patient)\n"
    parts = [header + format_red_flags(log), format_reading(log), format_summary(log)]
    if card is not None:
        parts.append(format_scorecard(card))
    return "\n".join(parts)


def format_validation(log: Log, *, rejected: bool = False, limit: int = 0) -> str:
    """Warning signs first; then per file its format and how every row was accounted for;
    the rejected rows themselves only when ``rejected`` is true (``limit`` > 0 caps them)."""
    lines = [format_red_flags(log)]
    if log.parameters.get("tag_map"):
        lines.append(f"Tag meanings you set: {log.parameters['tag_map']}")
    lines.append("file | format | read | used | not analysed | rejected | note")
    for row in words.reading_rows(log):
        lines.append(
            f"{row['File']} | {row['Format']} | {row['Rows read']} | {row['Used']} | "
            f"{row['Not analysed']} | {row['Rejected']} | {row['Note']}"
        )
    if not log.not_analysed.empty:
        kinds = log.not_analysed["reason"].astype(str).value_counts().head(8)
        lines.append("\nNot analysed (fine, but no analysis uses them):")
        lines.extend(f"  {n} x {reason}" for reason, n in kinds.items())
    if log.rejected.empty:
        lines.append("\nNo rows rejected.")
    elif rejected:
        shown = log.rejected if limit <= 0 else log.rejected.head(limit)
        lines.append(f"\nRejected rows ({len(log.rejected)}):")
        lines.extend(f"{rej.file}:{rej.line}: {rej.reason}" for rej in shown.itertuples())
    else:
        reasons = log.rejected["reason"].astype(str).str.split(":").str[0].value_counts().head(5)
        lines.append(
            f"\n{len(log.rejected)} rows rejected; most common reasons: "
            + "; ".join(f"{reason} ({n})" for reason, n in reasons.items())
            + ". List them all with --rejected."
        )
    return "\n".join(lines) + "\n"

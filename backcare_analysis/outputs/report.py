"""The report a person takes to their physiotherapist: one offline HTML file.

Page one holds who, what and when (the date range, the sources, the day it was made), the
warning signs and the emergency signs, the scorecard as a short table (the advice in words,
what this person's data show, how sure, what to try next) and one figure. The details
follow: the log in numbers, each claim in full sentences with the published evidence, the
treatments, what was read from each file, a glossary and the sources by title. Every number
comes from the same calls as the console and the notebooks (:func:`check_advice`,
:func:`red_flags`, :func:`summarize`), so all outputs agree. The file embeds its figures and
its style sheet (with a print style) and loads nothing from the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..advice import check_advice
from ..readers import read_log
from ..readers.tagmap import strip_app_prefix
from ..safety import EMERGENCY_ADVICE, EMERGENCY_SIGNS, red_flags, safety_checks
from ..schema import AnalysisError, Log, PathLike
from ..summary import summarize
from . import words
from .names import CHECK_NAMES
from .notebook import scorecard_table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem;
       margin: 1.5rem auto; padding: 0 1rem; color: #111; line-height: 1.4; }
h1 { font-size: 1.35rem; margin: 0 0 0.3rem 0; }
h2 { font-size: 1.15rem; margin: 1.2rem 0 0.4rem 0; }
h3 { font-size: 1rem; margin: 0.9rem 0 0.2rem 0; }
p.meta { margin: 0.1rem 0; font-size: 0.9rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.4rem 0; width: 100%; }
th, td { border: 1px solid #bbb; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
img { max-width: 100%; height: auto; }
.warning { border: 3px solid #b2182b; padding: 0.3rem 0.8rem; margin: 0.6rem 0; }
.ok { border: 2px solid #1b7837; padding: 0.3rem 0.8rem; margin: 0.6rem 0; }
.emergency { border: 1px solid #555; padding: 0.3rem 0.8rem; margin: 0.6rem 0;
             font-size: 0.85rem; }
.emergency ul { margin: 0.2rem 0; columns: 2; }
.note { font-size: 0.85rem; color: #333; }
.synthetic { background: #fff3cd; padding: 0.3rem 0.8rem; }
.details { break-before: page; page-break-before: always; }
.claim { break-inside: avoid; page-break-inside: avoid; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9pt; line-height: 1.25; }
  h1 { font-size: 13pt; } h2 { font-size: 11pt; margin: 0.5rem 0 0.2rem 0; }
  table { font-size: 7pt; margin: 0.2rem 0; line-height: 1.15; }
  th, td { padding: 0.03rem 0.2rem; }
  .emergency { font-size: 7.5pt; }
  .emergency ul { margin: 0; }
  .warning, .ok, .emergency { padding: 0.1rem 0.5rem; margin: 0.3rem 0; }
  .page-one img { max-height: 5.4cm; width: auto; display: block; margin: 0 auto; }
  a { color: inherit; text-decoration: none; }
}
"""

_PACKAGE_SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _esc(value: object) -> str:
    return html.escape(str(value))


def _figure_png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _table(rows: Sequence[Mapping[Any, Any]], columns: Sequence[str]) -> str:
    """A small HTML table without an index column; numbers right-aligned."""
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c, "")
            css = ' class="num"' if isinstance(value, int | float) else ""
            cells.append(f"<td{css}>{_esc(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def is_synthetic(log: Log) -> bool:
    """True when every file read lies in the bundled sample of a simulated person."""
    files = [Path(str(f)).resolve() for f in log.provenance["file"] if str(f)]
    return bool(files) and all(_PACKAGE_SAMPLE in f.parents for f in files)


def _header(log: Log, made_on: dt.date) -> str:
    prov = log.provenance.loc[log.provenance["rows_read"] > 0]
    sources = sorted({words.FORMAT_NAMES.get(str(s), str(s)) for s in prov["source"] if str(s)})
    files = [Path(str(f)).name for f in prov["file"]]
    names = ", ".join(files[:3]) + (f" and {len(files) - 3} more files" if len(files) > 3 else "")
    days = pd.concat([log.daily["date"], log.episodes["start_local"].dt.normalize()]).dropna()
    span = f"{days.min():%d %b %Y} to {days.max():%d %b %Y}" if len(days) else "no dated entries"
    parts = [
        "<h1>Lower-back spasms: what this person's own log shows</h1>",
        f"<p class='meta'><strong>Period:</strong> {_esc(span)}. "
        f"<strong>Sources:</strong> {_esc(', '.join(sources) or 'none')} ({_esc(names)}). "
        f"<strong>Made on</strong> {made_on:%d %b %Y} by backcare-analysis, on this "
        "computer; nothing was sent anywhere.</p>",
        "<p class='meta note'>This report describes associations in one person's "
        "observational log; it gives no medical advice and does not replace an examination."
        "</p>",
    ]
    for warning in words.reading_warnings(log):
        parts.append(f"<p class='meta note'><strong>Note:</strong> {_esc(warning)}</p>")
    if is_synthetic(log):
        parts.append(
            "<p class='synthetic'><strong>Simulated data:</strong> this is the bundled "
            "sample, a synthetic person made by the project, not a real patient.</p>"
        )
    return "\n".join(parts)


def _warnings(log: Log) -> str:
    flags = red_flags(log)
    checks = safety_checks(log, flags)
    emergency = "".join(f"<li>{_esc(s)}</li>" for s in EMERGENCY_SIGNS)
    emergency_box = (
        f"<section class='emergency'><strong>Signs that need urgent care</strong> (shown "
        f"to everyone, whatever the log holds):<ul>{emergency}</ul>{_esc(EMERGENCY_ADVICE)}"
        "</section>"
    )
    if not flags.empty:
        items = "".join(
            f"<li><strong>{_esc(r.detail)}</strong> {_esc(r.action)}</li>"
            for r in flags.itertuples()
        )
        box = f"<section class='warning'><h2>Warning signs</h2><ul>{items}</ul>"
        css_box = box
    else:
        css_box = "<section class='ok'><h2>Warning signs</h2>"
        if checks["could_run"].all():
            css_box += "<p>No warning signs found in this log.</p>"
        else:
            css_box += "<p>No warning signs found in the checks that could run.</p>"
    missing = checks.loc[~checks["could_run"]]
    if len(missing) == len(checks) and log.episodes.empty:
        css_box += (
            "<p class='note'>None of the checks (pain down a leg, spasms coming more often, "
            "getting worse, not settling) could run: they need episodes from a symptom "
            "diary.</p>"
        )
    elif len(missing):
        items = "".join(
            f"<li>{_esc(CHECK_NAMES.get(str(check), str(check)).capitalize())}: could not be "
            "checked; it "
            f"{_esc(why)}.</li>"
            for check, why in zip(missing["check"], missing["why_not"], strict=True)
        )
        css_box += f"<p class='note'>Checks that could not run:</p><ul class='note'>{items}</ul>"
    return css_box + "</section>" + emergency_box


def _details(log: Log, card: pd.DataFrame) -> str:
    parts = ["<section class='details'><h2>Details</h2>"]
    try:
        s = summarize(log).iloc[0]
        parts.append("<h3>The log in numbers</h3>")
        parts.append(
            _table(
                [
                    {"Measure": "Days from first to last entry", "Value": int(s.n_days)},
                    {
                        "Measure": "Share of days the diary was kept",
                        "Value": f"{s.logged_share:.0%}",
                    },
                    {"Measure": "Episodes", "Value": int(s.n_episodes)},
                    {"Measure": "Days at risk of a new spasm", "Value": int(s.at_risk_days)},
                    {
                        "Measure": "New spasms per month at risk (95% interval)",
                        "Value": words.rate_words(s.onsets_per_month, s.ci_low, s.ci_high),
                    },
                ],
                ["Measure", "Value"],
            )
        )
    except AnalysisError as exc:
        parts.append(f"<p>{_esc(words.cannot(exc))}</p>")
    parts.append("<h3>Each piece of advice</h3>")
    for r in card.to_dict("records"):
        parts.append(
            "<div class='claim'>"
            f"<h3>{_esc(words.claim_title(str(r['claim'])))}</h3>"
            f"<p><em>The advice:</em> {_esc(words.advice_words(str(r['claim']), str(r['advice'])))}"
            f" <span class='note'>(from {_esc(words.source_titles(str(r['sources'])))})</span></p>"
            f"<p><em>Your log:</em> {_esc(words.finding(r))}</p>"
            + (f"<p>{_esc(words.chance_words(r))}</p>" if words.chance_words(r) else "")
            + f"<p><em>Published evidence:</em> {_esc(r.get('published', ''))}</p>"
            f"<p><em>What would settle it:</em> {_esc(words.what_to_try(r))}</p>"
            "</div>"
        )
    caveat = card.loc[card["group"] == "treatment", "caveat"]
    if len(caveat) and str(caveat.iloc[0]):
        parts.append(
            f"<p class='note'><strong>About treatments:</strong> {_esc(caveat.iloc[0])}</p>"
        )
    treated = card.loc[(card["group"] == "treatment") & card["estimate"].notna()]
    if len(treated):
        parts.append(_plot(lambda ax: _scorecard_plot(card, "treatment", ax)))
    parts.append(_timeline(log))
    parts.append(_screen(log))
    parts.append("<h3>What was read</h3>")
    parts.append(_table(words.reading_rows(log), words.READING_COLUMNS))
    parts.append("<h3>Words used here</h3><ul>")
    parts.extend(f"<li><strong>{_esc(t)}</strong>: {_esc(d)}</li>" for t, d in words.GLOSSARY)
    parts.append("</ul><h3>Sources</h3><ul>")
    parts.extend(f"<li>{_esc(t)}</li>" for t in words.SOURCE_TITLES.values())
    parts.append("</ul></section>")
    return "\n".join(parts)


def _screen(log: Log) -> str:
    """Other tags the person logged, screened the same honest way: exploratory, apart from
    the articles' claims, and never with a verdict word."""
    from ..stats.screen import factor_screen

    head = (
        "<h3>Other tags you logged (exploratory)</h3><p class='note'>Every other tag "
        "logged on at least 14 days, tested the same way as the advice (spasms on the day "
        "after a tagged day, with a correction for the number of tags screened). This is a "
        "screen for ideas to test, not one of the articles' claims: with many tags, some "
        "links appear by chance.</p>"
    )
    try:
        screen = factor_screen(log)
    except AnalysisError as exc:
        return head + f"<p>{_esc(words.cannot(exc))}</p>"
    if screen.empty:
        return head + "<p>No other tag was logged on enough days to screen.</p>"
    rows = []
    for r in screen.head(12).to_dict("records"):
        estimate = r.get("rate_ratio")
        finding = (
            f"{words.number(float(estimate))} times as likely "
            f"({words.number(float(r['ci_low']))} to {words.number(float(r['ci_high']))})"
            if estimate is not None and pd.notna(estimate)
            else words.readable(str(r.get("note", "") or "not fitted"))
        )
        rows.append(
            {
                "Tag": strip_app_prefix(str(r["tag"])),
                "Days tagged": int(r["days_tagged"]),
                "Spasms the day after": int(r["n_onsets_after"]),
                "A new spasm the day after": finding,
            }
        )
    columns = ["Tag", "Days tagged", "Spasms the day after", "A new spasm the day after"]
    return head + _table(rows, columns)


def _scorecard_plot(card: pd.DataFrame, group: str, ax: Any) -> None:
    from .plots import plot_scorecard

    plot_scorecard(card, group=group, ax=ax)


def _plot(draw: Any, size: tuple[float, float] = (8.0, 4.2)) -> str:
    # A standalone Figure: no pyplot state, and the user's backend (a notebook's, say) is
    # left as it was.
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    draw(fig.subplots())
    return _figure_png(fig)


def _timeline(log: Log) -> str:
    if log.episodes.empty:
        return "<p>No episodes were logged, so there is no timeline of spasms to show.</p>"
    from .plots import plot_timeline

    return _plot(lambda ax: plot_timeline(log, ax=ax), size=(8.0, 3.0))


def render_report(log: Log, *, made_on: dt.date | None = None) -> str:
    """The report of one log as an HTML document.

    Parameters
    ----------
    log
        A parsed log.
    made_on
        The date printed as "made on"; today when None.

    Returns
    -------
    str
        A self-contained HTML document (figures embedded, no scripts, nothing loaded).
    """
    made_on = made_on or dt.date.today()
    card = check_advice(log)
    page_one = [
        "<section class='page-one'>",
        _header(log, made_on),
        _warnings(log),
        "<h2>The advice, checked against this log</h2>",
        _table(scorecard_table(card).to_dict("records"), words.SCORECARD_COLUMNS),
    ]
    if card.loc[card["group"] == "prevention", "estimate"].notna().any():
        page_one.append(_plot(lambda ax: _scorecard_plot(card, "prevention", ax)))
    else:
        page_one.append(f"<p>{_esc(words.no_estimates(card))}</p>")
    page_one.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Lower-back spasm log report</title>"
        f"<style>{_STYLE}</style></head><body>"
        + "\n".join(page_one)
        + _details(log, card)
        + "</body></html>\n"
    )


def build_report(
    paths: PathLike | Sequence[PathLike],
    out: PathLike,
    *,
    progress: bool = True,
    made_on: dt.date | None = None,
    **read_options: Any,
) -> Path:
    """Read the person's exports and write the report as one self-contained HTML file.

    Parameters
    ----------
    paths
        The person's export files or folders.
    out
        The HTML file to write; its folder must exist.
    progress
        Show a progress bar while large exports are read.
    made_on
        The date printed as "made on"; today when None.
    **read_options
        Passed to :func:`~backcare_analysis.readers.read_log` (episode rule, time zone,
        tag map ...).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    LogFormatError
        When an input cannot be read (nothing is written).
    """
    inputs = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    log = read_log([Path(p) for p in inputs], progress=progress, **read_options)
    document = render_report(log, made_on=made_on)
    target = Path(out)
    target.write_text(document, encoding="utf-8")
    return target

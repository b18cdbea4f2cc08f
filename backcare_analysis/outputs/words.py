"""Plain words for results: claim names, intervals, durations and the verdict sentences.

Every output (console, report, notebooks, ``--csv``, ``--json``) words a scorecard row with
these functions, so the same claim reads the same everywhere. The words never claim more
than the numbers: a finding is an association in this person's own log, measured before
each spasm; a result against the advice, or from few spasms, may be chance, and the way to
check it is a self-experiment (``backcare plan``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from .names import (
    ADVICE_WORDS,
    CLAIM_TITLES,
    EXPOSURE_NOUNS,
    FORMAT_NAMES,
    GLOSSARY,
    SOURCE_TITLES,
)

__all__ = ["FORMAT_NAMES", "GLOSSARY", "SOURCE_TITLES"]


def claim_title(claim: str) -> str:
    """``"rest_vs_movement"`` -> ``"Gentle movement rather than bed rest"``."""
    return CLAIM_TITLES.get(claim, claim.replace("_", " ").capitalize())


def exposure_label(row: Mapping[Any, Any]) -> str:
    """What a claim's ratio compares: ``"Sitting (per 1 h, previous day)"``."""
    claim = str(row.get("claim", ""))
    noun = EXPOSURE_NOUNS.get(claim)
    tested = str(row.get("tested", "") or "")
    parts = [p.strip() for p in tested.split(",")]
    if noun is None or len(parts) < 3:
        return claim_title(claim)
    window, unit = parts[1], parts[-1]
    return f"{noun} ({unit}, {window})"


def source_titles(ids: str) -> str:
    """``"004, 002"`` -> the article titles, quoted and joined with ``;``."""
    found = [i.strip() for i in str(ids).split(",") if i.strip()]
    return "; ".join(f"\u201c{SOURCE_TITLES.get(i, i)}\u201d" for i in found)


def advice_words(claim: str, advice: str) -> str:
    """The advice sentence without article numbers."""
    text = ADVICE_WORDS.get(claim, advice)
    return re.sub(r"\s*\(?\b00\d\b[^)]*\)?", "", text) if re.search(r"\b00\d\b", text) else text


def number(x: float, *, digits: int = 2) -> str:
    """A ratio or estimate rounded for reading: ``1.5``, ``0.79``, ``12``."""
    if x is None or not math.isfinite(x):
        return "unknown"
    if abs(x) >= 10:
        return f"{x:.0f}"
    if abs(x) >= 1:
        return f"{x:.1f}"
    return f"{x:.{digits}f}"


def span_words(days: float) -> str:
    """A length of time people read at a glance: ``"about 5 months"``, ``"about 21 years"``."""
    if days is None or not math.isfinite(days):
        return "an unknown time"
    if days < 14:
        return f"about {max(1, round(days))} day" + ("" if round(days) <= 1 else "s")
    if days < 60:
        weeks = round(days / 7)
        return f"about {weeks} weeks"
    if days < 730:
        months = round(days / 30.44)
        return f"about {months} months"
    years = round(days / 365.25)
    return f"about {years} years"


_WEEKS = re.compile(r"(\d[\d,]*)\s+more weeks")


def weeks_needed(row: Mapping[Any, Any]) -> float:
    """Weeks of further logging a claim needs, from ``weeks_needed`` or the text of
    ``what_it_would_take``; NaN when none is stated."""
    value = row.get("weeks_needed")
    if value is not None and not _missing(value):
        return float(value)
    m = _WEEKS.search(str(row.get("what_it_would_take", "") or ""))
    return float(m.group(1).replace(",", "")) if m else math.nan


def _missing(value: Any) -> bool:
    try:
        return (
            value is None
            or (isinstance(value, float) and math.isnan(value))
            or str(value) in ("<NA>", "nan", "NaT", "")
        )
    except (TypeError, ValueError):
        return False


def interval_words(low: float, high: float, measure: str = "rate ratio") -> str:
    """``"between 1.3 and 1.7 times as likely"`` (or ``"as long"`` for durations)."""
    what = "as long" if "duration" in measure else "as likely"
    return f"between {number(low)} and {number(high)} times {what}"


#: Years of logging beyond which observation alone is out of reach for a person.
OUT_OF_REACH_YEARS: Final = 3.0


def what_to_try(row: Mapping[Any, Any]) -> str:
    """What would settle the claim: keep logging (for how long), log something else, or run
    a self-experiment."""
    verdict = str(row.get("verdict", ""))
    claim = str(row.get("claim", ""))
    group = str(row.get("group", ""))
    experiment = f"a self-experiment (backcare plan {claim})"
    if verdict == "not enough data":
        needs = plain(str(row.get("what_it_would_take", "") or "").strip())
        return needs or "Log the episodes and what you did each day."
    if group == "natural course":
        return "Keep logging episodes; see a clinician if they come more often."
    if group == "treatment":
        return f"Only {experiment} can show cause and effect for a treatment."
    weeks = weeks_needed(row)
    if verdict in ("supported", "contradicted"):
        return f"Confirm it with {experiment}: a log can show a link, not its cause."
    if math.isfinite(weeks):
        if weeks / 52.18 > OUT_OF_REACH_YEARS:
            return (
                f"Observation alone would need {span_words(weeks * 7)} more logging, beyond "
                f"reach: {experiment} settles it in weeks."
            )
        return f"Keep logging for {span_words(weeks * 7)}, or run {experiment}."
    return f"Keep logging, or run {experiment}."


def how_sure(row: Mapping[Any, Any]) -> str:
    """How far the numbers go, in a few words."""
    verdict = str(row.get("verdict", ""))
    events = row.get("n_events")
    few = events is not None and not _missing(events) and float(events) < 20
    if verdict == "supported":
        return "A clear link" + (", from few spasms: may be chance" if few else "")
    if verdict == "contradicted":
        return "Against the advice; may be chance"
    if verdict == "inconclusive":
        return "Not sure yet"
    if verdict == "not enough data":
        return "Not enough data"
    return "Described, not tested"


def next_step(row: Mapping[Any, Any]) -> str:
    """The scorecard's short "what to try next" (the details give :func:`what_to_try`)."""
    verdict = str(row.get("verdict", ""))
    group = str(row.get("group", ""))
    if verdict == "not enough data":
        if "no symptom diary" in str(row.get("sentence", "")).lower():
            return "Add a symptom diary"
        return what_to_try(row)
    if group == "natural course":
        return "Keep logging episodes"
    if group == "treatment" or verdict in ("supported", "contradicted"):
        return "Confirm with a self-experiment"
    weeks = weeks_needed(row)
    if math.isfinite(weeks) and weeks / 52.18 > OUT_OF_REACH_YEARS:
        return f"A self-experiment (logging alone: {span_words(weeks * 7)})"
    if math.isfinite(weeks):
        return f"Log {span_words(weeks * 7)} more, or a self-experiment"
    return "Keep logging, or a self-experiment"


def finding(row: Mapping[Any, Any]) -> str:
    """What this person's data show for one claim, in full sentences.

    An association measured before each spasm, with the interval in words, the days and
    spasms it rests on, and for a result against the advice or from few spasms a line that it
    may be chance.
    """
    verdict = str(row.get("verdict", ""))
    sentence = str(row.get("sentence", "") or "").strip()
    if verdict == "not enough data" or _missing(row.get("estimate")):
        return not_enough_words(row)
    measure = str(row.get("measure", "rate ratio"))
    group = str(row.get("group", ""))
    low, high = float(row.get("ci_low", math.nan)), float(row.get("ci_high", math.nan))
    days, events = row.get("n_days"), row.get("n_events")
    # The row's own sentence says what was compared; keep its first clause, drop any
    # stronger wording after it, and put the interval and the frame in words.
    core = re.split(r";\s*(this|inconclusive|described)", sentence)[0].rstrip(". ")
    core = re.sub(r"\s*\([\d.]+ to [\d.]+\)", "", core)
    parts = [f"In your own log: {core[0].lower() + core[1:]}" if core else "In your own log"]
    if group != "natural course" and math.isfinite(low) and math.isfinite(high):
        parts[0] += f" (95% interval: {interval_words(low, high, measure)})."
    else:
        parts[0] += "."
    rests = []
    if days is not None and not _missing(days) and float(days) > 0:
        rests.append(f"{int(float(days))} days")
    if events is not None and not _missing(events):
        unit = "episodes" if group in ("treatment", "natural course") else "spasms"
        rests.append(f"{int(float(events))} {unit}")
    if rests:
        parts.append("This rests on " + " and ".join(rests) + ".")
    if group == "prevention":
        parts.append("It is an association measured before each spasm, not proof of cause.")
    few = events is not None and not _missing(events) and float(events) < 20
    if verdict == "contradicted":
        parts.append(
            "This goes against the advice, but with several claims checked one can come out "
            "this way by chance; a self-experiment would show whether it is real."
        )
    elif verdict == "supported" and few:
        parts.append("It rests on few spasms and may be chance; a self-experiment can check it.")
    return " ".join(parts)


SCORECARD_COLUMNS: Final = (
    "Advice",
    "What your data show",
    "How sure",
    "Chance it helps you",
    "What to try next",
)
READING_COLUMNS: Final = (
    "File",
    "Format",
    "Rows read",
    "Used",
    "Not analysed",
    "Rejected",
    "Note",
)


_IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def readable(text: str) -> str:
    """A reader's note for people: format names in words, other identifiers spelled out
    (``date_from`` -> ``date from``)."""
    out = str(text)
    for code, name in FORMAT_NAMES.items():
        out = re.sub(rf"\b{code}\b", name, out)
    return _IDENTIFIER.sub(lambda m: m.group(0).replace("_", " "), plain(out))


_CODE_NAME = re.compile(r"\s*\([^()]*\b[a-z]+_[a-z0-9_]+\b[^()]*\)")


def plain(text: str) -> str:
    """Text with parenthesised column names (``(posture_0_10 in daily.csv)``) removed, for
    readers who never see the files' columns."""
    return _CODE_NAME.sub("", str(text)).strip()


_ONLY_DAYS = re.compile(r"only (\d+) days at risk")
_MINIMUM = re.compile(r"minimum (\d+)")


def not_enough_words(row: Mapping[Any, Any]) -> str:
    """Why a claim could not be tested, in words (the analysis' own sentence names columns
    and windows; this says the same for people)."""
    sentence = str(row.get("sentence", "") or "")
    if "no symptom diary" in sentence.lower():
        return "No symptom diary was given, so spasms cannot be related to anything."
    if not _IDENTIFIER.search(sentence):
        return plain(sentence) or "Not enough data in this log."
    days = [int(d) for d in _ONLY_DAYS.findall(sentence)]
    minimum = _MINIMUM.search(sentence)
    need = f" (at least {minimum.group(1)} are needed)" if minimum else ""
    what = EXPOSURE_NOUNS.get(str(row.get("claim", "")), "this").lower()
    if days:
        return (
            f"Not enough data: {what} was logged on only {max(days)} days at risk of a new "
            f"spasm{need}."
        )
    return readable(sentence)


def short_finding(row: Mapping[Any, Any]) -> str:
    """The scorecard cell: the ratio and its interval in a few words, or why there is none."""
    verdict = str(row.get("verdict", ""))
    if verdict == "not enough data" or _missing(row.get("estimate")):
        return not_enough_words(row)
    estimate = float(row["estimate"])
    low, high = float(row.get("ci_low", math.nan)), float(row.get("ci_high", math.nan))
    measure = str(row.get("measure", "rate ratio"))
    group = str(row.get("group", ""))
    if measure == "probability":
        return (
            f"{percent(estimate)} chance of another episode within a year "
            f"({percent(low)} to {percent(high)})"
        )
    if group == "treatment":
        return f"Episodes {number(estimate)} times as long ({number(low)} to {number(high)})"
    tested = [p.strip() for p in str(row.get("tested", "") or "").split(",")]
    unit = tested[-1] if len(tested) >= 3 else ""
    window = tested[1] if len(tested) >= 3 else ""
    noun = EXPOSURE_NOUNS.get(str(row.get("claim", "")), "").lower()
    per = f" {unit} {noun}".rstrip() if unit.startswith("per") else f" ({unit})"
    when = f", {window}" if window else ""
    return f"{number(estimate)} times as likely{per}{when} ({number(low)} to {number(high)})"


def rate_words(rate: float, low: float, high: float) -> str:
    """``"4.8 (between 3.4 and 6.4)"``, or ``"not known"`` when there is no rate."""
    if _missing(rate) or not math.isfinite(float(rate)):
        return "not known (no days at risk)"
    return f"{float(rate):.1f} (between {float(low):.1f} and {float(high):.1f})"


def cannot(exc: Exception) -> str:
    """A section's sentence when its analysis cannot run: why, and what would make it
    possible (the error's own message says both)."""
    return f"This part cannot be shown for this log: {exc}"


def no_estimates(card: Any) -> str:
    """What to say when no prevention claim could be estimated."""
    return (
        "None of the prevention advice could be tested on this log yet. "
        + "The table says, per piece of advice, what the log would need."
    )


def reading_rows(log: Any) -> list[dict[str, object]]:
    """One row per file read: format and how every row was accounted for."""
    rows: list[dict[str, object]] = []
    from pathlib import Path

    for r in log.provenance.to_dict("records"):
        rows.append(
            {
                "File": Path(str(r["file"])).name,
                "Format": FORMAT_NAMES.get(str(r["source"]), str(r["source"]) or "not an export"),
                "Rows read": int(r["rows_read"]),
                "Used": int(r["rows_used"]),
                "Not analysed": int(r.get("rows_not_analysed", 0) or 0),
                "Rejected": int(r["rows_rejected"]),
                "Note": readable(str(r["note"] or "")),
            }
        )
    return rows


def reading_warnings(log: Any) -> list[str]:
    """Warnings the readers left in ``log.parameters["warnings"]`` (two people's exports in
    one folder, a time zone that had to be assumed ...), as sentences."""
    found = log.parameters.get("warnings") or []
    if isinstance(found, str):
        found = [found]
    return [readable(str(w)) for w in found]


def prior_name(source: str) -> str:
    """The short name of a prior's source: the part before its first colon."""
    text = str(source or "").split(":", 1)[0].strip()
    return text or "a sceptical prior (no published estimate)"


def percent(p: float) -> str:
    """A probability for people: ``"84%"``, never ``"100%"`` or ``"0%"`` for what is only
    nearly certain."""
    if p > 0.995:
        return "over 99%"
    if p < 0.005:
        return "under 1%"
    return f"{p:.0%}"


def _has_posterior(row: Mapping[Any, Any]) -> bool:
    """Whether a scorecard row shows a chance that the advice helps: it has a posterior and
    is neither the described course nor short of data."""
    p = row.get("p_benefit")
    return not (
        p is None
        or _missing(p)
        or str(row.get("group", "")) == "natural course"
        or str(row.get("verdict", "")) == "not enough data"
    )


def chance_cell(row: Mapping[Any, Any]) -> str:
    """The scorecard's "chance it helps you" cell: the posterior probability, or a dash."""
    return percent(float(row["p_benefit"])) if _has_posterior(row) else "-"


def chance_words(row: Mapping[Any, Any]) -> str:
    """The posterior probability that the advice helps, with the prior's source named and
    the sensitivity beside it; empty when the row has none."""
    if not _has_posterior(row):
        return ""
    p = row["p_benefit"]
    outcome = "fewer spasms" if str(row.get("group", "")) == "prevention" else "shorter episodes"
    text = (
        f"Chance the advice helps you ({outcome}): {percent(float(p))}, combining your log with "
        f"published evidence ({prior_name(str(row.get('prior_source', '')))})"
    )
    flat, wide = row.get("p_benefit_flat"), row.get("p_benefit_wide")
    extra = []
    if flat is not None and not _missing(flat):
        extra.append(f"your log alone {percent(float(flat))}")
    if wide is not None and not _missing(wide):
        extra.append(f"assuming people differ twice as much {percent(float(wide))}")
    if extra:
        text += "; " + ", ".join(extra)
    return text + "."

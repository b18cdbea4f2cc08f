"""The exploratory factor screen (:func:`factor_screen`): every other tag a diary holds,
tested the same honest way as the claims, and labelled as exploration, never as a verdict."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd

from ..panel import daily_panel
from ..schema import Log
from .design import adjustment_design
from .glm import fit_hazard
from .verdicts import DEFAULT_MINIMUMS, benjamini_hochberg

LABEL: Final = "exploratory: not one of the articles' claims"
#: Tag kinds whose days do not tell whether the diary of the day's doings was kept.
_FIXED_KINDS: Final = ("treatment", "back_pain", "leg_pain")
Z95: Final = 1.959963984540054

SCREEN_COLUMNS: Final = (
    "tag",
    "days_tagged",
    "n_days",
    "n_onsets",
    "n_onsets_after",
    "rate_ratio",
    "ci_low",
    "ci_high",
    "p_val",
    "q_val",
    "label",
    "note",
)


def factor_screen(log: Log, *, min_days: int = 14) -> pd.DataFrame:
    """Screen every tag that no claim tests: onsets on the days after a tagged day.

    Parameters
    ----------
    log
        A parsed log with tags (Bearable factors, Daylio activities, Flaredown tags...).
    min_days
        Fewest days a tag must be logged on to be screened.

    Returns
    -------
    pandas.DataFrame
        One row per tag screened, most often logged first: ``tag``, ``days_tagged``,
        ``n_days`` (days at risk whose previous day's diary was kept), ``n_onsets`` (onsets
        on them), ``n_onsets_after`` (onsets the day after a tagged day), ``rate_ratio``
        (onset rate after a tagged day against after an untagged diary day), ``ci_low``,
        ``ci_high`` (95%), ``p_val``, ``q_val`` (Benjamini-Hochberg across this screen
        only), ``label`` (always ``"exploratory: not one of the articles' claims"``) and
        ``note`` (why a tag was not fitted: too few onsets, say). Empty when no tag
        qualifies.

    Notes
    -----
    A tag is screened when its reader gave it no meaning (``kind`` empty: see
    ``readers/tagmap.py``; tags that feed a claim's exposure, treatments and symptoms are
    left out) and it was logged on at least ``min_days`` days. The exposure is the previous
    day's tag: 1 when logged, 0 when that day's diary holds other tags but not this one,
    missing when no tag was logged (a day without a diary is not a day without the
    factor). Poisson hazard model with the onset model's weekday and trend adjustment
    (:func:`~backcare_analysis.stats.design.adjustment_design`) and model-based errors.
    Many tags are tested: a low q-value is a lead to test with a self-experiment, not a
    finding.
    """
    tags = log.tags
    kind = tags["kind"].fillna("").astype(str)
    dated = tags["date"].notna()
    candidates = tags.loc[(kind == "") & dated]
    counts = candidates.groupby("tag")["date"].nunique().sort_values(ascending=False, kind="stable")
    counts = counts[counts >= min_days]
    if counts.empty:
        return pd.DataFrame(columns=list(SCREEN_COLUMNS))
    panel = daily_panel(log)
    diary_days = set(tags.loc[~kind.isin(_FIXED_KINDS) & dated, "date"])
    previous = panel["date"] - pd.Timedelta(days=1)
    kept = previous.isin(diary_days).to_numpy()
    at_risk = panel["at_risk"].fillna(False).astype(bool).to_numpy()
    onset = panel["onset"].to_numpy(dtype=np.float64, na_value=np.nan)
    day = panel["day_index"].to_numpy(dtype=np.int64)
    rows_mask = at_risk & kept & np.isfinite(onset)
    n_onsets = int(np.nansum(onset[rows_mask]))
    covariates, _ = adjustment_design(panel, rows_mask, ("weekday", "trend"), n_onsets=n_onsets)
    y = onset[rows_mask]
    rows: list[dict[str, object]] = []
    for tag, days_tagged in counts.items():
        tagged_days = set(candidates.loc[candidates["tag"] == tag, "date"])
        x = previous.isin(tagged_days).to_numpy(dtype=np.float64)[rows_mask]
        after = int(y[x == 1].sum())
        row: dict[str, object] = {
            "tag": str(tag),
            "days_tagged": int(days_tagged),
            "n_days": int(rows_mask.sum()),
            "n_onsets": n_onsets,
            "n_onsets_after": after,
            "rate_ratio": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "p_val": math.nan,
            "label": LABEL,
            "note": "",
        }
        rows.append(row)
        minimum = DEFAULT_MINIMUMS.onsets
        if n_onsets < minimum:
            row["note"] = (
                f"only {n_onsets} onsets on days at risk after a diary day; at least {minimum} "
                "are needed"
            )
            continue
        levels = int(x.sum()), int((1 - x).sum())
        if min(levels) < DEFAULT_MINIMUMS.level_days:
            row["note"] = f"too few days on one side ({levels[0]} after the tag, {levels[1]} not)"
            continue
        try:
            fit = fit_hazard(y, x, covariates, day[rows_mask])
        except (ArithmeticError, np.linalg.LinAlgError) as exc:
            row["note"] = f"the model could not be fitted: {exc}"
            continue
        row.update(
            rate_ratio=math.exp(fit.coef),
            ci_low=math.exp(fit.coef - Z95 * fit.se_model),
            ci_high=math.exp(fit.coef + Z95 * fit.se_model),
            p_val=float(2 * _norm_sf(abs(fit.coef / fit.se_model))),
        )
    out = pd.DataFrame(rows)
    out["q_val"] = benjamini_hochberg(out["p_val"].to_numpy(dtype=np.float64))
    return out[list(SCREEN_COLUMNS)]


def _norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))

"""Block self-experiments: the plan, its files, and the analysis on a simulated person."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backcare_analysis as bca
from backcare_analysis.cli import main
from backcare_analysis.outputs.plan import plan_to_ics, read_plan, write_plan
from backcare_analysis.readers._common import provenance_row
from backcare_analysis.schema import AnalysisError, Log, LogFormatError, conform, empty_table
from backcare_analysis.stats.experiments import EXPERIMENTS, plan_experiment
from backcare_analysis.stats.plan_analysis import analyse_experiment, randomisation_p


def follow_plan(
    plan: pd.DataFrame,
    *,
    base_per_day: float,
    advice_rr: float,
    seed: int,
    pain_effect: float = 0.0,
    adherence: float = 1.0,
    treatment_ratio: float = 1.0,
) -> Log:
    """A person who lives by the plan: on advice days (followed) the onset hazard is
    ``base * advice_rr``; an episode lasts a day or two; daily pain is AR(1) noise plus
    ``pain_effect`` on followed advice days and 5 points on episode days."""
    rng = np.random.default_rng(seed)
    n = len(plan)
    advice = (plan["arm"] == "advice").to_numpy()
    followed = rng.random(n) < adherence
    acting = advice & followed
    episodes, in_episode = [], np.zeros(n, dtype=bool)
    until = -1
    for d in range(n):
        if d <= until:
            continue
        rr = advice_rr if acting[d] else 1.0
        if rng.random() < base_per_day * rr:
            hours = float(rng.lognormal(np.log(30.0), 0.4)) * (
                treatment_ratio if acting[d] else 1.0
            )
            length = max(1, int(np.ceil(hours / 24)))
            until = d + length - 1
            in_episode[d : d + length] = True
            start = plan["date"].iloc[d] + pd.Timedelta(hours=8)
            episodes.append(
                {
                    "episode_id": f"e{d}",
                    "start_local": start,
                    "end_local": start + pd.Timedelta(hours=hours),
                    "duration_h": hours,
                    "peak_severity_0_10": 6.0,
                    "source": "simulated",
                }
            )
    noise = np.zeros(n)
    for d in range(1, n):
        noise[d] = 0.6 * noise[d - 1] + rng.normal(0, 0.6)
    pain = np.clip(2 + noise + pain_effect * acting + 5 * in_episode, 0, 10)
    daily = pd.DataFrame(
        {
            "date": plan["date"],
            "symptoms_logged": True,
            "activity_logged": True,
            "pain_max_0_10": pain.round(1),
        }
    )
    ep = pd.DataFrame(episodes, columns=list(empty_table("episodes").columns))
    tags = pd.DataFrame(
        {
            "date": plan["date"][followed].to_numpy(),
            "tag": "Followed plan",
            "kind": "",
            "source": "simulated",
        }
    )
    return Log(
        episodes=conform(ep, "episodes"),
        daily=conform(daily, "daily"),
        rejected=empty_table("rejected"),
        provenance=provenance_row(
            Path("<sim>"), "simulated", rows_read=n, rows_used=n, rows_rejected=0
        ),
        tags=conform(tags, "tags"),
    )


def test_plan_is_balanced_within_pairs_and_reproducible() -> None:
    plan = plan_experiment("stretching", weeks=12, start="2026-01-05", seed=3)
    assert len(plan) == 84
    assert plan.equals(plan_experiment("stretching", weeks=12, start="2026-01-05", seed=3))
    per_pair = plan.groupby("pair")["arm"].agg(lambda s: sorted(set(s)))
    assert all(arms == ["advice", "usual"] for arms in per_pair)
    assert plan.groupby("block")["arm"].nunique().eq(1).all()
    # stretching: 2 washout days per 7-day block
    assert plan["washout"].sum() == 12 * 2
    assert plan.loc[plan["washout"], "day_in_block"].isin([1, 2]).all()
    assert plan["date"].iloc[0] == pd.Timestamp("2026-01-05")
    assert (plan["followed"] == "").all()
    # different seeds give different orders at least sometimes
    orders = {tuple(plan_experiment("sitting", weeks=12, start="2026-01-05", seed=s)["arm"])
              for s in range(8)}  # fmt: skip
    assert len(orders) > 1


def test_plan_refuses_bad_requests() -> None:
    with pytest.raises(AnalysisError, match="no self-experiment is defined for 'nsaids'"):
        plan_experiment("nsaids")
    with pytest.raises(AnalysisError, match="hold no pair"):
        plan_experiment("sitting", weeks=1)
    with pytest.raises(AnalysisError, match="leaves no day"):
        plan_experiment("sitting", weeks=4, block_days=2, washout_days=2)


def test_every_claim_documents_its_washout() -> None:
    for spec in EXPERIMENTS.values():
        assert spec.washout_reason
        assert 0 <= spec.washout_days < 7


def test_ics_is_rfc5545(tmp_path: Path) -> None:
    plan = plan_experiment("hydration", weeks=4, start="2026-03-02", seed=1)
    paths = write_plan(plan, tmp_path / "out")
    assert [p.name for p in paths] == ["plan.csv", "plan.ics"]
    raw = paths[1].read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    text = plan_to_ics(plan)
    unfolded = text.replace("\r\n ", "")
    assert unfolded.count("BEGIN:VEVENT") == 4
    assert "DTSTART;VALUE=DATE:20260302\r\n" in unfolded
    # all-day: DTEND is exclusive, the day after the block's last day
    assert "DTEND;VALUE=DATE:20260309\r\n" in unfolded
    assert "DTSTAMP:20260302T000000Z" in unfolded
    # commas in text are escaped
    assert "\\," in unfolded or "," not in plan["instruction"].iloc[0]
    back = read_plan(paths[0])
    assert back["arm"].tolist() == plan["arm"].tolist()
    assert back["washout"].tolist() == plan["washout"].tolist()


def test_read_plan_errors(tmp_path: Path) -> None:
    bad = tmp_path / "plan.csv"
    bad.write_text("date,arm\n2026-01-01,advice\n")
    with pytest.raises(LogFormatError, match="not a self-experiment plan"):
        read_plan(bad)
    plan = plan_experiment("sitting", weeks=2, start="2026-01-05", seed=1)
    write_plan(plan, tmp_path)
    text = (tmp_path / "plan.csv").read_text().replace("2026-01-07", "7 Jan")
    (tmp_path / "plan.csv").write_text(text)
    with pytest.raises(LogFormatError, match=r"line 4: date '7 Jan'"):
        read_plan(tmp_path)


def test_randomisation_p_by_hand() -> None:
    diff = np.array([1.0, 2.0, 3.0])
    # 8 sign patterns; |mean| >= 2 only for all + and all -
    p = randomisation_p(lambda f: float(np.mean(np.where(f, -diff, diff))), 3)
    assert p == pytest.approx(2 / 8)


def test_planted_effect_is_recovered() -> None:
    plan = plan_experiment("stretching", weeks=104, start="2026-01-05", seed=11)
    log = follow_plan(plan, base_per_day=0.08, advice_rr=0.4, seed=5, pain_effect=-1.0)
    out = analyse_experiment(log, plan).set_index(["outcome", "analysis"])
    itt = out.loc[("onset rate", "intention to treat")]
    assert itt["ci_low"] < 0.4 < itt["ci_high"]
    assert itt["estimate"] < 1
    assert itt["p_benefit"] > 0.95
    assert 0 < itt["p_meaningful_benefit"] < itt["p_benefit"]
    assert itt["meaningful"] == "rate lower by more than 20%"
    assert itt["n_pairs"] == 52
    assert itt["n_days_advice"] + itt["n_days_usual"] < 728 * 5 / 7 + 1
    pain = out.loc[("daily pain", "intention to treat")]
    # pain includes episode days, which are fewer in advice blocks: below -1 on average
    assert pain["ci_high"] < 0
    assert pain["p_benefit"] > 0.95
    assert "no longer protected" in out.loc[("onset rate", "per protocol"), "note"]


def test_no_effect_gives_p_benefit_near_half_on_average() -> None:
    values, p_vals = [], []
    for seed in range(40):
        plan = plan_experiment("sitting", weeks=16, start="2026-01-05", seed=seed)
        log = follow_plan(plan, base_per_day=0.15, advice_rr=1.0, seed=100 + seed)
        row = analyse_experiment(log, plan).iloc[0]
        values.append(row["p_benefit"])
        p_vals.append(row["p_val"])
    assert abs(np.mean(values) - 0.5) < 0.08
    assert np.mean(np.array(p_vals) < 0.05) <= 0.15


def test_per_protocol_uses_only_followed_days() -> None:
    plan = plan_experiment("exercise", weeks=24, start="2026-01-05", seed=2)
    log = follow_plan(plan, base_per_day=0.1, advice_rr=0.5, seed=9, adherence=0.6)
    out = analyse_experiment(log, plan).set_index(["outcome", "analysis"])
    itt = out.loc[("onset rate", "intention to treat")]
    pp = out.loc[("onset rate", "per protocol")]
    assert pp["n_days_advice"] < itt["n_days_advice"]
    # the plan's column wins over tags
    filled = plan.assign(followed="no")
    none = analyse_experiment(log, filled)
    assert (
        "no day marked as followed" in none.loc[none["analysis"] == "per protocol", "note"].iloc[0]
    )


def test_treatment_experiment_compares_durations() -> None:
    plan = plan_experiment("heat", weeks=104, start="2026-01-05", seed=4)
    log = follow_plan(plan, base_per_day=0.1, advice_rr=1.0, seed=8, treatment_ratio=0.5)
    out = analyse_experiment(log, plan).set_index(["outcome", "analysis"])
    row = out.loc[("episode duration", "intention to treat")]
    assert row["ci_low"] < 0.5 < row["ci_high"]
    assert row["p_benefit"] > 0.95


def test_log_outside_the_plan_is_refused() -> None:
    plan = plan_experiment("sitting", weeks=4, start="2026-01-05", seed=2)
    other = plan_experiment("sitting", weeks=4, start="2030-01-07", seed=2)
    log = follow_plan(other, base_per_day=0.1, advice_rr=1.0, seed=1)
    with pytest.raises(AnalysisError, match="no logged day between 2026-01-05"):
        analyse_experiment(log, plan)


def test_cli_plan_writes_and_analyses(tmp_path: Path) -> None:
    out = io.StringIO()
    code = main(
        ["plan", "stretching", "--weeks", "8", "--block-days", "7", "--out", str(tmp_path),
         "--start", "2026-01-05", "--seed", "1"],
        out=out,
    )  # fmt: skip
    assert code == 0
    assert (tmp_path / "plan.csv").exists()
    assert (tmp_path / "plan.ics").exists()
    assert "plan.ics" in out.getvalue()
    plan = read_plan(tmp_path / "plan.csv")
    log = follow_plan(plan, base_per_day=0.1, advice_rr=1.0, seed=3)
    folder = tmp_path / "log"
    folder.mkdir()
    daily = log.daily[["date", "pain_max_0_10"]].rename(columns={"pain_max_0_10": "pain_0_10"})
    daily.assign(date=daily["date"].dt.strftime("%Y-%m-%d")).to_csv(
        folder / "daily.csv", index=False
    )
    episodes = log.episodes[["start_local", "duration_h", "peak_severity_0_10"]].rename(
        columns={"start_local": "start"}
    )
    episodes.assign(start=episodes["start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        folder / "episodes.csv", index=False
    )
    out = io.StringIO()
    code = main(["plan", "--analyse", str(folder), str(tmp_path / "plan.csv")], out=out)
    assert code == 0, out.getvalue()
    assert "intention to treat" in out.getvalue()
    assert main(["plan", "nonsense", "--out", str(tmp_path)], out=io.StringIO()) == 4


def test_public_names() -> None:
    assert bca.plan_experiment is plan_experiment
    assert bca.analyse_experiment is analyse_experiment
    assert bca.write_plan is write_plan


def test_pain_rows_by_hand() -> None:
    from scipy import stats

    from backcare_analysis.stats.plan_analysis import _pain_rows

    # three pairs; advice minus usual block means: -1, -2, -3
    days = pd.DataFrame(
        {
            "pair": [1, 1, 1, 2, 2, 3, 3, 3],
            "arm": ["advice", "usual", "usual", "advice", "usual", "advice", "advice", "usual"],
            "pain": [3.0, 4.0, 4.0, 2.0, 4.0, 1.0, 2.0, 4.5],
        }
    )
    row = _pain_rows("stretching", "intention to treat", days)
    se = 1 / np.sqrt(3)
    assert row["estimate"] == pytest.approx(-2.0)
    assert row["ci_high"] == pytest.approx(-2.0 + stats.t.ppf(0.975, 2) * se)
    assert row["p_benefit"] == pytest.approx(stats.t.cdf(2.0 / se, 2))
    assert row["p_meaningful_benefit"] == pytest.approx(stats.t.cdf(1.0 / se, 2))
    assert row["p_val"] == pytest.approx(2 / 8)
    assert row["n_pairs"] == 3

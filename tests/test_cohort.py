"""Cohorts: reading many people, the per-person table, pooling and borrowing strength."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from backcare_analysis import LogFormatError
from backcare_analysis.cohort import (
    cohort_advice,
    pool_advice,
    random_effects,
    read_cohort,
    se_from_interval,
    shrink_advice,
)
from backcare_analysis.cohort.read import PEOPLE_COLUMNS
from backcare_analysis.cohort.run import PER_PERSON_COLUMNS
from backcare_analysis.readers import flaredown
from backcare_analysis.readers.flaredown_stream import read_flaredown_cohort
from backcare_analysis.synthetic.cohort import (
    CohortSetting,
    simulate_cohort,
    write_cohort_folder,
    write_flaredown_cohort,
    write_sample_cohort,
)

ROOT = Path(__file__).resolve().parents[1]
SMALL = CohortSetting(n_back=6, n_other=3, days=(200, 240), other_rows=30)


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cohort") / "fd.csv"
    write_flaredown_cohort(path, SMALL, seed=3)
    return path


@pytest.fixture(scope="module")
def per_person(cohort_file: Path) -> pd.DataFrame:
    return cohort_advice(read_cohort(cohort_file, progress=False), max_workers=2)


def test_flaredown_cohort_selects_people_who_log_back_pain(cohort_file: Path) -> None:
    cohort = read_cohort(cohort_file, progress=False)
    assert cohort.kind == "flaredown"
    assert len(cohort) == 6
    assert cohort.n_in_source == 9  # three people log other conditions only: not selected
    assert list(cohort.people.columns) == list(PEOPLE_COLUMNS)
    assert cohort.people["person"].tolist() == [f"bp{i:05d}" for i in range(6)]
    rows = pd.read_csv(cohort_file, dtype=str, keep_default_na=False)
    for person, log in cohort:
        mine = rows.loc[rows["user_id"] == person]
        row = cohort.people.set_index("person").loc[person]
        assert row["rows_read"] == len(mine)
        # Fatigue ratings are fine rows that no analysis uses: not analysed, not rejected.
        assert row["rows_not_analysed"] == int((mine["trackable_name"] == "Fatigue").sum())
        assert row["rows_rejected"] == 0
        assert row["days"] == mine["checkin_date"].nunique() == len(log.daily)
        assert row["logged_share"] == 1.0  # the simulator checks in every day
    chosen = read_cohort(cohort_file, people=["bp00002", "ot00001"], progress=False)
    assert chosen.people["person"].tolist() == ["bp00002", "ot00001"]
    other = chosen.log("ot00001")
    assert other.episodes.empty
    assert other.daily["pain_max_0_10"].isna().all()
    with pytest.raises(LogFormatError, match="no rows of person 'zz'"):
        read_cohort(cohort_file, people=["zz"], progress=False)


@pytest.mark.parametrize("chunk_rows", [97, 1000, 10**6])
def test_stream_matches_reading_the_whole_file_also_when_not_grouped(
    tmp_path: Path, chunk_rows: int
) -> None:
    rows, _ = simulate_cohort(SMALL, seed=4)
    shuffled = rows.sample(frac=1.0, random_state=1)  # people's rows interleaved
    for name, table in {"grouped.csv": rows, "shuffled.csv": shuffled}.items():
        path = tmp_path / name
        table.to_csv(path, index=False)
        whole = flaredown.read_flaredown_users(path, only_back_pain=True)
        streamed, n_people = read_flaredown_cohort(path, chunk_rows=chunk_rows)
        assert n_people == 9
        assert sorted(streamed) == sorted(whole)
        for person, log in whole.items():
            for table_name in ("episodes", "daily", "rejected", "not_analysed", "tags"):
                pd.testing.assert_frame_equal(
                    getattr(streamed[person], table_name), getattr(log, table_name)
                )


def test_bad_people_in_a_flaredown_file(tmp_path: Path) -> None:
    header = "user_id,age,sex,country,checkin_date,trackable_id,trackable_type,trackable_name,trackable_value\n"  # noqa: E501
    path = tmp_path / "fd.csv"
    path.write_text(
        header
        + "a,,,,2021-01-01,1,Condition,Lower back pain,3\n"
        + "a,,,,2021-01-02,1,Condition,Lower back pain,1\n"
        + "b,,,,2021-01-01,1,Condition,Asthma,2\n"  # other conditions only: not selected
        + "c,,,,2021-01-01,1,Condition,Lower back pain,9\n"  # every row rejected
    )
    cohort = read_cohort(path, progress=False)
    people = cohort.people.set_index("person")
    assert people.index.tolist() == ["a", "c"]
    assert cohort.n_in_source == 3
    assert people.loc["c", "status"] == "unreadable"
    assert "no usable row" in people.loc["c", "reason"]
    table = cohort_advice(cohort, max_workers=1)
    assert set(table.loc[table["person"] == "c", "status"]) == {"unreadable"}
    assert set(table.loc[table["person"] == "a", "status"]) == {"ok"}


def test_folder_cohort_keeps_unreadable_people_and_refuses_duplicate_ids(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "practice"
    write_cohort_folder(folder, CohortSetting(n_back=3, n_other=0, days=(60, 70)), seed=5)
    (folder / "empty").mkdir()
    (folder / "broken").mkdir()
    (folder / "broken" / "export.csv").write_text("not,a,known\nformat,at,all\n")
    cohort = read_cohort(folder, progress=False)
    assert cohort.kind == "folder"
    people = cohort.people.set_index("person")
    assert people.index.tolist() == ["bp00000", "bp00001", "bp00002", "broken", "empty"]
    assert (people.loc[["broken", "empty"], "status"] == "unreadable").all()
    assert people.loc["broken", "reason"] != ""
    assert len(cohort) == 3
    logs = dict(cohort)
    assert sorted(logs) == ["bp00000", "bp00001", "bp00002"]
    assert people.loc["bp00000", "days"] == len(logs["bp00000"].daily)
    (folder / "BP00000").mkdir()
    with pytest.raises(LogFormatError, match="differ only in case"):
        read_cohort(folder, progress=False)
    (folder / "BP00000").rmdir()
    (folder / "bp00001_extra.csv").write_text("x\n")
    with pytest.raises(LogFormatError, match="both a subfolder and loose files"):
        read_cohort(folder, progress=False)


def test_per_person_table(per_person: pd.DataFrame) -> None:
    assert list(per_person.columns) == list(PER_PERSON_COLUMNS)
    assert per_person["person"].nunique() == 6
    assert per_person.groupby("person").size().nunique() == 1  # every claim for everyone
    lifting = per_person.loc[per_person["claim"] == "lifting"]
    assert (lifting["status"] == "ok").all()
    fitted = lifting["estimate"].notna()
    assert fitted.sum() >= 4
    assert (lifting.loc[~fitted, "verdict"] == "not enough data").all()
    assert lifting.loc[~fitted, "reason"].str.len().gt(0).all()
    lifting = lifting.loc[fitted]
    # The log-scale SE is the Wald interval's half-width over z, computed by hand here.
    z = stats.norm.ppf(0.975)
    expected = (np.log(lifting["ci_high"]) - np.log(lifting["ci_low"])) / (2 * z)
    np.testing.assert_allclose(lifting["se_log"], expected)
    untested = per_person.loc[per_person["claim"] == "sitting"]
    assert (untested["verdict"] == "not enough data").all()
    assert untested["reason"].str.len().gt(0).all()


def test_random_effects_against_closed_forms() -> None:
    # With equal within-person variances v, REML and Paule-Mandel both give
    # tau^2 = s^2 - v, the Hartung-Knapp interval is the one-sample t interval, the
    # Q-profile bounds solve (k - 1) s^2 / (v + t) = chi2 quantile, and the prediction
    # interval is mu +- t_{k-2} sqrt(tau^2 + s^2 / k).
    y = np.array([0.1, 0.5, 0.9, 0.3, 1.2, 0.7, -0.2, 0.6])
    se = np.full(len(y), 0.2)
    k, s2, v = len(y), y.var(ddof=1), 0.04
    t = stats.t.ppf(0.975, k - 1)
    for method in ("REML", "PM"):
        fit = random_effects(y, se, method=method)  # type: ignore[arg-type]
        assert fit["tau2"] == pytest.approx(s2 - v, rel=1e-4)
        assert fit["mu"] == pytest.approx(y.mean())
        assert fit["ci_low"] == pytest.approx(y.mean() - t * math.sqrt(s2 / k), rel=1e-4)
        assert fit["ci_high"] == pytest.approx(y.mean() + t * math.sqrt(s2 / k), rel=1e-4)
        low = (k - 1) * s2 / stats.chi2.ppf(0.975, k - 1) - v
        high = (k - 1) * s2 / stats.chi2.ppf(0.025, k - 1) - v
        assert fit["tau2_low"] == pytest.approx(max(low, 0.0), abs=1e-6)
        assert fit["tau2_high"] == pytest.approx(high, rel=1e-5)
        half = stats.t.ppf(0.975, k - 2) * math.sqrt(s2 - v + s2 / k)
        assert fit["pi_high"] == pytest.approx(y.mean() + half, rel=1e-4)
    same = random_effects(np.array([0.5, 0.5, 0.5]), np.array([0.3, 0.3, 0.3]))
    assert same["tau2"] == 0.0
    assert same["tau2_low"] == 0.0
    assert same["tau2_high"] == 0.0


def test_pool_counts_every_person(per_person: pd.DataFrame) -> None:
    broken = per_person.copy()
    failed = broken["person"] == "bp00005"
    broken.loc[failed, ["estimate", "se_log", "ci_low", "ci_high"]] = np.nan
    broken.loc[failed, ["status", "verdict"]] = "failed"
    broken.loc[failed, "reason"] = "worker failed: KilledWorker"
    pooled = pool_advice(broken).set_index("claim")
    assert "recurrence" not in pooled.index  # a probability, not pooled as a ratio
    lifting = pooled.loc["lifting"]
    mine = broken.loc[broken["claim"] == "lifting"]
    ok = mine.loc[mine["estimate"].notna()]
    unfitted = 6 - len(ok)
    assert lifting["n_people"] == len(ok) >= 3
    assert lifting["n_not_fitted"] == unfitted >= 1
    expected = "failed 1" if unfitted == 1 else f"not enough data {unfitted - 1}; failed 1"
    assert lifting["not_fitted_reasons"] == expected
    own = mine["verdict"]
    assert lifting["n_supported"] == (own == "supported").sum()
    counted = lifting["n_supported"] + lifting["n_contradicted"] + lifting["n_inconclusive"]
    assert counted == (~own.isin(["failed", "not enough data"])).sum()
    # Pooled on the information-based SE: for lifting, a yes/no exposure, the scorecard's
    # SE itself (it carries no small-sample factor).
    assert (ok["exposure_unit"] == "yes vs no").all()
    info_se = ok["se_log"]
    fit = random_effects(np.log(ok["estimate"]), info_se)
    assert lifting["pooled_ratio"] == pytest.approx(math.exp(fit["mu"]))
    assert lifting["tau"] == pytest.approx(math.sqrt(fit["tau2"]))
    assert lifting["ci_low"] < lifting["pooled_ratio"] < lifting["ci_high"]
    sitting = pooled.loc["sitting"]
    assert sitting["n_people"] == 0
    assert np.isnan(sitting["pooled_ratio"])
    assert sitting["not_fitted_reasons"] == "not enough data 5; failed 1"


def test_shrinkage_weights_by_precision(per_person: pd.DataFrame) -> None:
    pooled = pool_advice(per_person)
    shrunk = shrink_advice(per_person, pooled)
    lifting = shrunk.loc[shrunk["claim"] == "lifting"]
    fit = pooled.set_index("claim").loc["lifting"]
    assert len(lifting) == fit["n_people"]
    own = per_person.loc[per_person["claim"] == "lifting"].set_index("person")
    for row in lifting.itertuples():
        v = own.loc[row.person, "se_log"] ** 2  # yes/no: the SE pooling used, no factor
        b = fit["tau"] ** 2 / (fit["tau"] ** 2 + v)
        assert row.weight_own == pytest.approx(b)
        expected = b * math.log(row.own_ratio) + (1 - b) * math.log(fit["pooled_ratio"])
        assert math.log(row.shrunk_ratio) == pytest.approx(expected)
        assert row.sentence.startswith("your log alone: ")
        assert f"with what {fit['n_people'] - 1} others' logs show" in row.sentence


def test_se_from_interval_is_missing_without_an_interval() -> None:
    se = se_from_interval(pd.Series([1.0, np.nan, 2.0]), pd.Series([4.0, np.nan, 2.0]))
    assert se.iloc[0] == pytest.approx(math.log(4) / (2 * stats.norm.ppf(0.975)))
    assert se.iloc[1:].isna().all()


def test_bundled_sample_cohort_matches_its_generator(tmp_path: Path) -> None:
    written = write_sample_cohort(tmp_path)
    bundled = ROOT / "data" / "sample" / "cohort"
    for path in written:
        relative = path.relative_to(tmp_path)
        assert (bundled / relative).read_bytes() == path.read_bytes(), relative
    on_disk = {p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file()}
    assert on_disk - {Path("README.md")} == {p.relative_to(tmp_path) for p in written}
    assert sum(p.stat().st_size for p in written) < 400_000

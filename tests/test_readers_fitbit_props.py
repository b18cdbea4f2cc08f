"""Property: whatever a Fitbit file's entries hold, the read accounts for every one of them
(used + not analysed + rejected == read) or refuses the file with a LogFormatError."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from backcare_analysis.readers import fitbit
from backcare_analysis.schema import LogFormatError

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["94", "1440", "-3", "1e309", "12,5", " 7 "]),
)
_STAMPS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["01/10/24 00:00:00", "12/31/99 23:59:00", "02/30/24 10:00:00", "13/01/24"]),
)
_ENTRY = st.one_of(
    st.fixed_dictionaries({"dateTime": _STAMPS, "value": _VALUES}),
    st.fixed_dictionaries(
        {
            "logId": st.integers(0, 5),
            "activityName": st.sampled_from(["Walk", "Yoga", "", "Weights"]),
            "startTime": _STAMPS,
            "activeDuration": _VALUES,
        }
    ),
    st.fixed_dictionaries(
        {"logId": st.integers(0, 5), "dateOfSleep": _STAMPS, "minutesAsleep": _VALUES}
    ),
    _VALUES,
)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(
        ["steps-2024-01-01.json", "sedentary_minutes-2024-01-01.json", "sleep-2024-01-01.json",
         "exercise-0.json", "very_active_minutes-2024-01-01 (1).json"]
    ),
    entries=st.lists(_ENTRY, max_size=12),
)  # fmt: skip
def test_every_entry_is_accounted_for(name: str, entries: list[object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(json.dumps(entries), encoding="utf-8")
        try:
            log = fitbit.read(path)
        except LogFormatError:
            return
    prov = log.provenance.iloc[0]
    assert prov["rows_read"] == len(entries)
    assert prov["rows_used"] + prov["rows_not_analysed"] + prov["rows_rejected"] == len(entries)
    assert len(log.rejected) == prov["rows_rejected"]
    assert len(log.not_analysed) == prov["rows_not_analysed"]

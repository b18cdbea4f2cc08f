"""Mutation tests of every reader (issue 14): seeded mutations of the bundled samples and of
synthetic exports, each read with ``read_log``.

The property: a Log whose row accounting holds and whose values and dates are plausible,
or a ``LogFormatError`` that names the file; never another exception, within 10 s and
500 MB. Each case is named ``format-mutation-seed``. ``pytest --fuzz-cases=N`` (or the
environment variable ``BACKCARE_FUZZ_CASES``) runs N cases per format instead of the
default; ``validation/fuzz_readers.py`` is the long run with the summary table.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fuzz import FORMATS, Base, Case, build_corpus, cases, run_case

#: Cases per format in CI: a few hundred in all, about a minute.
DEFAULT_CASES = 25


def _n_cases(config: pytest.Config) -> int:
    option = config.getoption("--fuzz-cases", default=None)
    if option is not None:
        return int(option)
    return int(os.environ.get("BACKCARE_FUZZ_CASES", DEFAULT_CASES))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    n = _n_cases(metafunc.config)
    # The families are fixed per format, so cases can be listed before the corpus exists.
    all_cases = [
        c for name, family in FORMATS.items() for c in cases(Base(name, family, Path(name)), n)
    ]
    metafunc.parametrize("case", all_cases, ids=[c.id for c in all_cases])


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Base]:
    return build_corpus(tmp_path_factory.mktemp("fuzz-corpus"))


def test_base_inputs_read_cleanly(corpus: dict[str, Base], tmp_path: Path) -> None:
    # The oracle must find nothing wrong with the unmutated inputs, or its findings mean
    # nothing; "identity" is not a mutation, so read each base directly.
    from fuzz.oracle import check_log

    from backcare_analysis import read_log

    for base in corpus.values():
        mutated = sorted(base.path.iterdir())[0] if base.path.is_dir() else base.path
        assert check_log(read_log(base.path), base.family, mutated) == [], base.name


def test_a_mutated_reader_input_is_read_or_refused_cleanly(
    case: Case, corpus: dict[str, Base], tmp_path: Path
) -> None:
    outcome = run_case(corpus[case.format], case, tmp_path)
    assert outcome.ok, f"{case.id}: {', '.join(outcome.problems)}: {outcome.detail}"


#: Cases the long run (validation/fuzz_readers.py, 340 per format) once failed, pinned so
#: that CI runs them whatever --fuzz-cases is: a Fitbit file whose first entry is broken
#: (a key's value of the wrong type, keys garbled by Windows-1252) was taken for no Fitbit
#: file at all and its other entries lost; a cut or an empty file aborted the whole folder.
PINNED = (
    Case("fitbit_folder", "json_wrong_type", 1),
    Case("fitbit_folder", "cp1252", 2),
    Case("fitbit_folder", "cp1252", 6),
    Case("fitbit_folder", "json_top_object", 5),
    Case("fitbit_folder", "json_empty_list", 1),
    Case("fitbit_folder", "truncate", 0),
    Case("fitbit_folder", "folder_empty_file", 4),
)


@pytest.mark.parametrize("pinned", PINNED, ids=[c.id for c in PINNED])
def test_pinned_cases_of_the_long_run(
    pinned: Case, corpus: dict[str, Base], tmp_path: Path
) -> None:
    outcome = run_case(corpus[pinned.format], pinned, tmp_path)
    assert outcome.ok, f"{pinned.id}: {', '.join(outcome.problems)}: {outcome.detail}"

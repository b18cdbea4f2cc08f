"""The long mutation fuzz of every reader (issue 14): the table of docs/testing.md.

Writes one base input per format (``tests/fuzz/corpus.py``: the bundled samples and small
synthetic exports), applies seeded mutations (``tests/fuzz/mutators.py``,
``tests/fuzz/structured.py``), reads each with ``read_log`` and classifies the outcome
(``tests/fuzz/oracle.py``). Prints, as Markdown, one row per format:

| format | cases | uncaught | raw library error | silent loss | count mismatch | bad value
accepted | odd year accepted | too slow |

then every distinct failing cause with one example (format, mutation and seed, exception
type and first line of the message, or what was wrong with the returned log).

Usage::

    python validation/fuzz_readers.py                      # 300 cases per format
    python validation/fuzz_readers.py --cases 1000 --processes 2
    python validation/fuzz_readers.py --formats daylio,apple_zip --out validation/out

Deterministic for a given ``--cases``: case i of a format is mutation i mod M, seed i // M.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fuzz import LONG_FORMATS, PROBLEMS, Base, Case, Outcome, build_corpus, cases, run_case  # noqa: E402

_BASES: dict[str, Base] = {}
_WORK = Path()
_SECONDS = [10.0]


def _init(bases: dict[str, Base], work: Path, seconds: float) -> None:
    _BASES.update(bases)
    global _WORK
    _WORK = work
    _SECONDS[0] = seconds


def _run(case: Case) -> Outcome:
    return run_case(_BASES[case.format], case, _WORK, seconds=_SECONDS[0])


def _load(path: Path) -> list[Outcome]:
    """Outcomes saved by ``--out`` (problems, error and detail as written)."""
    with path.open(newline="") as fh:
        return [
            Outcome(
                Case(r["format"], r["mutation"], int(r["seed"])),
                problems=[p for p in r["problems"].split(";") if p],
                refused=r["refused"] == "True",
                error=r["error"],
                detail=r["detail"],
                seconds=float(r["seconds"]),
                memory_mb=float(r["memory_mb"]),
            )
            for r in csv.DictReader(fh)
        ]


def cause(outcome: Outcome) -> str:
    """A key for 'the same cause': the problem and its message with numbers, paths and
    quoted values blanked."""
    text = outcome.error or outcome.detail
    text = re.sub(r"(/[^\s:'\"(),]+)+", "<path>", text)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "<v>", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    return f"{outcome.problems[0]}: {text[:160]}"


def reader(fmt: str) -> str:
    return (
        fmt.split("_")[0] if fmt.startswith(("spreadsheet", "apple", "fitbit", "bearable")) else fmt
    )


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| format | cases | " + " | ".join(PROBLEMS) + " | refused (all) | ok |",
        "|---" * (len(PROBLEMS) + 4) + "|",
    ]
    formats = list(dict.fromkeys(o.case.format for o in outcomes))
    for fmt in formats:
        mine = [o for o in outcomes if o.case.format == fmt]
        counts = Counter(p for o in mine for p in o.problems)
        lines.append(
            f"| {fmt} | {len(mine)} | "
            + " | ".join(str(counts[p]) for p in PROBLEMS)
            + f" | {sum(o.refused for o in mine)} | {sum(o.ok for o in mine)} |"
        )
    return "\n".join(lines)


def causes(outcomes: list[Outcome]) -> str:
    seen: dict[tuple[str, str], tuple[Outcome, int]] = {}
    for o in outcomes:
        if o.ok:
            continue
        key = (reader(o.case.format), cause(o))
        example, n = seen.get(key, (o, 0))
        seen[key] = (example, n + 1)
    lines: list[str] = []
    for group in dict.fromkeys(k[0] for k in seen):
        lines.append(f"\n### {group}\n")
        for (g, _), (o, n) in sorted(seen.items(), key=lambda kv: -kv[1][1]):
            if g != group:
                continue
            what = o.error if o.error else o.detail
            lines.append(
                f"- **{', '.join(o.problems)}** ({n} cases), e.g. `{o.case.id}`: {what[:300]}"
                + (f" [{o.detail[:200]}]" if o.error and o.detail and o.detail != o.error else "")
            )
    return "\n".join(lines)


COLUMNS = ["format", "mutation", "seed", "problems", "refused", "error", "detail", "seconds",
           "memory_mb"]  # fmt: skip


def _outcomes_writer(folder: Path | None) -> Any:
    """A csv writer of ``folder/outcomes.csv`` (written as cases finish), or None."""
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    fh = (folder / "outcomes.csv").open("w", newline="", buffering=1)
    writer = csv.writer(fh)
    writer.writerow(COLUMNS)
    return writer


def _record(o: Outcome, outcomes: list[Outcome], writer: Any, total: int) -> None:
    outcomes.append(o)
    if writer is not None:
        writer.writerow(
            [
                o.case.format,
                o.case.mutation,
                o.case.seed,
                ";".join(o.problems),
                o.refused,
                o.error,
                o.detail,
                f"{o.seconds:.3f}",
                f"{o.memory_mb:.0f}",
            ]
        )
    if len(outcomes) % 100 == 0:
        print(f"{len(outcomes)}/{total} cases ({o.case.format})", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="cases per format")
    parser.add_argument("--formats", default="", help="comma-separated subset of formats")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0, help="time bound per case")
    parser.add_argument("--out", type=Path, default=None, help="folder for outcomes.csv")
    parser.add_argument("--no-long", action="store_true", help="skip the full bundled samples")
    parser.add_argument(
        "--long-cases", type=int, default=60, help="cases per full bundled sample (slow to read)"
    )
    parser.add_argument(
        "--from",
        dest="from_csv",
        type=Path,
        default=None,
        help="print the table from a saved outcomes.csv instead of running",
    )
    parser.add_argument(
        "--recheck",
        default="",
        help="with --from: run the cases showing these problems (comma-separated) again",
    )
    args = parser.parse_args(argv)
    if args.from_csv is not None:
        outcomes = _load(args.from_csv)
        if args.recheck:
            with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
                work = Path(tmp)
                _init(build_corpus(work / "corpus", long=True), work, args.seconds)
                again = set(args.recheck.split(","))
                outcomes = [_run(o.case) if again & set(o.problems) else o for o in outcomes]
        print(f"## Mutation fuzz of the readers: {len(outcomes)} cases (from {args.from_csv})\n")
        print(table(outcomes))
        print("\n## Distinct failing causes (one example each)")
        print(causes(outcomes))
        return 0
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        work = Path(tmp)
        bases = build_corpus(work / "corpus", long=not args.no_long)
        wanted = [f for f in args.formats.split(",") if f] or list(bases)
        todo = [
            c
            for f in wanted
            for c in cases(bases[f], args.long_cases if f in LONG_FORMATS else args.cases)
        ]
        start = time.perf_counter()
        outcomes: list[Outcome] = []
        out = _outcomes_writer(args.out)
        if args.processes > 1:
            with ProcessPoolExecutor(
                args.processes, initializer=_init, initargs=(bases, work, args.seconds)
            ) as ex:
                for o in ex.map(_run, todo, chunksize=4):
                    _record(o, outcomes, out, len(todo))
        else:
            _init(bases, work, args.seconds)
            for c in todo:
                _record(_run(c), outcomes, out, len(todo))
        elapsed = time.perf_counter() - start
    print(f"## Mutation fuzz of the readers: {len(outcomes)} cases in {elapsed:.0f} s\n")
    print(table(outcomes))
    print("\n## Distinct failing causes (one example each)")
    print(causes(outcomes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

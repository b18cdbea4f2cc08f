"""Write a synthetic Apple Health export of about a given size, for the reader benchmark.

The record mix is a full-time Apple Watch wearer's (about 1,900 records a day: heart rate,
active and basal energy, distance, stand time, audio exposure, gait, respiratory rate,
oxygen, heart-rate variability with beat-to-beat children, plus the steps from Watch and
iPhone, stand hours, exercise minutes, water, sleep stages, symptoms, workouts and
activity summaries the reader uses), rendered by
:func:`backcare_analysis.synthetic.writers.apple_health.iter_export` from a simulated
person, streamed to disk, zipped as the Health app does when asked. Nothing is held in memory.

Usage::

    python benchmarks/make_apple_health_export.py 1024 --out benchmarks/out/export.xml
    python benchmarks/make_apple_health_export.py 1024 --zip --out benchmarks/out/export.zip

Write under ``benchmarks/out/`` (git-ignored) or ``/tmp``; never commit the output.
"""

from __future__ import annotations

import argparse
import sys
import time
import zipfile
from pathlib import Path

from backcare_analysis.synthetic.person import Person, simulate_person
from backcare_analysis.synthetic.writers.apple_health import iter_export


def bytes_per_day(noise: float) -> float:
    """Size of one logged day of records, measured on a two-week pilot."""
    log = simulate_person(Person(days=14), seed=1)
    size = sum(len(piece.encode()) for piece in iter_export(log, noise=noise, dtd="none"))
    return size / len(log.daily)


def write(size_mb: float, out: Path, *, zipped: bool, noise: float, dtd: str) -> Path:
    """Write an export of about ``size_mb`` MiB of XML (before zipping) to ``out``."""
    per_day = bytes_per_day(noise)
    days = max(14, round(size_mb * 2**20 / per_day))
    # Days without a diary entry get no records: stretch the span to make up for them.
    logged = len(simulate_person(Person(days=days)).daily)
    log = simulate_person(Person(days=max(14, round(days * days / max(logged, 1)))))
    pieces = iter_export(log, noise=noise, dtd=dtd)  # type: ignore[arg-type]
    out.parent.mkdir(parents=True, exist_ok=True)
    if not zipped:
        with out.open("wb") as fh:
            for piece in pieces:
                fh.write(piece.encode())
        return out
    info = zipfile.ZipInfo("apple_health_export/export.xml", date_time=(2025, 1, 6, 8, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with (
        zipfile.ZipFile(out, "w", compresslevel=6) as zf,
        zf.open(info, "w", force_zip64=True) as fh,
    ):
        for piece in pieces:
            fh.write(piece.encode())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size_mb", type=float, help="size of export.xml in MiB")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/export.xml"))
    parser.add_argument("--zip", action="store_true", help="write export.zip instead")
    parser.add_argument("--noise", type=float, default=1.0, help="share of other records")
    parser.add_argument("--dtd", choices=["ios16", "valid", "none"], default="ios16")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = write(args.size_mb, args.out, zipped=args.zip, noise=args.noise, dtd=args.dtd)
    size = path.stat().st_size / 2**20
    print(f"{path}: {size:.1f} MiB in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed and peak memory of the Apple Health reader against named baselines.

Each reader runs in a fresh child process (``--run``), started by its own measuring process
(``--measure``), which reads the child's peak resident memory from
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``: no tracemalloc, nothing shared between
runs. Wall time is taken inside the child around the read itself (interpreter start and
imports excluded; the imports' memory is included in the peak, and shown as a baseline).

Readers: ``fast`` (the byte scan, the default), ``full`` (the expat fallback, forced),
and, where importable, ``apple-health-parser`` (PyPI) and ``pandas.read_xml``. Baselines:
``imports`` (memory of Python with the package imported), ``read`` (reading the bytes, or
inflating the zip member: the disk and zlib floor) and ``expat`` (expat tokenizing the XML
with no handlers: the floor of any XML parser).

Usage::

    python benchmarks/make_apple_health_export.py 1024 --out benchmarks/out/export.xml
    python benchmarks/make_apple_health_export.py 1024 --zip --out benchmarks/out/export.zip
    python benchmarks/apple_health.py benchmarks/out/export.xml benchmarks/out/export.zip
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

OPTIONAL = ("apple-health-parser", "read_xml")
METHODS = ("imports", "read", "expat", "fast", "full", *OPTIONAL)


def available(method: str, path: Path) -> str | None:
    """None when the method can run on ``path``, else why not."""
    if method == "apple-health-parser" and importlib.util.find_spec("apple_health_parser") is None:
        return "not installed (pip install apple-health-parser)"
    if method == "apple-health-parser" and path.suffix != ".zip":
        return "reads only export.zip (which it extracts to disk)"
    if method == "read_xml" and path.suffix == ".zip":
        return "reads only the bare XML"
    return None


def run(method: str, path: Path) -> dict[str, object]:
    """Run one reader in this process and return what it did."""
    from backcare_analysis.readers import apple_health
    from backcare_analysis.readers.apple_health import find_member, raw_blocks

    member = find_member(path) if path.suffix == ".zip" else None
    start, cpu = time.perf_counter(), time.process_time()
    result: dict[str, object] = {}
    if method == "read":
        result["bytes"] = sum(len(b) for b in raw_blocks(path, member))
    elif method == "expat":
        from xml.parsers import expat

        parser = expat.ParserCreate()
        for i, block in enumerate(raw_blocks(path, member)):
            if i == 0:  # the broken iOS 16 DTD stops expat: skip it as the reader does
                cut = block.find(b"<HealthData")
                data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + block[cut:]
                parser.Parse(data, False)
            else:
                parser.Parse(block, False)
        parser.Parse(b"", True)
    elif method in ("fast", "full"):
        log = apple_health.read(path, xml_parser=method)  # type: ignore[arg-type]
        prov = log.provenance.iloc[0]
        result.update(
            days=len(log.daily), rows=int(prov["rows_read"]), note=str(prov["note"])[:120]
        )
    elif method == "apple-health-parser":
        import tempfile

        from apple_health_parser.utils.parser import Parser  # type: ignore[import-not-found]

        with tempfile.TemporaryDirectory() as out:
            parsed = Parser(export_file=str(path), output_dir=out, overwrite=True)
            result["records"] = sum(len(v) for v in parsed.records.values())
    elif method == "read_xml":
        import pandas as pd

        frame = pd.read_xml(
            path,
            parser="etree",
            iterparse={"Record": ["type", "sourceName", "unit", "startDate", "endDate", "value"]},
        )
        result["records"] = len(frame)
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = time.process_time() - cpu
    return result


def measure(method: str, path: Path, timeout: float) -> dict[str, object]:
    """Run one reader in a child process; add the child's peak memory."""
    command = [sys.executable, __file__, "--run", method, str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last[:160], "peak_mb": peak}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    result["peak_mb"] = peak
    return result


def fresh(method: str, path: Path, timeout: float) -> dict[str, object]:
    """:func:`measure` from a new process, so RUSAGE_CHILDREN holds this run only."""
    command = [sys.executable, __file__, "--measure", method, str(path), "--timeout", str(timeout)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1][:160]}
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def report(path: Path, methods: list[str], timeout: float) -> None:
    size_mb = _xml_size(path) / 2**20
    print(f"\n{path} ({size_mb:.0f} MiB of XML), load average {os.getloadavg()[0]:.1f}")
    results: dict[str, dict[str, object]] = {}
    for method in methods:
        why = available(method, path)
        results[method] = {"error": why} if why else fresh(method, path, timeout)
    base = {k: float(v["seconds"]) for k, v in results.items() if "seconds" in v}
    head = f"{'reader':<22}{'seconds':>9}{'cpu s':>7}{'MB/s':>7}{'peak MB':>9}"
    print(f"{head}  x read  x expat  note")
    for method, r in results.items():
        if "seconds" not in r:
            print(f"{method:<22}{'-':>9}{'-':>7}{'-':>7}{r.get('peak_mb', 0):>9.0f}  {r['error']}")
            continue
        seconds = float(r["seconds"])  # type: ignore[arg-type]
        cpu = float(r.get("cpu_seconds", 0.0))  # type: ignore[arg-type]
        ratios = "".join(
            f"{seconds / base[b]:>7.1f} " if b in base and method != b else f"{'':>7} "
            for b in ("read", "expat")
        )
        note = str(r.get("note", r.get("records", "")))[:60]
        speed = size_mb / seconds if method != "imports" else 0
        peak = float(r["peak_mb"])  # type: ignore[arg-type]
        print(f"{method:<22}{seconds:>9.2f}{cpu:>7.1f}{speed:>7.0f}{peak:>9.0f}  {ratios} {note}")


def _xml_size(path: Path) -> int:
    if path.suffix == ".zip":
        from backcare_analysis.readers.apple_health import find_member

        return find_member(path).file_size
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        result = run(args.run, args.paths[0]) if args.run != "imports" else {"seconds": 0.0}
        if args.run == "imports":
            import backcare_analysis.readers.apple_health  # noqa: F401
        print(json.dumps(result))
        return 0
    if args.measure:
        print(json.dumps(measure(args.measure, args.paths[0], args.timeout)))
        return 0
    for path in args.paths:
        report(path, args.methods.split(","), args.timeout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

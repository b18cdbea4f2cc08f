"""Render a simulated log as an Apple Health export (``export.zip`` / ``export.xml``).

For tests, the sample data and benchmarks only; never used on real data. The file looks
like a real export of an Apple Watch wearer: the internal DTD of iOS 16 (broken, as the
real one is), records grouped by type in Apple's attribute order, dates with the local UTC
offset (daylight saving included), and the traps a reader must survive: steps from an
iPhone *and* a Watch over the same minutes, water in mixed units, sleep across midnight
from two sources, a food ``<Correlation>`` repeating a top-level water record,
``<WorkoutStatistics type="...StepCount">``, multi-line records with children, noise types.

What a correct reader must get back from it, per logged day of the simulated log:
``stand_hours_count``, ``exercise_min``, ``steps_count`` (the Watch's, the larger),
``water_ml``, ``sleep_h`` (the night ending that morning) and, between the first and the
last workout of each kind, ``stretching_min`` and ``heavy_lifting``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ...schema import Log
from .apple_health_dtd import DtdStyle, _dtd
from .apple_health_records import Day, LineMaker, _Clock, _correlation, _makers, _summary, _workouts


def iter_export(
    log: Log,
    *,
    tz: str = "Europe/Berlin",
    noise: float = 0.02,
    seed: int = 0,
    dtd: DtdStyle = "ios16",
) -> Iterator[str]:
    """Yield the text of ``export.xml`` for ``log``, piece by piece (streamable).

    Parameters
    ----------
    log
        A log such as :func:`~backcare_analysis.synthetic.person.simulate_person` returns; each of
        its daily rows becomes that day's records.
    tz
        IANA time zone of the wall-clock times (daylight saving changes the offsets).
    noise
        Share of a Watch wearer's other records (heart rate, energy, ...) to add; 1.0 is a
        full day (about 1,900 records), which is what benchmarks use.
    seed
        Random seed: the same arguments give the same bytes.
    dtd
        ``"ios16"`` (broken, as in real iOS 16 exports), ``"valid"`` or ``"none"``.
    """
    clock = _Clock(tz)
    records = cast(list[dict[str, Any]], log.daily.to_dict("records"))
    days: list[Day] = [(pd.Timestamp(r["date"]), r) for r in records]
    first = days[0][0].to_pydatetime() if days else datetime(2025, 1, 1)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n' + _dtd(dtd)
    yield (
        '<HealthData locale="en_US">\n'
        f' <ExportDate value="{clock.local(first)}"/>\n'
        ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-04-02" '
        'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" '
        'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" '
        'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" '
        'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n'
    )
    # Records come grouped by type, as in real exports; one random stream per type keeps
    # each type's values independent of the others (and of ``noise``).
    groups: list[tuple[int, LineMaker]] = list(enumerate(_makers(noise)))
    groups += [(100, _correlation), (101, _workouts)]
    for index, maker in groups:
        rng = np.random.default_rng([seed, index])
        buffer: list[str] = []
        for day in days:
            buffer.extend(maker(day, rng, clock))
            if len(buffer) > 4096:
                yield "".join(buffer)
                buffer.clear()
        yield "".join(buffer)
    yield "".join(_summary(day) for day in days)
    yield "</HealthData>\n"


def write_apple_health(
    log: Log,
    path: Path,
    *,
    zipped: bool = True,
    tz: str = "Europe/Berlin",
    noise: float = 0.02,
    seed: int = 0,
    dtd: DtdStyle = "ios16",
    member: str = "apple_health_export/export.xml",
) -> Path:
    """Write ``log`` as an Apple Health export.

    Parameters
    ----------
    log
        A simulated log (:func:`~backcare_analysis.synthetic.person.simulate_person`).
    path
        The file to write: the zip when ``zipped``, else the XML itself.
    zipped
        Write ``export.zip`` holding ``member`` (as the Health app does), or bare XML.
    tz, noise, seed, dtd
        See :func:`iter_export`.
    member
        Name of the XML inside the zip (real ones are localised, e.g. ``导出.xml``).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    pieces = iter_export(log, tz=tz, noise=noise, seed=seed, dtd=dtd)
    if not zipped:
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(pieces)
        return path
    info = zipfile.ZipInfo(member, date_time=(2025, 1, 6, 8, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as zf:
        cda = zipfile.ZipInfo("apple_health_export/export_cda.xml", (2025, 1, 6, 8, 0, 0))
        zf.writestr(cda, '<?xml version="1.0"?>\n<ClinicalDocument/>\n', zipfile.ZIP_DEFLATED)
        with zf.open(info, "w", force_zip64=True) as out:
            for piece in pieces:
                out.write(piece.encode("utf-8"))
    return path

"""Apple Health: the full XML parse (expat), the fast scan's fallback and the reference it
is tested against. Entities are refused, never expanded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final
from xml.parsers import expat

from ..schema import LogFormatError
from .apple_health_days import Collector
from .apple_health_stream import RECORD_KINDS, Element

#: C0 controls other than tab, LF and CR are not XML but occur in real exports (``\x0b``);
#: both parsers read them as spaces.
_CONTROL: Final = bytes([*range(9), 11, 12, *range(14, 32)])
CONTROL_TO_SPACE: Final = bytes.maketrans(_CONTROL, b" " * len(_CONTROL))
_FULL_TYPE_KIND: Final = {
    f"HK{group}TypeIdentifier{kind.decode()}": kind
    for kind in RECORD_KINDS
    for group in ("Quantity", "Category")
}


def parse_full(blocks: Iterator[bytes], collector: Collector, where: str) -> dict[str, int]:
    """Parse the whole XML with expat, handing the elements used to ``collector``.

    The fallback of the fast scan and the reference it is tested against. ``blocks`` come
    through :func:`prolog`; a DTD or entity declaration met later is refused, and an
    entity reference in the body is an error, never an expansion.

    Returns
    -------
    dict
        ``records`` (``<Record>`` elements) and ``inner`` (used record types inside a
        ``<Correlation>``, skipped: they repeat top-level records).
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"records": 0, "inner": 0, "depth": 0, "root": 0}
    lines: list[int] = []
    elements: list[Element] = []

    def refuse(*_: object) -> None:
        raise LogFormatError(f"{where}: the file declares XML entities or a DTD; refused")

    def start(name: str, attrs: dict[str, str]) -> None:
        get = attrs.get
        if name == "Record":
            state["records"] += 1
            kind = _FULL_TYPE_KIND.get(get("type", ""))
            if kind is None:
                return
            if state["depth"]:
                state["inner"] += 1
                return
            values = (
                get("sourceName", ""),
                get("unit", ""),
                get("startDate", ""),
                get("endDate", ""),
                get("value", ""),
            )
        elif name == "Correlation":
            state["depth"] += 1
            return
        elif state["depth"]:
            return
        elif name == "Workout":
            kind = get("workoutActivityType", "").removeprefix("HKWorkoutActivityType").encode()
            values = (
                get("sourceName", ""),
                get("durationUnit", ""),
                get("startDate", ""),
                get("endDate", ""),
                get("duration", ""),
            )
        elif name == "ActivitySummary":
            kind = b"ActivitySummary"
            values = (
                "",
                get("appleStandHours", ""),
                get("dateComponents", ""),
                "",
                get("appleExerciseTime", ""),
            )
        else:
            if not state["root"]:
                state["root"] = 1
                if name != "HealthData":
                    raise LogFormatError(
                        f"{where}: the XML's root element is <{name}>, not <HealthData>: this "
                        "is not the export.xml of the Health app"
                    )
            return
        lines.append(parser.CurrentLineNumber)
        a, b, c, d, e = (v.encode("utf-8") for v in values)
        elements.append((kind, a, b, c, d, e))

    def end(name: str) -> None:
        if name == "Correlation":
            state["depth"] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartDoctypeDeclHandler = refuse
    size = 0
    try:
        for block in blocks:
            size += len(block)
            parser.Parse(block.translate(CONTROL_TO_SPACE), False)
            collector.add(lines, elements)
            lines.clear()
            elements.clear()
        parser.Parse(b"", True)
        collector.add(lines, elements)
    except expat.ExpatError as exc:
        raise _xml_error(where, parser, exc, size) from None
    return state


def _xml_error(
    where: str, parser: expat.XMLParserType, exc: expat.ExpatError, size: int
) -> LogFormatError:
    line, column, offset = parser.ErrorLineNumber, parser.ErrorColumnNumber, parser.ErrorByteIndex
    codes = expat.errors.codes
    what = expat.errors.messages.get(exc.code, str(exc))
    cut = (
        codes[expat.errors.XML_ERROR_NO_ELEMENTS],
        codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
        codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
    )
    if exc.code in cut or offset < 0 or offset >= size - 1:
        return LogFormatError(
            f"{where}: the export ends in the middle (line {line}, byte {size}): it is "
            f"incomplete ({what}). Export again from the Health app and copy or unzip the "
            "whole file"
        )
    if exc.code == codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]:
        return LogFormatError(
            f"{where}: line {line}, column {column} (byte {offset}) refers to an undefined "
            "XML entity; Apple Health exports never do, so the file was refused"
        )
    return LogFormatError(
        f"{where}: the XML is broken at line {line}, column {column} (byte {offset}): "
        f"{what}. Export again from the Health app"
    )

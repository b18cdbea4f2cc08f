"""Seeded mutations of structured exports: Fitbit JSON, Apple Health XML and its zip."""

from __future__ import annotations

import io
import json
import random
import re
import struct
import zipfile
from typing import Any, Final

from .mutators import (
    GENERIC,
    JSON_DEPTH,
    ODD_NUMBERS,
    XML_DEPTH,
    XML_HUGE_TAG_BYTES,
    Mutation,
    odd_day,
)

# --- JSON (Fitbit: a list of objects) -----------------------------------------------------


def _load(data: bytes) -> list[dict[str, Any]]:
    value = json.loads(data.decode("utf-8"))
    assert isinstance(value, list)
    return value


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _pick(entries: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    return entries[rng.randrange(len(entries))]


def json_deep_nesting(data: bytes, rng: random.Random) -> bytes:
    entries = _load(data)
    _pick(entries, rng)["value"] = "@@DEEP@@"
    deep = "[" * JSON_DEPTH + "]" * JSON_DEPTH
    return _dump(entries).replace(b'"@@DEEP@@"', deep.encode(), 1)


def json_deep_top(data: bytes, rng: random.Random) -> bytes:
    return b"[" * JSON_DEPTH + b"]" * JSON_DEPTH


def json_huge_int(data: bytes, rng: random.Random) -> bytes:
    entries = _load(data)
    entry = _pick(entries, rng)
    key = rng.choice([k for k, v in entry.items() if not isinstance(v, dict)] or ["value"])
    entry[key] = "@@HUGE@@"
    return _dump(entries).replace(b'"@@HUGE@@"', b"9" * rng.choice((400, 5000)), 1)


def json_odd_number(data: bytes, rng: random.Random) -> bytes:
    entries = _load(data)
    entry = _pick(entries, rng)
    numeric = [k for k, v in entry.items() if isinstance(v, int | float) or str(v).isdigit()]
    key = rng.choice(numeric or ["value"])
    odd = rng.choice(("Infinity", "-Infinity", "NaN", "1e309", "-5", '"1,5"', '"inf"', "-0.0"))
    entry[key] = "@@ODD@@"
    return _dump(entries).replace(b'"@@ODD@@"', odd.encode(), 1)


def json_odd_date(data: bytes, rng: random.Random) -> bytes:
    return odd_day(data.decode("utf-8"), rng).encode()


def json_drop_key(data: bytes, rng: random.Random) -> bytes:
    entries = _load(data)
    entry = _pick(entries, rng)
    entry.pop(rng.choice(sorted(entry)), None)
    return _dump(entries)


def json_wrong_type(data: bytes, rng: random.Random) -> bytes:
    entries = _load(data)
    entry = _pick(entries, rng)
    key = rng.choice(sorted(entry))
    entry[key] = rng.choice(([1, 2], {"a": 1}, None, True, "text", ""))
    return _dump(entries)


def json_top_object(data: bytes, rng: random.Random) -> bytes:
    return rng.choice((b'{"data": ' + data + b"}", b"null", b"42", b'"text"', b"[1, 2, 3]"))


def json_empty_list(data: bytes, rng: random.Random) -> bytes:
    return rng.choice((b"[]", b"[{}]", b"[null]"))


def json_duplicate_entries(data: bytes, rng: random.Random) -> bytes:
    entries = _load(data)
    entry = _pick(entries, rng)
    return _dump([*entries, entry, entry])


def json_huge_string(data: bytes, rng: random.Random) -> bytes:
    entries = _load(data)
    _pick(entries, rng)["value"] = "x" * 200_000
    return _dump(entries)


JSON: Final[dict[str, Mutation]] = {
    **GENERIC,
    **{
        f.__name__: f
        for f in (
            json_deep_nesting,
            json_deep_top,
            json_huge_int,
            json_odd_number,
            json_odd_date,
            json_drop_key,
            json_wrong_type,
            json_top_object,
            json_empty_list,
            json_duplicate_entries,
            json_huge_string,
        )
    },
}

# --- XML (Apple Health export.xml) ---------------------------------------------------------

_RECORD = re.compile(rb"<Record [^>]*>")


def _records(data: bytes) -> list[re.Match[bytes]]:
    return list(_RECORD.finditer(data))


def _replace_record(data: bytes, rng: random.Random, new: bytes | None = None) -> bytes:
    records = _records(data)
    if not records:
        return data
    m = rng.choice(records)
    return data[: m.start()] + (new if new is not None else b"") + data[m.end() :]


def _edit_record(data: bytes, rng: random.Random, pattern: bytes, repl: bytes) -> bytes:
    records = [m for m in _records(data) if re.search(pattern, m.group())]
    if not records:
        return data
    m = rng.choice(records)
    edited = re.sub(pattern, repl.replace(b"\\", b"\\\\"), m.group(), count=1)
    return data[: m.start()] + edited + data[m.end() :]


def xml_undefined_entity(data: bytes, rng: random.Random) -> bytes:
    return _edit_record(data, rng, rb'sourceName="[^"]*"', b'sourceName="&undefined;"')


def xml_deep_nesting(data: bytes, rng: random.Random) -> bytes:
    deep = b"<a>" * XML_DEPTH + b"</a>" * XML_DEPTH
    return data.replace(b"</HealthData>", deep + b"\n</HealthData>", 1)


def xml_huge_tag(data: bytes, rng: random.Random) -> bytes:
    blob = b'<Record type="HKQuantityTypeIdentifierStepCount" sourceName="' + (
        b"x" * XML_HUGE_TAG_BYTES
    )
    return data.replace(b"</HealthData>", blob + b'" value="1"/>\n</HealthData>', 1)


def xml_entity_expansion(data: bytes, rng: random.Random) -> bytes:
    """A 'billion laughs' style internal entity in a DOCTYPE of its own."""
    lol = b'<!ENTITY l0 "lol">' + b"".join(
        b'<!ENTITY l%d "%s">' % (i, (b"&l%d;" % (i - 1)) * 10) for i in range(1, 10)
    )
    body = data.split(b"<HealthData", 1)[-1]
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [' + lol + b"]>\n"
    return head + _edit_record(
        b"<HealthData" + body, rng, rb'sourceName="[^"]*"', b'sourceName="&l9;"'
    )


def xml_odd_value(data: bytes, rng: random.Random) -> bytes:
    odd = rng.choice(ODD_NUMBERS).encode()
    return _edit_record(data, rng, rb'value="[-0-9.]+"', b'value="' + odd + b'"')


def xml_odd_date(data: bytes, rng: random.Random) -> bytes:
    attr = rng.choice((b"startDate", b"endDate", b"creationDate"))
    day = odd_day("2000-01-01", rng).encode()
    return _edit_record(data, rng, attr + rb'="\d{4}-\d{2}-\d{2}', attr + b'="' + day)


def xml_drop_attribute(data: bytes, rng: random.Random) -> bytes:
    attr = rng.choice((b"type", b"value", b"startDate", b"endDate", b"unit"))
    return _edit_record(data, rng, b" " + attr + rb'="[^"]*"', b"")


def xml_duplicate_record(data: bytes, rng: random.Random) -> bytes:
    records = _records(data)
    if not records:
        return data
    m = rng.choice(records)
    return data[: m.end()] + b"\n " + m.group() + data[m.end() :]


def xml_drop_record(data: bytes, rng: random.Random) -> bytes:
    return _replace_record(data, rng)


def xml_unclosed_tag(data: bytes, rng: random.Random) -> bytes:
    return _edit_record(data, rng, rb"/>$", b">")


def xml_no_root_close(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"</HealthData>", b"", 1)


def xml_control_char(data: bytes, rng: random.Random) -> bytes:
    return _edit_record(data, rng, rb'sourceName="', b'sourceName="\x0b\x01')


XML: Final[dict[str, Mutation]] = {
    **GENERIC,
    **{
        f.__name__: f
        for f in (
            xml_undefined_entity,
            xml_deep_nesting,
            xml_huge_tag,
            xml_entity_expansion,
            xml_odd_value,
            xml_odd_date,
            xml_drop_attribute,
            xml_duplicate_record,
            xml_drop_record,
            xml_unclosed_tag,
            xml_no_root_close,
            xml_control_char,
        )
    },
}

# --- zip containers (Apple Health export.zip) ----------------------------------------------


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def _zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, payload in members:
            zf.writestr(name, payload)
    return out.getvalue()


def _patch_headers(data: bytes, offset: int, fmt: str, edit: Any) -> bytes:
    """Apply ``edit`` to a field at ``offset`` of every local and central directory header."""
    out = bytearray(data)
    for sig, base in ((b"PK\x03\x04", 0), (b"PK\x01\x02", 2)):
        for m in re.finditer(re.escape(sig), data):
            at = m.start() + offset + base
            if at + struct.calcsize(fmt) > len(out):
                continue
            (value,) = struct.unpack_from(fmt, out, at)
            struct.pack_into(fmt, out, at, edit(value))
    return bytes(out)


def zip_deflate64(data: bytes, rng: random.Random) -> bytes:
    return _patch_headers(data, 8, "<H", lambda _: 9)  # method 9: Deflate64


def zip_encrypted(data: bytes, rng: random.Random) -> bytes:
    return _patch_headers(data, 6, "<H", lambda flags: flags | 1)


def zip_bzip2(data: bytes, rng: random.Random) -> bytes:
    return _patch_headers(data, 8, "<H", lambda _: rng.choice((12, 14, 93, 99)))


def zip_nested(data: bytes, rng: random.Random) -> bytes:
    return _zip([("export.zip", data)])


def zip_empty(data: bytes, rng: random.Random) -> bytes:
    return _zip([])


def zip_wrong_member(data: bytes, rng: random.Random) -> bytes:
    return _zip(
        [(f"apple_health_export/notes{i}.txt", p) for i, (_, p) in enumerate(_members(data))]
    )


def zip_two_exports(data: bytes, rng: random.Random) -> bytes:
    members = _members(data)
    xml = [p for n, p in members if n.endswith("export.xml")]
    return _zip([*members, ("other/export.xml", xml[0] if xml else b"")])


def zip_stored(data: bytes, rng: random.Random) -> bytes:
    return _zip(_members(data), zipfile.ZIP_STORED)


def zip_truncate_member(data: bytes, rng: random.Random) -> bytes:
    """Cut inside the compressed member: the central directory is lost too."""
    return data[: rng.randrange(30, max(31, len(data) // 2))]


def zip_crc(data: bytes, rng: random.Random) -> bytes:
    return _patch_headers(data, 14, "<I", lambda crc: crc ^ 0xFFFF)


def zip_size_lie(data: bytes, rng: random.Random) -> bytes:
    return _patch_headers(data, 22, "<I", lambda size: (size * 1000 + 1) & 0xFFFFFFFF)


def _inner(xml_mutation: Mutation) -> Mutation:
    def mutation(data: bytes, rng: random.Random) -> bytes:
        members = _members(data)
        return _zip(
            [(n, xml_mutation(p, rng) if n.endswith("export.xml") else p) for n, p in members]
        )

    return mutation


ZIP: Final[dict[str, Mutation]] = {
    "truncate": GENERIC["truncate"],
    "byte_flip": GENERIC["byte_flip"],
    **{
        f.__name__: f
        for f in (
            zip_deflate64,
            zip_encrypted,
            zip_bzip2,
            zip_nested,
            zip_empty,
            zip_wrong_member,
            zip_two_exports,
            zip_stored,
            zip_truncate_member,
            zip_crc,
            zip_size_lie,
        )
    },
    **{f"inner_{name}": _inner(f) for name, f in XML.items()},
}

"""Reading Teams input files: every JSON object of a file (JSON Lines, an array, one object
or Graph's paged envelope, with nested ``replies``) with where it is, and the checks that
name that place in an error (see :mod:`groundswell.ingest.teams`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from groundswell.errors import InputError
from groundswell.ingest import damage

SUFFIXES = (".json", ".jsonl", ".ndjson")

Loc = tuple[Path, int | None, str]  # file, JSON Lines line (or None), JSON path in the file


def _files(path: Path) -> list[Path]:
    if not path.exists():
        raise InputError(path, "file or folder not found")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise InputError(
            path, "no JSON files in the folder", expected="files ending .json, .jsonl or .ndjson"
        )
    return files


def _records(f: Path) -> Iterator[tuple[dict[str, Any], Loc, str]]:
    """Every JSON object of one file with where it is, and the id of the message whose
    ``replies`` it was listed in ('' for a top-level record)."""
    data = f.read_bytes().removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        return
    damage.refuse_nul(f, data)
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if exc.pos >= len(data.rstrip()):  # the parser ran out of input
            raise InputError(
                f,
                f"the JSON ends before the document is complete ({exc.msg}): the file is "
                "cut short (truncated?)",
                line=exc.lineno,
                expected="a complete JSON document",
            ) from None
        if data.lstrip()[:1] != b"{":
            raise InputError(
                f,
                f"malformed JSON: {exc.msg}",
                line=exc.lineno,
                expected='a JSON array, a Graph page {"value": [...]} or JSON Lines',
            ) from None
        yield from _json_lines(f, data)
        return
    yield from _expand(f, whole, None, "")


def _json_lines(f: Path, data: bytes) -> Iterator[tuple[dict[str, Any], Loc, str]]:
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(
                f,
                f"malformed JSON: {exc.msg}",
                line=n,
                expected="one complete JSON object on every line (JSON Lines)",
            ) from None
        yield from _expand(f, obj, n, "")


def _expand(
    f: Path, obj: Any, line: int | None, prefix: str
) -> Iterator[tuple[dict[str, Any], Loc, str]]:
    """Records of a parsed value: an envelope's ``value``, an array's items, or an object."""
    if isinstance(obj, dict) and isinstance(obj.get("value"), list) and "id" not in obj:
        items: list[tuple[Any, str]] = [
            (r, f"{prefix}.value[{i}]") for i, r in enumerate(obj["value"])
        ]
    elif isinstance(obj, list):
        items = []
        for i, r in enumerate(obj):
            if isinstance(r, dict) and isinstance(r.get("value"), list) and "id" not in r:
                items += [(x, f"{prefix}[{i}].value[{j}]") for j, x in enumerate(r["value"])]
            else:
                items.append((r, f"{prefix}[{i}]"))
    else:
        items = [(obj, prefix)]
    for rec, jpath in items:
        if not isinstance(rec, dict):
            raise _error(
                (f, line, jpath),
                "",
                "not a JSON object",
                "a chatMessage object",
                type(rec).__name__,
            )
        yield rec, (f, line, jpath), ""
        replies = rec.get("replies")
        if isinstance(replies, list) and replies:
            parent = _text(rec.get("id"), (f, line, jpath), "id")
            for j, r in enumerate(replies):
                loc = (f, line, f"{jpath}.replies[{j}]")
                if not isinstance(r, dict):
                    raise _error(loc, "", "not a JSON object", "a chatMessage object", r)
                yield r, loc, parent


def _error(loc: Loc, field: str, problem: str, expected: str, found: object = None) -> InputError:
    """An InputError naming the file and the record: its line in JSON Lines (with the JSON
    path inside the line), else its JSON path such as ``page.json.value[3].createdDateTime``."""
    f, line, jpath = loc
    where = f"{jpath}.{field}" if field else jpath
    where = where.lstrip(".")
    if line is not None:
        problem = f"{where}: {problem}" if where else problem
        return InputError(f, problem, line=line, expected=expected, found=found)
    sep = "" if where.startswith("[") or not where else "."
    return InputError(f"{f}{sep}{where}", problem, expected=expected, found=found)


def _text(value: Any, loc: Loc, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _error(loc, field, "not a string", "a string", value)


def _obj(value: Any, loc: Loc, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise _error(loc, field, "not an object", "a JSON object or null", value)


def _list(value: Any, loc: Loc, field: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise _error(loc, field, "not an array", "a JSON array or null", value)

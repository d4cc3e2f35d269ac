"""Reading and writing `*.funnel.json` files (FUNNEL_SEMANTICS §11).

Reading is strict: a key or value the app does not understand is refused with a message
naming it and where it is, so that a typo never silently changes a count. Writing puts
only non-default keys in the file and replaces the old file atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from funnel_gui.core.atomic import atomic_path
from funnel_gui.core.definition.checks import FunnelFileError, kind_of, shown
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.definition.reader import DefinitionReader
from funnel_gui.core.definition.writer import definition_body, format_instant

__all__ = [
    "CURRENT_VERSION",
    "FORMAT",
    "MIGRATIONS",
    "FunnelFileError",
    "LoadedFunnel",
    "definition_from_dict",
    "definition_to_dict",
    "format_instant",
    "load_funnel",
    "save_funnel",
]

FORMAT = "funnel-gui.funnel"
CURRENT_VERSION = 2
# Keys version 2 added (§11): a file using none of them is written as version 1, so
# older copies of the app still open it.
VERSION_2_TOP_KEYS = ("optional", "open", "count", "hold", "filters", "sessions", "drivers")
Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _from_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 only added keys, so a version-1 file reads as it is; but a key of
    version 2 in a file that says version 1 is refused, as any unknown key would be."""
    for key in VERSION_2_TOP_KEYS:
        if key in data:
            raise FunnelFileError(
                f'"{key}" needs version 2 of the funnel file format; this file says version 1',
                key,
            )
    steps = data.get("steps")
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        if isinstance(step, Mapping) and "optional" in step:
            raise FunnelFileError(
                '"optional" needs version 2 of the funnel file format; this file says version 1',
                f"steps[{i}].optional",
            )
    breakdown = data.get("breakdown")
    if isinstance(breakdown, Mapping) and "properties" in breakdown:
        raise FunnelFileError(
            '"properties" needs version 2 of the funnel file format; this file says version 1',
            "breakdown.properties",
        )
    return data


# Version v -> a function turning a version-v dict into a version v+1 dict. The loader
# chains them and sets "version" itself, so a migration only reshapes the content.
MIGRATIONS: dict[int, Migration] = {1: _from_version_1}
# Anything this big was picked by mistake (an event export, not a funnel).
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass
class LoadedFunnel:
    definition: FunnelDefinition
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading


def definition_from_dict(data: Mapping[str, Any]) -> LoadedFunnel:
    """The definition in a parsed funnel file, migrated from older versions."""
    if not isinstance(data, Mapping):
        raise FunnelFileError(f"a funnel file is a JSON object, not {kind_of(data)}")
    migrated = _migrate(dict(data), _check_header(data))
    reader = DefinitionReader()
    return LoadedFunnel(reader.definition(migrated), reader.warnings)


def _check_header(data: Mapping[str, Any]) -> int:
    """The file's version, after checking it is a funnel file this app can read."""
    if "format" not in data:
        raise FunnelFileError(f'not a funnel file: the key "format": "{FORMAT}" is missing')
    if data["format"] != FORMAT:
        raise FunnelFileError(
            f'{shown(data["format"])} is not a Funnel Explorer funnel file; expected "{FORMAT}"',
            "format",
        )
    if "version" not in data:
        raise FunnelFileError('the key "version" is missing (a whole number, like 1)')
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise FunnelFileError(f"expected a whole number, found {kind_of(version)}", "version")
    if version > CURRENT_VERSION:
        raise FunnelFileError(
            f"this file was made by a newer Funnel Explorer (file version {version}; this "
            f"one reads versions up to {CURRENT_VERSION}). Update Funnel Explorer to open it.",
            "version",
        )
    return version


def _migrate(data: dict[str, Any], version: int) -> dict[str, Any]:
    while version < CURRENT_VERSION:
        migration = MIGRATIONS.get(version)
        if migration is None:
            known = ", ".join(str(v) for v in [*sorted(MIGRATIONS), CURRENT_VERSION])
            raise FunnelFileError(
                f"{version} is not a version of the funnel file format (known: {known})",
                "version",
            )
        data = dict(migration(data))
        version += 1
        data["version"] = version
    return data


# ---------------------------------------------------------------- writing


def definition_to_dict(defn: FunnelDefinition) -> dict[str, Any]:
    """The file's content for `defn`: `format`, `version` and only non-default keys;
    version 1 when nothing of version 2 is used."""
    body = definition_body(defn)
    version = CURRENT_VERSION if uses_version_2(body) else 1
    return {"format": FORMAT, "version": version, **body}


def uses_version_2(body: Mapping[str, Any]) -> bool:
    """Whether a file body needs version 2 (§11): a new top-level key, an optional step
    or several breakdown properties."""
    if any(key in body for key in VERSION_2_TOP_KEYS):
        return True
    if any("optional" in step for step in body.get("steps", [])):
        return True
    return "properties" in body.get("breakdown", {})


# ------------------------------------------------------------------- files


def load_funnel(path: str | os.PathLike[str]) -> LoadedFunnel:
    """Read a `*.funnel.json` file; every problem is a FunnelFileError naming the file."""
    path = Path(path)
    data = _read_json(path)
    try:
        return definition_from_dict(data)
    except FunnelFileError as exc:
        raise FunnelFileError(exc.problem, exc.location, file=path.name) from None


def save_funnel(defn: FunnelDefinition, path: str | os.PathLike[str]) -> None:
    """Write `defn` to `path` atomically: the old file stays whole if anything fails."""
    path = Path(path)
    data = definition_to_dict(defn)
    try:
        # Never write a file that this app would refuse to open again.
        definition_from_dict(data)
    except FunnelFileError as exc:
        raise FunnelFileError(
            f"not saved, the funnel is not valid: {exc.message}", file=path.name
        ) from None
    try:
        _write_json_atomically(Path(os.path.realpath(path)), data)
    except OSError as exc:
        raise FunnelFileError(f"cannot be saved ({exc.strerror or exc})", file=path.name) from exc


def _read_json(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FunnelFileError("is too large to be a funnel file", file=path.name)
        raw = path.read_bytes()
    except OSError as exc:
        raise FunnelFileError(f"cannot be read ({exc.strerror or exc})", file=path.name) from exc
    try:
        # utf-8-sig: editors on Windows may start the file with a byte-order mark.
        data = json.loads(
            raw.decode("utf-8-sig"),
            object_pairs_hook=_object_without_repeats,
            parse_constant=_refuse_constant,
            parse_int=_bounded_int,
        )
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 text (bad byte at offset {exc.start})"
        raise FunnelFileError(problem, file=path.name) from None
    except json.JSONDecodeError as exc:
        problem = f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise FunnelFileError(problem, file=path.name) from None
    except _BadJson as exc:
        raise FunnelFileError(f"is not valid JSON: {exc}", file=path.name) from None
    except RecursionError:
        problem = "is nested too deeply to be a funnel file (brackets inside brackets)"
        raise FunnelFileError(problem, file=path.name) from None
    except ValueError:
        raise FunnelFileError("is not valid JSON", file=path.name) from None
    if not isinstance(data, dict):
        raise FunnelFileError(
            f'holds {kind_of(data)}, not a JSON object {{"format": ..., "steps": [...]}}',
            file=path.name,
        )
    return data


_MAX_INT_DIGITS = 30  # no count, version or bound in a funnel file comes near this


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise _BadJson(f"a whole number with {len(text.lstrip('-')):,} digits is too long")
    return int(text)


class _BadJson(ValueError):
    """JSON that Python's parser accepts but that no other tool would read the same way."""


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A repeated key would silently keep only the last value; a hand edit gone wrong.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _BadJson(f"the key {shown(key)} appears twice in one object")
        out[key] = value
    return out


def _refuse_constant(name: str) -> Any:
    raise _BadJson(f"{name} is not a JSON number")


def _write_json_atomically(target: Path, data: Mapping[str, Any]) -> None:
    with atomic_path(target) as temp, temp.open("x", encoding="utf-8", newline="\n") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
        fh.write("\n")

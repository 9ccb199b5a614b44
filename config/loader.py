"""Layered loading: defaults in code, then a YAML file, then RECEPTION_* variables.

Each layer is a nested dict merged over the previous one; the result is validated once,
so an error message can say which key is wrong and where its value came from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from config.errors import ConfigError
from config.settings import Settings

ENV_PREFIX = "RECEPTION_"
NESTING = "__"
CONFIG_FILE_VAR = f"{ENV_PREFIX}CONFIG"
"""Names the YAML file when no path is passed explicitly; not a settings key itself."""


def env_keys(model: type[BaseModel] = Settings, prefix: str = ENV_PREFIX) -> Iterator[str]:
    """Every environment variable that maps onto a settings key (sections and leaves)."""
    for name, field in model.model_fields.items():
        var = f"{prefix}{name.upper()}"
        yield var
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from env_keys(annotation, var + NESTING)


def load_settings(
    config_file: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings; raise ConfigError listing every problem found."""
    environ = os.environ if environ is None else environ
    path = config_file if config_file is not None else environ.get(CONFIG_FILE_VAR)
    problems: list[str] = []
    sources: dict[tuple[str, ...], str] = {}

    merged: dict[str, Any] = {}
    if path:
        file_data = _read_yaml(Path(path), problems)
        _record(file_data, (), f"in {path}", sources)
        _merge(merged, file_data)
    env_data = _from_environ(environ, problems, sources)
    _merge(merged, env_data)
    if overrides:
        nested = _nest(overrides)
        _record(nested, (), "from the command line", sources)
        _merge(merged, nested)
    if problems:
        raise ConfigError(problems)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError([_describe(err, sources) for err in exc.errors()]) from None


def _read_yaml(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(f"config file {path}: cannot be read ({exc.strerror})")
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problems.append(f"config file {path}: not valid YAML ({exc})")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"config file {path}: the top level must be a mapping of sections")
        return {}
    return data


def _from_environ(
    environ: Mapping[str, str], problems: list[str], sources: dict[tuple[str, ...], str]
) -> dict[str, Any]:
    known = set(env_keys())
    result: dict[str, Any] = {}
    for var, raw in sorted(environ.items()):
        if not var.startswith(ENV_PREFIX) or var == CONFIG_FILE_VAR:
            continue
        if var not in known:
            problems.append(f"{var}: no such setting (known: see config/reception.example.yaml)")
            continue
        keys = tuple(part.lower() for part in var[len(ENV_PREFIX) :].split(NESTING))
        value: Any = raw
        if raw[:1] in "[{":
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                problems.append(f"{var}: lists and sections must be JSON ({exc.msg})")
                continue
        sources[keys] = f"from {var}"
        node = result
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return result


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """{"server.port": 1} -> {"server": {"port": 1}}; None values are left out."""
    result: dict[str, Any] = {}
    for dotted, value in flat.items():
        if value is None:
            continue
        keys = dotted.split(".")
        node = result
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return result


def _merge(into: dict[str, Any], layer: Mapping[str, Any]) -> None:
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _record(
    data: Mapping[str, Any],
    prefix: tuple[str, ...],
    where: str,
    sources: dict[tuple[str, ...], str],
) -> None:
    for key, value in data.items():
        path = (*prefix, str(key))
        sources[path] = where
        if isinstance(value, dict):
            _record(value, path, where, sources)


def _describe(error: Any, sources: dict[tuple[str, ...], str]) -> str:
    loc = tuple(str(part) for part in error["loc"])
    key = ".".join(loc) or "(top level)"
    where = ""
    for depth in range(len(loc), 0, -1):
        if loc[:depth] in sources:
            where = f" ({sources[loc[:depth]]})"
            break
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    got = error.get("input")
    shown = "" if error["type"] == "extra_forbidden" or isinstance(got, dict) else f", got {got!r}"
    return f"{key}: {message}{shown}{where}"

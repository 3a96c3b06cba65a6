"""YAML files, read safely: the safe loader (no Python objects), no key written twice, no
file that is not a regular file of reasonable size, and paths anchored at the file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gdlab.record.schema import ConfigError

MAX_CONFIG_BYTES = 1_000_000  # a config is a page of YAML; anything larger is not one


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a key written twice in one mapping (YAML says "last one wins")."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice (lines {seen[key]} and {line})",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def safe_load(text: str) -> Any:
    """YAML with the safe loader (no Python objects) and no duplicate keys."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no Python objects


def read_yaml(path: Path) -> Any:
    """Read a YAML file with the safe loader; errors name the file and line."""
    if path.exists() and not path.is_dir() and not path.is_file():
        raise ConfigError(str(path), "is not a regular file (a FIFO or a device?)")
    if path.is_file() and path.stat().st_size > MAX_CONFIG_BYTES:
        size = path.stat().st_size
        raise ConfigError(str(path), f"is {size:,} bytes; expected a YAML config (at most 1 MB)")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ConfigError(str(path), "is a folder, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(str(path), f"cannot be read ({err})") from None
    try:
        return safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = err.problem or err.context or "not valid YAML"
        raise ConfigError(f"{path}{line}", f"invalid YAML: {problem}") from None
    except yaml.YAMLError as err:
        raise ConfigError(str(path), f"invalid YAML: {err}") from None


def anchor_path(value: Any, base: Path) -> Any:
    """A relative data.path written in a file is taken relative to that file's folder."""
    if isinstance(value, str) and value and not Path(value).is_absolute():
        return str((base / value).resolve())
    return value


def anchor_data_path(raw: Mapping[str, Any], base: Path) -> Mapping[str, Any]:
    """``raw`` with its data.path (if any) anchored at ``base``."""
    data = raw.get("data")
    if not isinstance(data, Mapping) or "path" not in data:
        return raw
    return {**raw, "data": {**data, "path": anchor_path(data["path"], base)}}


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def as_number(value: Any) -> Any:
    """1e-3 as the number it means: YAML 1.1 (PyYAML's) reads a float without a dot as text."""
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value)
    return value

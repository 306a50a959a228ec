"""JSONPath-like field selectors for generic payloads and flattened platform values.

Supported: `$.a.b`, `a.b`, `$.items[0].text`, `a.0.text`, `$['key with spaces'].x`,
`$["x"]`. No wildcards or filters: one selector names one value, which keeps a mapping readable
and its errors precise.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"""\.?([^.\[\]'"]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]""")
_MISSING = object()


class SelectorError(ValueError):
    pass


def parse(selector: str) -> list[str | int]:
    text = selector.strip()
    if text.startswith("$"):
        text = text[1:]
    parts: list[str | int] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise SelectorError(f"cannot parse selector {selector!r} at position {pos}")
        name, index, single, double = match.groups()
        if index is not None:
            parts.append(int(index))
        elif name is not None:
            parts.append(int(name) if name.isdigit() else name)
        else:
            parts.append(single if single is not None else double)
        pos = match.end()
    if not parts:
        raise SelectorError(f"selector {selector!r} names nothing")
    return parts


def resolve(data: Any, selector: str) -> Any:
    """The value at `selector`, or None when any step is absent."""
    value = data
    for part in parse(selector):
        if isinstance(part, int) and isinstance(value, list):
            value = value[part] if part < len(value) else _MISSING
        elif isinstance(value, dict):
            value = value.get(str(part), _MISSING)
        else:
            value = _MISSING
        if value is _MISSING:
            return None
    return value


def leaf_paths(data: Any, prefix: str = "", limit: int = 200) -> list[str]:
    """Dotted paths of the scalar leaves (for reporting fields a mapping does not use)."""
    out: list[str] = []

    def walk(value: Any, path: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif value is not None:
            out.append(path)

    walk(data, prefix)
    return out

"""Reading an edit's params: a malformed one raises InvalidInput naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nlp_service.analysis.topics.centroids import normalize_rows
from nlp_service.errors import InvalidInput


def theme_id_param(params: Mapping[str, Any], name: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a theme id (integer)", field=name)
    return value


def labels_param(params: Mapping[str, Any], name: str = "labels") -> dict[str, str]:
    value = params.get(name) or {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise InvalidInput(f"{name} must map languages to non-empty labels", field=name)
    return {k: v.strip() for k, v in value.items()}


def vector_param(value: Any, dim: int, name: str) -> np.ndarray:
    vec = np.asarray(value, dtype=np.float32)
    if vec.shape != (dim,) or not np.isfinite(vec).all():
        raise InvalidInput(f"{name} must be a vector of {dim} numbers", field=name)
    return normalize_rows(vec[None, :])[0]

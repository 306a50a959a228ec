"""The fitted topic model as the service uses it: theme centroids plus their descriptions.

Assignment is one matrix product against the stored centroids (nearest theme by cosine, -1 below
the outlier threshold), so loading needs neither UMAP nor HDBSCAN nor the training texts.
Artifacts: `topics.safetensors` (centroids, ids, parents) + `manifest.json` (everything else)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp_service.analysis.results import TopicAssignment
from nlp_service.analysis.topics.centroids import confidence, nearest, normalize_rows
from nlp_service.analysis.topics.themes import ParentTheme, RetiredTheme, Theme, ThemeMapping
from nlp_service.errors import InvalidInput, ModelError

TENSORS_FILE = "topics.safetensors"
MANIFEST_FILE = "manifest.json"
FORMAT = "nlp-service-topics/1"


@dataclass
class TopicModel:
    name: str
    version: str
    embedder_id: str
    centroids: np.ndarray  # (k, dim) float32, unit rows, row i describes themes_[i]
    themes_: list[Theme]
    threshold: float  # minimum cosine similarity for an assignment
    parents: list[ParentTheme] = field(default_factory=list)
    retired: list[RetiredTheme] = field(default_factory=list)
    next_id: int = 0
    mapping: ThemeMapping = field(default_factory=lambda: ThemeMapping(None))
    info: dict[str, Any] = field(default_factory=dict)  # created, documents, params, metrics, ...
    structure: dict[str, Any] = field(default_factory=dict)  # per_class, over_time

    def __post_init__(self) -> None:
        self.centroids = normalize_rows(self.centroids)
        self._ids = np.array([t.id for t in self.themes_], dtype=np.int64)
        self._by_id = {t.id: t for t in self.themes_}

    # --- the TopicAssigner protocol -------------------------------------------------------
    def assign(
        self, embeddings: np.ndarray, languages: Sequence[str | None] | None = None
    ) -> list[TopicAssignment]:
        """Nearest theme per row; `languages` (one per row) picks each label's language where the
        theme has labels per language (codebook themes), else the default label is used."""
        ids, conf = self.assign_ids(embeddings)
        if languages is not None and len(languages) != len(ids):
            raise InvalidInput(
                f"languages must give one entry per row ({len(ids)}), got {len(languages)}",
                field="languages",
            )
        langs = languages if languages is not None else [None] * len(ids)
        return [
            TopicAssignment(i, self.label_for(i, lang) if i >= 0 else "", round(c, 4))
            for i, c, lang in zip(ids.tolist(), conf.tolist(), langs, strict=True)
        ]

    def label_for(self, theme_id: int, language: str | None = None) -> str:
        """The theme's label in `language` (its default label when it has none in it)."""
        return self._by_id[theme_id].label_in(language)

    def assign_ids(
        self, embeddings: np.ndarray, threshold: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised assignment: stable theme id per row (-1 = unassigned) and its confidence."""
        x = np.asarray(embeddings, dtype=np.float32)
        if x.ndim != 2 or (len(x) and x.shape[1] != self.centroids.shape[1]):
            raise InvalidInput(
                f"embeddings must have shape (n, {self.centroids.shape[1]}), got {x.shape}",
                field="embeddings",
            )
        limit = self.threshold if threshold is None else threshold
        index, sim = nearest(normalize_rows(x), self.centroids, limit)
        ids = np.where(index >= 0, self._ids[np.maximum(index, 0)] if len(self._ids) else -1, -1)
        return ids.astype(np.int64), confidence(sim)

    # --- descriptions ---------------------------------------------------------------------
    def themes(self) -> list[Theme]:
        return list(self.themes_)

    def theme(self, theme_id: int) -> Theme:
        for t in self.themes_:
            if t.id == theme_id:
                return t
        raise InvalidInput(f"theme {theme_id} is not in version {self.version}", field="id")

    def centroid_of(self, theme_id: int) -> np.ndarray:
        return self.centroids[self.row_of(theme_id)]

    def row_of(self, theme_id: int) -> int:
        """The centroid row of a theme id (IndexError when the model has no such theme)."""
        return int(np.flatnonzero(self._ids == theme_id)[0])

    @property
    def by_id(self) -> Mapping[int, Theme]:
        return self._by_id

    @property
    def ids(self) -> np.ndarray:
        return self._ids.copy()

    @property
    def documents(self) -> int:
        return int(self.info.get("documents", 0))

    @property
    def unassigned(self) -> int:
        return int(self.info.get("unassigned", 0))

    @property
    def answers(self) -> int | None:
        """Answers the segments came from (None for models fitted without that information)."""
        value = self.info.get("answers")
        return None if value is None else int(value)

    @property
    def unassigned_answers(self) -> int | None:
        value = self.info.get("unassigned_answers")
        return None if value is None else int(value)

    def with_identity(self, name: str, version: str) -> TopicModel:
        return replace(self, name=name, version=version)

    def summary(self) -> dict[str, Any]:
        """The `topics show --json` shape: documents are answers (segments when the fit was not
        told the answers), unassigned those without any theme; theme sizes count segments."""
        known = self.answers is not None
        return {
            "documents": self.answers if known else self.documents,
            "unassigned": self.unassigned_answers if known else self.unassigned,
            "themes": [t.to_dict() for t in self.themes_],
        }

    # --- persistence ----------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "version": self.version,
            "embedder_id": self.embedder_id,
            "threshold": self.threshold,
            "next_id": self.next_id,
            **self.info,
            "themes": [_theme_record(t) for t in self.themes_],
            "parents": [p.to_dict() for p in self.parents],
            "retired": [r.to_dict() for r in self.retired],
            "mapping": self.mapping.to_dict(),
            "structure": self.structure,
        }

    def to_files(self) -> dict[str, bytes]:
        """The artifact as file name -> bytes (written to a folder, or stored in a database)."""
        from safetensors.numpy import save

        tensors: dict[str, npt.NDArray[Any]] = {
            "centroids": np.ascontiguousarray(self.centroids, dtype=np.float32),
            "ids": self._ids,
        }
        text = json.dumps(self.manifest(), ensure_ascii=False, indent=1, default=str)
        return {
            TENSORS_FILE: save(tensors, metadata={"format": FORMAT}),
            MANIFEST_FILE: text.encode("utf-8"),
        }

    def save(self, folder: Path) -> Path:
        """Write the artifact files; each file is written to a temp name and renamed."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, payload in self.to_files().items():
            _atomic_write(folder / name, payload)
        return folder

    @classmethod
    def load(cls, folder: Path) -> TopicModel:
        folder = Path(folder)
        try:
            files = {name: (folder / name).read_bytes() for name in (TENSORS_FILE, MANIFEST_FILE)}
        except FileNotFoundError as exc:
            raise ModelError(f"topic model files missing in {folder}: {exc.filename}") from None
        except OSError as exc:
            raise ModelError(f"topic model in {folder} is unreadable: {exc}") from None
        return cls.from_files(files, str(folder))

    @classmethod
    def from_files(cls, files: dict[str, bytes], source: str) -> TopicModel:
        """The inverse of `to_files`; `source` names where the bytes came from in errors."""
        from safetensors.numpy import load

        folder = source
        try:
            tensors = load(files[TENSORS_FILE])
            data = json.loads(files[MANIFEST_FILE].decode("utf-8"))
        except KeyError as exc:
            raise ModelError(f"topic model files missing in {source}: {exc}") from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"topic model in {source} is unreadable: {exc}") from None
        if data.get("format") != FORMAT:
            raise ModelError(f"{folder} holds format {data.get('format')!r}, expected {FORMAT!r}")
        themes = [
            Theme(
                id=int(t["id"]), label=t["label"], keywords=tuple(t["keywords"]),
                size=int(t["size"]), examples=tuple(t["examples"]), parent=t["parent"],
                label_history=tuple(t.get("label_history", ())),
                labels=dict(t.get("labels") or {}), description=t.get("description", ""),
                source=t.get("source", "emergent"), status=t.get("status", "active"),
            )
            for t in data["themes"]
        ]  # fmt: skip
        if [t.id for t in themes] != tensors["ids"].tolist():
            raise ModelError(f"{folder}: manifest themes and stored centroids disagree")
        known = {"format", "name", "version", "embedder_id", "threshold", "next_id", "themes",
                 "parents", "retired", "mapping", "structure"}  # fmt: skip
        return cls(
            name=data["name"],
            version=data["version"],
            embedder_id=data["embedder_id"],
            centroids=tensors["centroids"],
            themes_=themes,
            threshold=float(data["threshold"]),
            parents=[
                ParentTheme(
                    p["id"], p["label"], tuple(p["keywords"]), p["size"], tuple(p["children"])
                )
                for p in data["parents"]
            ],
            retired=[RetiredTheme(**r) for r in data["retired"]],
            next_id=int(data["next_id"]),
            mapping=ThemeMapping.from_dict(data["mapping"]),
            info={k: v for k, v in data.items() if k not in known},
            structure=data.get("structure", {}),
        )


def _theme_record(theme: Theme) -> dict[str, Any]:
    """A theme as the manifest stores it: the public shape plus what only the manifest keeps."""
    return {
        **theme.to_dict(),
        "label_history": list(theme.label_history),
        "labels": dict(theme.labels),
        "description": theme.description,
        "source": theme.source,
        "status": theme.status,
    }


def _atomic_write(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

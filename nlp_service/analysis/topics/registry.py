"""Versioned topic models on disk: `<root>/<name>/<version>/` (safetensors + manifest.json) and
an `ACTIVE` pointer per name, switched atomically (temp file + os.replace)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from nlp_service.analysis.topics.model import MANIFEST_FILE, TopicModel
from nlp_service.analysis.topics.themes import FitResult
from nlp_service.errors import InvalidInput, NotFound

ACTIVE_FILE = "ACTIVE"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _check(value: str, field: str) -> str:
    if not _NAME.match(value or "") or value in (".", ".."):
        raise InvalidInput(
            f"{field} {value!r} must be 1-64 letters, digits, '.', '_' or '-'", field=field
        )
    return value


class TopicRegistry:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _folder(self, name: str, version: str | None = None) -> Path:
        folder = self.root / _check(name, "name")
        return folder / _check(version, "version") if version is not None else folder

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _NAME.match(p.name))

    def versions(self, name: str) -> list[str]:
        folder = self._folder(name)
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if (p / MANIFEST_FILE).is_file())

    def active_version(self, name: str) -> str | None:
        pointer = self._folder(name) / ACTIVE_FILE
        try:
            version = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return version or None

    def save(self, name: str, fit_result: FitResult | TopicModel, *, activate: bool = False) -> str:
        """Write a version; its folder appears complete or not at all (written under a temp name
        and renamed). Returns the version (the model's own, suffixed if that folder exists)."""
        model = fit_result.model if isinstance(fit_result, FitResult) else fit_result
        base = self._folder(name)
        base.mkdir(parents=True, exist_ok=True)
        version, n = model.version, 1
        while (base / version).exists():
            n += 1
            version = f"{model.version}.{n}"
        model = model.with_identity(name, version)
        tmp = Path(tempfile.mkdtemp(dir=base, prefix=f".{version}."))
        try:
            model.save(tmp)
            os.replace(tmp, base / version)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if activate:
            self.activate(name, version)
        return version

    def load(self, name: str, version: str | None = None) -> TopicModel:
        """Load a version; None means the active one."""
        if version is None:
            version = self.active_version(name)
            if version is None:
                raise NotFound(
                    f"no active version of topic model {name!r} under {self.root}", field="name"
                )
        folder = self._folder(name, version)
        if not (folder / MANIFEST_FILE).is_file():
            raise NotFound(
                f"topic model {name!r} has no version {version!r} under {self.root}",
                field="version",
            )
        return TopicModel.load(folder)

    def activate(self, name: str, version: str) -> None:
        if not (self._folder(name, version) / MANIFEST_FILE).is_file():
            raise NotFound(f"topic model {name!r} has no version {version!r}", field="version")
        pointer = self._folder(name) / ACTIVE_FILE
        fd, tmp = tempfile.mkstemp(dir=pointer.parent, prefix=".ACTIVE.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(version + "\n")
            os.replace(tmp, pointer)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

"""The codebook file (`codebook.json`): fixed themes a researcher defines, with labels per
language, a one-line description and example answers per language. Loading validates every field
and names the one at fault ("themes.3.examples.de") in an InvalidInput.

    codebook = load_codebook(Path("models/codebooks/cx-starter/2026-11-26/codebook.json"))
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nlp_service.errors import InvalidInput, NotFound

CODEBOOK_FILE = "codebook.json"
CODEBOOK_FORMAT = "nlp-service-codebook/1"
MIN_EXAMPLES = 12  # per theme and language: fewer make a noisy prototype and threshold
MAX_LABEL_WORDS = 4
# Themes carry no polarity ("Lieferzeit", not "langsame Lieferung"): sentiment is a separate
# result per segment, and a polar label would mislabel every answer of the other polarity.
POLARITY_WORDS = frozenset(
    """
    gut schlecht super toll schnell langsam freundlich unfreundlich teuer billig günstig
    kaputt falsch fehlerhaft mangelhaft schlimm furchtbar schrecklich katastrophe ärger
    lob beschwerde zufrieden unzufrieden probleme problem
    good bad great poor fast slow friendly rude unfriendly expensive cheap broken wrong
    terrible awful excellent happy unhappy satisfied dissatisfied problems problem issues
    """.split()  # noqa: SIM905 - a word list reads better than 50 quoted strings
)
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_LANG = re.compile(r"^[a-z]{2}$")

Text = Annotated[str, Field(min_length=1, max_length=300)]


def _is_polar(word: str) -> bool:
    """A polarity word, also inflected ("schlechte", "Gutes"), but not a compound ("Gutschein")."""
    w = word.lower().strip(".,;:!?()")
    return w in POLARITY_WORDS or any(
        w.endswith(end) and w[: -len(end)] in POLARITY_WORDS
        for end in ("e", "en", "em", "er", "es")
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class CodebookGroup(_Strict):
    """A parent theme: what a researcher reports one level up ("Lieferung", "Service")."""

    id: int = Field(ge=0)
    labels: dict[str, Text]


class CodebookTheme(_Strict):
    id: int = Field(ge=0)
    key: str
    group: int | None = None
    labels: dict[str, Text]
    descriptions: dict[str, Text]
    examples: dict[str, list[Text]]

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY.match(value):
            raise ValueError("must be snake_case: a-z, digits and '_', starting with a letter")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for lang, label in value.items():
            words = label.replace("-", " ").split()
            if not 1 <= len(words) <= MAX_LABEL_WORDS:
                raise ValueError(f"{lang}: {label!r} must be 1-{MAX_LABEL_WORDS} words")
            polar = [w for w in words if _is_polar(w)]
            if polar:
                raise ValueError(f"{lang}: {label!r} carries polarity ({', '.join(polar)})")
        return value

    @field_validator("examples")
    @classmethod
    def _examples(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for lang, texts in value.items():
            if len(texts) < MIN_EXAMPLES:
                raise ValueError(
                    f"{lang}: {len(texts)} examples; every language needs at least {MIN_EXAMPLES}"
                )
            if len(set(texts)) != len(texts):
                raise ValueError(f"{lang}: duplicate examples")
        return value


class Codebook(_Strict):
    format: str
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    languages: list[str] = Field(min_length=1)
    source: str = ""
    themes: list[CodebookTheme] = Field(min_length=2)
    groups: list[CodebookGroup] = Field(default_factory=list)
    # Answers about no theme ("Alles gut.", "Thanks!"): calibration checks that the threshold
    # keeps most of them unassigned.
    unthemed_examples: dict[str, list[Text]] = Field(default_factory=dict)

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value != CODEBOOK_FORMAT:
            raise ValueError(f"expected {CODEBOOK_FORMAT!r}, got {value!r}")
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _LANG.match(v)]
        if bad:
            raise ValueError(f"ISO 639-1 codes expected, got {bad}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Codebook:
        seen_ids: set[int] = set()
        seen_keys: set[str] = set()
        for n, theme in enumerate(self.themes):
            if theme.id in seen_ids:
                raise _FieldError(f"themes.{n}.id", f"duplicate theme id {theme.id}")
            if theme.key in seen_keys:
                raise _FieldError(f"themes.{n}.key", f"duplicate theme key {theme.key!r}")
            seen_ids.add(theme.id)
            seen_keys.add(theme.key)
            if theme.group is not None and theme.group not in {g.id for g in self.groups}:
                raise _FieldError(f"themes.{n}.group", f"no group with id {theme.group}")
            for part in ("labels", "descriptions", "examples"):
                missing = [lang for lang in self.languages if lang not in getattr(theme, part)]
                if missing:
                    raise _FieldError(
                        f"themes.{n}.{part}.{missing[0]}",
                        f"theme {theme.key!r} has no {part} in {missing[0]!r}",
                    )
        return self

    def theme(self, theme_id: int) -> CodebookTheme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise InvalidInput(f"theme {theme_id} is not in codebook {self.name}", field="id")

    def examples(self) -> tuple[list[str], list[int], list[str]]:
        """Every example with its theme id and language, in file order."""
        texts, ids, langs = [], [], []
        for theme in self.themes:
            for lang in self.languages:
                for text in theme.examples[lang]:
                    texts.append(text)
                    ids.append(theme.id)
                    langs.append(lang)
        return texts, ids, langs


class _FieldError(ValueError):
    """A cross-field problem that knows its own location (pydantic would report the model)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def parse_codebook(data: object, origin: str = "codebook") -> Codebook:
    if not isinstance(data, dict):
        raise InvalidInput(f"{origin}: expected a JSON object", field="codebook")
    try:
        return Codebook.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _FieldError):
            raise InvalidInput(f"{origin}: {cause.message}", field=cause.field) from None
        field = ".".join(str(p) for p in err["loc"]) or "codebook"
        message = err["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"{origin}: {field}: {message}", field=field) from None


def load_codebook(path: Path) -> Codebook:
    """Read and validate a codebook file (or the `codebook.json` in a folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / CODEBOOK_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"codebook file {path} does not exist", field="codebook") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"codebook {path} is unreadable: {exc}", field="codebook") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})",
            field="codebook",
            code="invalid_json",
        ) from None
    return parse_codebook(data, str(path))

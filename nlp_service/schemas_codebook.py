"""Request and response shapes of codebook editing (/v1/codebook, `nlp-service codebook`).

One edit is one of seven kinds, discriminated on `kind`; the API validates the body with these
models, the CLI builds the same dicts and validates them with `parse_edit`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from nlp_service.errors import InvalidInput
from nlp_service.validation import CleanStr

Label = Annotated[CleanStr, Field(min_length=1, max_length=100)]
Phrase = Annotated[CleanStr, Field(min_length=1, max_length=500)]
ThemeId = Annotated[int, Field(ge=0, le=2**31 - 1)]
Note = Annotated[CleanStr, Field(max_length=2000)]


# Strict: JSON `false` is not theme 0, "3" is not 3 (the OpenAPI schema says integer).
class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    de: Label | None = None
    en: Label | None = None

    @model_validator(mode="after")
    def _some(self) -> Labels:
        if self.de is None and self.en is None:
            raise ValueError("give a label in de and/or en")
        return self

    def given(self) -> dict[str, str]:
        return {k: v.strip() for k, v in (("de", self.de), ("en", self.en)) if v is not None}


class _Edit(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    note: Note | None = None


class RenameIn(_Edit):
    kind: Literal["rename"]
    theme_id: ThemeId
    labels: Labels
    description: Annotated[CleanStr, Field(max_length=500)] | None = None


class MergeIn(_Edit):
    kind: Literal["merge"]
    theme_ids: list[ThemeId] = Field(min_length=2, max_length=50)
    into: ThemeId

    @field_validator("theme_ids")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("must not repeat an id")
        return value

    @field_validator("into")
    @classmethod
    def _into(cls, value: int, info: ValidationInfo) -> int:
        if "theme_ids" in info.data and value not in info.data["theme_ids"]:
            raise ValueError("must be one of theme_ids")
        return value


class SplitIn(_Edit):
    kind: Literal["split"]
    theme_id: ThemeId
    proposal_id: Annotated[CleanStr, Field(min_length=1, max_length=40)]
    labels: list[Labels] | None = Field(
        None, description="One per part (default: the proposal's labels); part 1 keeps the id."
    )


class MoveIn(_Edit):
    kind: Literal["move"]
    answer_ids: list[Annotated[CleanStr, Field(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=1000
    )
    from_theme: ThemeId
    to_theme: ThemeId

    @field_validator("to_theme")
    @classmethod
    def _differ(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("from_theme") == value:
            raise ValueError("must differ from from_theme")
        return value


class RetireIn(_Edit):
    kind: Literal["retire"]
    theme_id: ThemeId


class AddIn(_Edit):
    kind: Literal["add"]
    labels: Labels
    description: Annotated[CleanStr, Field(max_length=500)] = ""
    phrases: list[Phrase] = Field(min_length=3, max_length=200)
    theme_id: ThemeId | None = Field(
        None, description="Keep this id (imports); default: the next free id."
    )


class AcceptIn(_Edit):
    kind: Literal["accept"]
    theme_id: ThemeId


EditIn = Annotated[
    RenameIn | MergeIn | SplitIn | MoveIn | RetireIn | AddIn | AcceptIn,
    Field(discriminator="kind"),
]
_EDIT: TypeAdapter[EditIn] = TypeAdapter(EditIn)


def edit_schema() -> dict[str, Any]:
    """The JSON schema of one edit with its definitions inlined (for the OpenAPI request body:
    the route validates the body itself, so errors name the edit's field, not the union tag)."""
    schema = _EDIT.json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    out: dict[str, Any] = inline(schema)
    return out


def parse_edit(data: Any, prefix: str = "") -> EditIn:
    """Validate one edit given as a dict (CLI, import); InvalidInput names the field."""
    try:
        return _EDIT.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        if len(loc) > 1 and loc[0] in ("rename", "merge", "split", "move", "retire", "add",
                                        "accept"):  # fmt: skip
            loc = loc[1:]  # the union's tag
        where = prefix + ".".join(loc) if loc else prefix + "kind"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "union_tag_invalid" or err["type"] == "union_tag_not_found":
            where = prefix + "kind"
        raise InvalidInput(f"{where}: {message}", field=where) from None


class SplitProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    parts: int = Field(2, ge=2, le=6)


class ProposalPartOut(BaseModel):
    size: int
    keywords: list[str]
    label: str
    labels: dict[str, str]
    examples: list[str]


class SplitProposalOut(BaseModel):
    proposal_id: str
    theme_id: int
    parts: list[ProposalPartOut]


class CodebookThemeOut(BaseModel):
    id: int
    label: str = Field(description="In the requested language, else the default label.")
    labels: dict[str, str]
    description: str
    keywords: list[str]
    source: Literal["codebook", "emergent", "seeded"]
    status: Literal["active", "new"]
    size: int = Field(description="Answers carrying the theme now.")
    examples: list[str]


class CodebookOut(BaseModel):
    version: str | None = Field(description="null: the starter codebook (no own version yet).")
    themes: list[CodebookThemeOut]
    edits: int


class ReplayOut(BaseModel):
    version: str
    outcome: Literal["honoured", "conflict"]
    reason: str | None


class EditOut(BaseModel):
    id: int
    kind: str
    actor: str
    created_at: datetime
    note: str | None
    params: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]
    status: Literal["applied", "conflict"]
    version: str
    last_replay: ReplayOut | None


class EditResultOut(BaseModel):
    edit: EditOut
    version: str
    reassigned: int


class EditsOut(BaseModel):
    edits: list[EditOut]
    next_cursor: str | None


class ImportOut(BaseModel):
    edits: list[EditOut]
    version: str | None = Field(description="null when the file changed nothing.")
    reassigned: int

"""Codebook edits as pure transforms of a TopicModel: rename, merge, split, move, retire, add,
accept. No I/O: the service stores each edit as an event and replays all of them, in order, on
top of every refit, so a researcher's codebook survives new data.

    model, outcome = apply_edit(model, Edit("rename", {"theme_id": 3, "labels": {"de": "X"}}))
    model, outcomes = replay(refitted, stored_edits)      # one ReplayOutcome per edit

`apply_edit` never raises for an edit the model cannot honour (a theme id that is gone): it
returns the model unchanged and an Outcome with `outcome="conflict"` and the reason, so a replay
reports it instead of dropping it. Malformed parameters raise InvalidInput naming the field.

What each edit records in its params at first application, so replays need no embedder and
reuse the same ids: merge -> the absorbed themes' centroids (`absorbed`); split -> the new
parts' ids (`ids`); add -> the theme id (`theme_id`); retire -> the theme's centroid.

An emergent theme a researcher edits (rename, merge target, split parts, accept) becomes
`seeded`: the fit keeps seeded themes' ids and labels and never drops them (fit._keep_protected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from nlp_service.analysis.topics.centroids import normalize_rows
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.analysis.topics.themes import RetiredTheme, Theme, ThemeSource
from nlp_service.errors import InvalidInput

EditKind = Literal["rename", "merge", "split", "move", "retire", "add", "accept"]
EDIT_KINDS: tuple[EditKind, ...] = ("rename", "merge", "split", "move", "retire", "add", "accept")
OutcomeKind = Literal["honoured", "conflict"]
# A `new` emergent theme of a refit this similar to a merged-away or retired theme's centroid is
# that theme found again: the replay merges (retires) it too. Same bar as a refit's id match.
REDISCOVERY_SIMILARITY = 0.8
DEFAULT_LANGUAGE = "en"
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Edit:
    kind: EditKind
    params: dict[str, Any]
    id: int | None = None


@dataclass(frozen=True)
class Outcome:
    outcome: OutcomeKind
    reason: str | None
    params: dict[str, Any]  # the edit's params with what the first application recorded
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    changed: bool = False  # False: conflict, or already true in the model
    field: str | None = None  # the param a conflict is about


@dataclass(frozen=True)
class ReplayOutcome:
    edit_id: int | None
    kind: str
    outcome: OutcomeKind
    reason: str | None
    changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"edit_id": self.edit_id, "kind": self.kind, "outcome": self.outcome,
                "reason": self.reason, "changed": self.changed}  # fmt: skip


@dataclass(frozen=True)
class Pin:
    """Answers a researcher moved: their segments carrying `from_theme` carry `to_theme`."""

    edit_id: int | None
    answer_ids: tuple[str, ...]
    from_theme: int
    to_theme: int


def snapshot(theme: Theme) -> dict[str, Any]:
    """A theme as edit events record it (before/after)."""
    return {"id": theme.id, "label": theme.label, "labels": dict(theme.labels),
            "description": theme.description, "source": theme.source, "status": theme.status,
            "size": theme.size}  # fmt: skip


# --- helpers --------------------------------------------------------------------------------
def _int(params: Mapping[str, Any], name: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a theme id (integer)", field=name)
    return value


def _labels(params: Mapping[str, Any], name: str = "labels") -> dict[str, str]:
    value = params.get(name) or {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise InvalidInput(f"{name} must map languages to non-empty labels", field=name)
    return {k: v.strip() for k, v in value.items()}


def _vector(value: Any, dim: int, name: str) -> np.ndarray:
    vec = np.asarray(value, dtype=np.float32)
    if vec.shape != (dim,) or not np.isfinite(vec).all():
        raise InvalidInput(f"{name} must be a vector of {dim} numbers", field=name)
    return normalize_rows(vec[None, :])[0]


def _default_label(old: Theme | None, labels: Mapping[str, str]) -> str:
    """The default label after new per-language labels: the language the old default was in,
    else English, else the first language given."""
    if old is not None:
        for lang, text in old.labels.items():
            if text == old.label and lang in labels:
                return labels[lang]
    return labels.get(DEFAULT_LANGUAGE) or next(iter(labels.values()))


def _protected(source: ThemeSource) -> ThemeSource:
    return "seeded" if source == "emergent" else source


def _history(theme: Theme, label: str) -> tuple[str, ...]:
    return theme.label_history if label == theme.label else (*theme.label_history, theme.label)


def _rebuild(
    model: TopicModel,
    themes: list[Theme],
    centroids: np.ndarray,
    *,
    retired: Sequence[RetiredTheme] | None = None,
    next_id: int | None = None,
) -> TopicModel:
    ids = [t.id for t in themes]
    parents = [replace(p, children=tuple(c for c in p.children if c in ids)) for p in model.parents]
    return replace(
        model, themes_=themes, centroids=centroids, parents=parents,
        retired=list(model.retired if retired is None else retired),
        next_id=max(model.next_id if next_id is None else next_id, max(ids, default=-1) + 1),
    )  # fmt: skip


def _gone(model: TopicModel, theme_id: int, history: Mapping[int, str]) -> str:
    """Why `theme_id` is not in the model, as precisely as is known."""
    if theme_id in history:
        return f"theme {theme_id} {history[theme_id]}"
    for e in model.mapping.entries:
        if e.old == theme_id and e.kind == "merged" and e.new is not None:
            return f"theme {theme_id} was merged into {e.new} by the refit to {model.version}"
        if e.old == theme_id and e.kind == "retired":
            return f"theme {theme_id} was dropped by the refit to {model.version}"
    for r in model.retired:
        if r.id == theme_id:
            return f"theme {theme_id} ({r.label}) was retired in version {r.retired_in}"
    return f"theme {theme_id} is not in version {model.version}"


def _conflict(params: dict[str, Any], reason: str, field: str = "theme_id") -> Outcome:
    return Outcome("conflict", reason, params, field=field)


def _rediscovered(
    model: TopicModel, centroid: np.ndarray, exclude: set[int], similarity: float
) -> list[int]:
    """Unreviewed emergent themes (status `new`) at least `similarity` close to `centroid`."""
    out = []
    for row, theme in enumerate(model.themes_):
        if theme.id in exclude or theme.source != "emergent" or theme.status != "new":
            continue
        if float(model.centroids[row] @ centroid) >= similarity:
            out.append(theme.id)
    return out


# --- the edits ------------------------------------------------------------------------------
def _rename(model: TopicModel, p: dict[str, Any], history: Mapping[int, str]) -> Res:
    theme_id = _int(p, "theme_id")
    labels = _labels(p)
    description = p.get("description")
    if not labels and description is None:
        raise InvalidInput("rename needs labels (de and/or en) or a description", field="labels")
    if theme_id not in model.by_id:
        return model, _conflict(p, _gone(model, theme_id, history))
    old = model.by_id[theme_id]
    merged = {**old.labels, **labels}
    label = _default_label(old, merged) if labels else old.label
    new = replace(
        old, label=label, labels=merged, label_history=_history(old, label),
        description=old.description if description is None else str(description),
        source=_protected(old.source), status="active",
    )  # fmt: skip
    changed = new != old
    themes = [new if t.id == theme_id else t for t in model.themes_]
    out = _rebuild(model, themes, model.centroids) if changed else model
    return out, Outcome("honoured", None if changed else "already true", p, snapshot(old),
                        snapshot(new), changed)  # fmt: skip


def _accept(model: TopicModel, p: dict[str, Any], history: Mapping[int, str]) -> Res:
    theme_id = _int(p, "theme_id")
    if theme_id not in model.by_id:
        return model, _conflict(p, _gone(model, theme_id, history))
    old = model.by_id[theme_id]
    new = replace(old, status="active", source=_protected(old.source))
    changed = new != old
    themes = [new if t.id == theme_id else t for t in model.themes_]
    out = _rebuild(model, themes, model.centroids) if changed else model
    return out, Outcome("honoured", None if changed else "already true", p, snapshot(old),
                        snapshot(new), changed)  # fmt: skip


def _retire(
    model: TopicModel,
    p: dict[str, Any],
    history: Mapping[int, str],
    similarity: float,
    replaying: bool,
) -> Res:
    theme_id = _int(p, "theme_id")
    if not replaying and theme_id not in model.by_id:
        return model, _conflict(p, _gone(model, theme_id, history))
    dim = model.centroids.shape[1]
    targets = [theme_id] if theme_id in model.by_id else []
    if not targets and "centroid" in p:
        targets = _rediscovered(model, _vector(p["centroid"], dim, "centroid"), set(), similarity)
    if not targets:
        return model, Outcome("honoured", "already gone", p, {}, {}, False)
    if theme_id in model.by_id:
        p = {**p, "centroid": [round(float(v), 6) for v in model.centroid_of(theme_id)]}
    keep = [i for i, t in enumerate(model.themes_) if t.id not in targets]
    retired = list(model.retired)
    retired += [RetiredTheme(t, model.by_id[t].label, model.version) for t in targets]
    out = _rebuild(model, [model.themes_[i] for i in keep], model.centroids[keep], retired=retired)
    reason = None if theme_id in targets else f"retired theme {targets} found again by the refit"
    before = snapshot(model.by_id[targets[0]])
    return out, Outcome("honoured", reason, p, before, {}, True)


def _merge(
    model: TopicModel,
    p: dict[str, Any],
    history: Mapping[int, str],
    similarity: float,
    replaying: bool,
) -> Res:
    ids = p.get("theme_ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids) or len(ids) < 2:
        raise InvalidInput("theme_ids must list at least two theme ids", field="theme_ids")
    if len(set(ids)) != len(ids):
        raise InvalidInput("theme_ids must not repeat an id", field="theme_ids")
    into = _int(p, "into")
    if into not in ids:
        raise InvalidInput("into must be one of theme_ids", field="into")
    if into not in model.by_id:
        return model, _conflict(p, _gone(model, into, history), "into")
    absorbed = [i for i in ids if i != into]
    dim = model.centroids.shape[1]
    stored = {int(k): _vector(v, dim, "absorbed") for k, v in (p.get("absorbed") or {}).items()}
    present = [i for i in absorbed if i in model.by_id]
    missing = [i for i in absorbed if i not in model.by_id]
    if missing and not replaying:
        return model, _conflict(p, _gone(model, missing[0], history), "theme_ids")
    found: list[int] = []
    for i in missing:
        if i in stored:
            exclude = {into, *present, *found}
            found += _rediscovered(model, stored[i], exclude, similarity)
    targets = present + found
    if not targets:
        return model, Outcome("honoured", "already merged", p, {}, {}, False)
    record = dict(p.get("absorbed") or {})
    record.update({str(i): [round(float(v), 6) for v in model.centroid_of(i)] for i in present})
    p = {**p, "absorbed": record}
    group = [into, *targets]
    rows = [model.row_of(i) for i in group]
    sizes = np.array([model.by_id[i].size for i in group], dtype=np.float64)
    weights = sizes if sizes.sum() > 0 else np.ones(len(group))
    centroid = normalize_rows((weights[:, None] * model.centroids[rows]).sum(axis=0)[None, :])[0]
    old = model.by_id[into]
    examples = tuple(dict.fromkeys(x for i in group for x in model.by_id[i].examples))
    new = replace(old, size=int(sizes.sum()), examples=examples[:MAX_EXAMPLES],
                  source=_protected(old.source), status="active")  # fmt: skip
    keep = [i for i, t in enumerate(model.themes_) if t.id not in targets]
    cents = model.centroids.copy()
    cents[rows[0]] = centroid
    themes = [new if model.themes_[i].id == into else model.themes_[i] for i in keep]
    retired = [*model.retired, *(RetiredTheme(i, model.by_id[i].label, model.version)
                                 for i in targets)]  # fmt: skip
    out = _rebuild(model, themes, cents[keep], retired=retired)
    before = {"themes": [snapshot(model.by_id[i]) for i in group]}
    reason = f"merged theme(s) {found} found again by the refit" if found else None
    return out, Outcome("honoured", reason, p, before, {"theme": snapshot(new)}, True)


def _parts(p: Mapping[str, Any], dim: int) -> list[dict[str, Any]]:
    parts = p.get("parts")
    if not isinstance(parts, list) or len(parts) < 2:
        raise InvalidInput("a split needs at least two parts", field="parts")
    out = []
    for n, part in enumerate(parts):
        if not isinstance(part, dict):
            raise InvalidInput(f"parts.{n} must be an object", field=f"parts.{n}")
        out.append({**part, "vector": _vector(part.get("centroid"), dim, f"parts.{n}.centroid"),
                    "labels": _labels(part, "labels")})  # fmt: skip
    return out


def _split(model: TopicModel, p: dict[str, Any], history: Mapping[int, str]) -> Res:
    theme_id = _int(p, "theme_id")
    parts = _parts(p, model.centroids.shape[1])
    if theme_id not in model.by_id:
        return model, _conflict(p, _gone(model, theme_id, history))
    ids = p.get("ids")
    if ids is None:  # first application: the other parts get fresh ids
        ids = list(range(model.next_id, model.next_id + len(parts) - 1))
        p = {**p, "ids": ids}
    if len(ids) != len(parts) - 1 or not all(isinstance(i, int) for i in ids):
        raise InvalidInput(f"ids must give {len(parts) - 1} theme ids", field="ids")
    part_ids = [theme_id, *ids]
    # Parts the model lacks are (re)created; the kept id then describes only its part again.
    missing = [i for i in ids if i not in model.by_id]
    old = model.by_id[theme_id]
    themes, cents = list(model.themes_), model.centroids.copy()
    changed = False
    for part_id, part in zip(part_ids, parts, strict=True):
        labels = part["labels"] or dict(old.labels)
        current = model.by_id.get(part_id)
        if current is None:
            themes.append(Theme(
                id=part_id, label=_default_label(None, labels),
                keywords=tuple(part.get("keywords") or ()), size=int(part.get("size") or 0),
                examples=tuple(part.get("examples") or ())[:MAX_EXAMPLES], parent=old.parent,
                labels=labels, source="seeded", status="active",
            ))  # fmt: skip
            cents = np.vstack([cents, part["vector"][None, :]])
            changed = True
            continue
        label = _default_label(current, labels)
        new = replace(current, label=label, labels=labels, label_history=_history(current, label),
                      source=_protected(current.source), status="active")  # fmt: skip
        row = model.row_of(part_id)
        if missing and part_id == theme_id:
            new = replace(
                new,
                size=int(part.get("size") or 0),
                keywords=tuple(part.get("keywords") or current.keywords),
                examples=tuple(part.get("examples") or current.examples)[:MAX_EXAMPLES],
            )
            cents[row] = part["vector"]  # fmt: skip
        if new != current or (missing and part_id == theme_id):
            themes[row] = new
            changed = True
    if not changed:
        return model, Outcome("honoured", "already split", p, {}, {}, False)
    out = _rebuild(model, themes, cents, next_id=max(model.next_id, max(part_ids) + 1))
    after = {"themes": [snapshot(out.by_id[i]) for i in part_ids]}
    return out, Outcome("honoured", None, p, snapshot(old), after, True)


def _add(model: TopicModel, p: dict[str, Any], history: Mapping[int, str], replaying: bool) -> Res:
    labels = _labels(p)
    if not labels:
        raise InvalidInput("a new theme needs a label (de and/or en)", field="labels")
    centroid = _vector(p.get("centroid"), model.centroids.shape[1], "centroid")
    theme_id = p.get("theme_id")
    if theme_id is not None:
        theme_id = _int(p, "theme_id")
        if not replaying and theme_id in model.by_id:
            return model, _conflict(p, f"theme id {theme_id} is in use already")
    else:
        theme_id = model.next_id
        p = {**p, "theme_id": theme_id}
    phrases = [str(x) for x in p.get("phrases") or []]
    theme = Theme(
        id=theme_id, label=_default_label(None, labels), keywords=tuple(p.get("keywords") or ()),
        size=0, examples=tuple(phrases[:MAX_EXAMPLES]), parent=None, labels=labels,
        description=str(p.get("description") or ""), source="seeded", status="active",
    )  # fmt: skip
    if theme_id in model.by_id:  # replay: the refit kept it (seeded themes are never dropped)
        current = model.by_id[theme_id]
        new = replace(current, label=theme.label, labels={**current.labels, **labels})
        if new == current:
            return model, Outcome("honoured", "already true", p, {}, snapshot(current), False)
        themes = [new if t.id == theme_id else t for t in model.themes_]
        out = _rebuild(model, themes, model.centroids)
        return out, Outcome("honoured", None, p, snapshot(current), snapshot(new), True)
    out = _rebuild(model, [*model.themes_, theme], np.vstack([model.centroids, centroid[None, :]]))
    reason = "restored" if replaying else None
    return out, Outcome("honoured", reason, p, {}, snapshot(theme), True)


def _move(model: TopicModel, p: dict[str, Any], history: Mapping[int, str]) -> Res:
    answers = p.get("answer_ids")
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) for a in answers):
        raise InvalidInput("answer_ids must list at least one answer id", field="answer_ids")
    source, target = _int(p, "from_theme"), _int(p, "to_theme")
    if source == target:
        raise InvalidInput("to_theme must differ from from_theme", field="to_theme")
    if target not in model.by_id:
        return model, _conflict(p, _gone(model, target, history), "to_theme")
    after = {"answer_ids": list(answers), "to_theme": snapshot(model.by_id[target])}
    before = {"from_theme": source}
    return model, Outcome("honoured", None, p, before, after, True)


Res = tuple[TopicModel, Outcome]


def apply_edit(
    model: TopicModel,
    edit: Edit,
    *,
    history: Mapping[int, str] | None = None,
    replaying: bool = False,
    similarity: float = REDISCOVERY_SIMILARITY,
) -> tuple[TopicModel, Outcome]:
    """Apply one edit. `history` (theme id -> what an earlier edit did to it) sharpens conflict
    reasons; `replaying` marks a replay on a refit (an add whose id exists is then the kept
    theme, not a clash). The input model is never modified."""
    p = dict(edit.params)
    h = history or {}
    if edit.kind == "rename":
        return _rename(model, p, h)
    if edit.kind == "accept":
        return _accept(model, p, h)
    if edit.kind == "retire":
        return _retire(model, p, h, similarity, replaying)
    if edit.kind == "merge":
        return _merge(model, p, h, similarity, replaying)
    if edit.kind == "split":
        return _split(model, p, h)
    if edit.kind == "add":
        return _add(model, p, h, replaying)
    if edit.kind == "move":
        return _move(model, p, h)
    raise InvalidInput(f"unknown edit kind {edit.kind!r}", field="kind")


def removals(edits: Sequence[Edit]) -> dict[int, str]:
    """Theme id -> which edit retired or merged it away (the last one), for conflict reasons."""
    out: dict[int, str] = {}
    for edit in edits:
        label = f"edit {edit.id}" if edit.id is not None else "another edit"
        if edit.kind == "retire":
            out[int(edit.params["theme_id"])] = f"was retired by {label}"
        elif edit.kind == "merge":
            into = int(edit.params["into"])
            for i in edit.params["theme_ids"]:
                if i != into:
                    out[int(i)] = f"was merged into {into} by {label}"
    return out


def replay(
    model: TopicModel, edits: Sequence[Edit], similarity: float = REDISCOVERY_SIMILARITY
) -> tuple[TopicModel, list[ReplayOutcome]]:
    """Every edit, in order, on top of a refitted model: honoured (applied, or already true in
    the refit) or a conflict with its reason. Moves are checked against the final model (a move
    to a theme a later edit merged away follows the merge; see `pins`)."""
    # Which edit removes which theme, later ones included: an edit on a theme that a later edit
    # retired or merged away says so in its conflict.
    history = removals(edits)
    outcomes: list[ReplayOutcome] = []
    for edit in edits:
        if edit.kind == "move":  # decided against the final model below (merges followed)
            outcomes.append(ReplayOutcome(edit.id, edit.kind, "honoured", None, False))
            continue
        model, out = apply_edit(model, edit, history=history, replaying=True, similarity=similarity)
        outcomes.append(ReplayOutcome(edit.id, edit.kind, out.outcome, out.reason, out.changed))
    _, move_conflicts = pins(edits, model)
    outcomes = [
        replace(o, outcome="conflict", reason=move_conflicts[o.edit_id], changed=False)
        if o.edit_id in move_conflicts and o.outcome == "honoured"
        else o
        for o in outcomes
    ]
    return model, outcomes


def redirects(edits: Sequence[Edit]) -> dict[int, int]:
    """Theme id -> the theme a merge edit folded it into (chains followed)."""
    into: dict[int, int] = {}
    for edit in edits:
        if edit.kind == "merge":
            target = int(edit.params["into"])
            for i in edit.params["theme_ids"]:
                if i != target:
                    into[int(i)] = target
    for start in list(into):
        seen, current = {start}, into[start]
        while current in into and into[current] not in seen:
            seen.add(current)
            current = into[current]
        into[start] = current
    return into


def pins(edits: Sequence[Edit], model: TopicModel) -> tuple[list[Pin], dict[int | None, str]]:
    """The answer moves to re-apply after every reassignment, in edit order (a later move of the
    same answer wins), with targets followed through merges; moves whose target the model no
    longer has are returned as conflicts (edit id -> reason), not pinned."""
    via = redirects(edits)
    removed = removals(edits)
    out: list[Pin] = []
    conflicts: dict[int | None, str] = {}
    for edit in edits:
        if edit.kind != "move":
            continue
        target = int(edit.params["to_theme"])
        resolved = via.get(target, target)
        if resolved not in model.by_id:
            conflicts[edit.id] = _gone(model, resolved, removed)
            continue
        source = int(edit.params["from_theme"])
        answers = tuple(str(a) for a in edit.params["answer_ids"])
        out.append(Pin(edit.id, answers, via.get(source, source), resolved))
    return out, conflicts


@dataclass(frozen=True)
class SplitPart:
    size: int
    keywords: list[str]
    label: str
    labels: dict[str, str]
    examples: list[str]
    centroid: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "keywords": self.keywords, "label": self.label,
                "labels": self.labels, "examples": self.examples}  # fmt: skip


def split_parts(
    texts: Sequence[str],
    vectors: np.ndarray,
    languages: Sequence[str | None],
    parts: int,
    seed: int = 42,
    n_examples: int = 3,
) -> list[SplitPart]:
    """A proposed split of one theme: k-means on its segments' stored vectors (normalised, so
    spherical), parts largest first, each with keywords (c-TF-IDF of the parts against each
    other), readable labels and its most central examples, as a fit describes its themes."""
    from sklearn.cluster import KMeans

    from nlp_service.analysis.topics.ctfidf import fit_vectorizer, top_terms, vocabulary_array
    from nlp_service.analysis.topics.describe import describe_themes, ranked_members

    if not 2 <= parts <= len(texts):
        raise InvalidInput(f"parts must be between 2 and {len(texts)}", field="parts")
    x = normalize_rows(vectors)
    km = KMeans(n_clusters=parts, random_state=seed, n_init=4).fit(x)
    raw = km.labels_.astype(np.int64)
    sizes = np.bincount(raw, minlength=parts)
    order = np.lexsort((np.arange(parts), -sizes))  # largest first
    rank = np.empty_like(order)
    rank[order] = np.arange(parts)
    index = rank[raw]
    cents = normalize_rows(np.stack([x[index == k].mean(axis=0) for k in range(parts)]))
    sim = (x * cents[index]).sum(axis=1)
    vectorizer, counts = fit_vectorizer(
        texts, index, parts, ngram_max=2, min_df=1, online=False, chunk_size=8_192
    )
    keywords = top_terms(counts, vocabulary_array(vectorizer), 8)
    members = ranked_members(index, sim, parts)
    described = describe_themes(texts, members, keywords, n_examples, languages, sim)
    return [
        SplitPart(int((index == k).sum()), list(d.keywords), d.label, dict(d.labels),
                  list(d.examples), cents[k])
        for k, d in enumerate(described)
    ]  # fmt: skip

"""A codebook as a topic model: one prototype vector per theme (the normalised sum of its
examples' embeddings plus its labels and descriptions), labels per language, and a similarity
threshold calibrated on the codebook's own examples. The result is an ordinary `TopicModel`
(source "codebook"), so the pipeline, refits, matching and the registry handle it like fitted
themes, and assignment needs numpy only.

Layout: `<models_dir>/codebooks/<name>/<version>/codebook.json` (the researcher's file) plus
`topics.safetensors` + `manifest.json` written next to it by `python -m training.codebook build`;
`<name>/ACTIVE` names the version in use.

Why one centroid per theme: held out on the starter codebook (each example left out together
with its translation), the nearest theme centroid was right for 0.67 of the examples, the nearest
example for 0.49, the mean of the 3 nearest examples for 0.56, 2-3 k-means prototypes per theme
for 0.61-0.64, and a logistic regression on the same vectors (not numpy-only) for 0.69. Adding
the theme's labels and descriptions to its centroid lifts it to 0.706 (`python -m
training.codebook build` prints the comparison; figures in models/codebooks/cx-starter/*/README.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlp_service.analysis.codebook_schema import CODEBOOK_FILE, Codebook, load_codebook
from nlp_service.analysis.topics.centroids import normalize_rows
from nlp_service.analysis.topics.model import MANIFEST_FILE, TopicModel
from nlp_service.analysis.topics.registry import TopicRegistry
from nlp_service.analysis.topics.themes import ParentTheme, Theme
from nlp_service.errors import ModelError, NotFound

if TYPE_CHECKING:
    from nlp_service.analysis.embedding import Embedder
    from nlp_service.config import Settings

CODEBOOKS_DIR = "codebooks"
METHOD = "centroid+descriptions"
# Each theme's labels and descriptions join its examples in the centroid, each counting like this
# many examples: held out, 0.673 of the starter examples were right without them, 0.706 with
# weight 3 (weights 2-5 all gave 0.70-0.71).
DESCRIPTION_WEIGHT = 3.0
# Share of the held-out codebook examples the threshold keeps assigned: the rest (the examples
# least like any theme) mark where an answer is too far from every theme to be labelled.
DEFAULT_COVERAGE = 0.9
DEFAULT_LABEL_LANGUAGE = "en"
SHOWN_EXAMPLES = 2  # per language, in `topics show`


@dataclass(frozen=True)
class Calibration:
    """How the threshold was chosen, from the codebook's examples alone."""

    method: str
    coverage_target: float
    threshold: float
    examples: int
    held_out_accuracy: float  # nearest theme (held out) is the example's own theme
    coverage: float  # share of held-out examples at or above the threshold
    precision: float  # of those, share whose nearest theme is their own
    unthemed_examples: int
    unthemed_rejected: float | None  # share of unthemed examples below the threshold

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def example_groups(ids: list[int], languages: list[str]) -> np.ndarray:
    """Hold-out group per example: its position in its theme's list for its language. Examples at
    the same position in the other languages are (near) translations in a codebook written in
    parallel, so they are held out together: a translation would otherwise give the answer away."""
    seen: dict[tuple[int, str], int] = {}
    out = np.zeros(len(ids), dtype=np.int64)
    for i, key in enumerate(zip(ids, languages, strict=True)):
        out[i] = seen.get(key, 0)
        seen[key] = out[i] + 1
    return out


def theme_centroids(
    vectors: np.ndarray, ids: np.ndarray, theme_ids: list[int], prior: np.ndarray | None = None
) -> np.ndarray:
    """Normalised sum of each theme's example vectors (plus its `prior` row, if given)."""
    sums = np.stack([vectors[ids == t].sum(axis=0) for t in theme_ids]).astype(np.float64)
    return normalize_rows(sums + (0 if prior is None else prior))


def prototype(
    phrase_vectors: np.ndarray,
    description_vectors: np.ndarray | None = None,
    weight: float = DESCRIPTION_WEIGHT,
) -> np.ndarray:
    """One theme's prototype from example phrases (its labels and description each counting
    `weight` phrases), built like the starter codebook's centroids: a researcher's added theme."""
    phrases = normalize_rows(phrase_vectors)
    prior = None
    if description_vectors is not None and len(description_vectors):
        prior = weight * normalize_rows(description_vectors).astype(np.float64).sum(axis=0)
    return theme_centroids(phrases, np.zeros(len(phrases), dtype=np.int64), [0], prior)[0]


def description_prior(
    codebook: Codebook, embedder: Embedder, weight: float = DESCRIPTION_WEIGHT
) -> np.ndarray:
    """(k, dim): per theme, `weight` x the sum of its label and description vectors in every
    language."""
    texts = [t.labels[lang] for t in codebook.themes for lang in codebook.languages]
    texts += [t.descriptions[lang] for t in codebook.themes for lang in codebook.languages]
    vectors = normalize_rows(embedder.encode(texts))
    k, n_lang = len(codebook.themes), len(codebook.languages)
    labels = vectors[: k * n_lang].reshape(k, n_lang, -1).sum(axis=1)
    descriptions = vectors[k * n_lang :].reshape(k, n_lang, -1).sum(axis=1)
    return weight * (labels + descriptions)


def held_out_similarities(
    vectors: np.ndarray,
    ids: np.ndarray,
    groups: np.ndarray,
    theme_ids: list[int],
    prior: np.ndarray | None = None,
) -> np.ndarray:
    """(n, k) cosine similarity of every example to every theme centroid, where the example's own
    theme centroid is rebuilt without the example's hold-out group (the prior always stays)."""
    x = normalize_rows(vectors)
    sums = np.stack([x[ids == t].sum(axis=0) for t in theme_ids]).astype(np.float64)
    sums = sums + (0 if prior is None else prior)
    sims = x @ normalize_rows(sums).T
    col = {t: j for j, t in enumerate(theme_ids)}
    group_sums: dict[tuple[int, int], np.ndarray] = {}
    for i in range(len(x)):
        key = (int(ids[i]), int(groups[i]))
        group_sums[key] = group_sums.get(key, 0) + x[i].astype(np.float64)
    for i in range(len(x)):
        j = col[int(ids[i])]
        rest = sums[j] - group_sums[(int(ids[i]), int(groups[i]))]
        norm = np.linalg.norm(rest)
        sims[i, j] = float(x[i] @ rest / norm) if norm > 0 else -1.0
    return sims


def calibrate(
    vectors: np.ndarray,
    ids: np.ndarray,
    groups: np.ndarray,
    theme_ids: list[int],
    unthemed: np.ndarray | None = None,
    coverage: float = DEFAULT_COVERAGE,
    prior: np.ndarray | None = None,
) -> Calibration:
    """Threshold = the similarity that keeps `coverage` of the held-out examples assigned."""
    if not 0 < coverage <= 1:
        raise ValueError("coverage must be in (0, 1]")
    sims = held_out_similarities(vectors, ids, groups, theme_ids, prior)
    best = sims.max(axis=1)
    correct = np.asarray(theme_ids)[sims.argmax(axis=1)] == ids
    threshold = float(np.quantile(best, 1 - coverage, method="lower"))
    kept = best >= threshold
    rejected = None
    n_unthemed = 0 if unthemed is None else len(unthemed)
    if unthemed is not None and len(unthemed):
        cents = theme_centroids(normalize_rows(vectors), ids, theme_ids, prior)
        rejected = float(((normalize_rows(unthemed) @ cents.T).max(axis=1) < threshold).mean())
    return Calibration(
        method=METHOD if prior is not None else "centroid",
        coverage_target=coverage,
        threshold=round(threshold, 4),
        examples=len(ids),
        held_out_accuracy=float(correct.mean()),
        coverage=float(kept.mean()),
        precision=float(correct[kept].mean()) if kept.any() else 0.0,
        unthemed_examples=n_unthemed,
        unthemed_rejected=rejected,
    )


def example_keywords(
    texts: list[str], ids: np.ndarray, theme_ids: list[int], n: int = 8
) -> dict[int, list[str]]:
    """Each theme's keywords: the c-TF-IDF terms of its examples against the other themes' (the
    same keywords an emergent theme gets from its segments)."""
    from nlp_service.analysis.topics.ctfidf import fit_vectorizer, top_terms, vocabulary_array

    index = np.array([theme_ids.index(int(i)) for i in ids], dtype=np.int64)
    vectorizer, counts = fit_vectorizer(
        texts, index, len(theme_ids), ngram_max=1, min_df=2, online=False, chunk_size=8_192
    )
    words = top_terms(counts, vocabulary_array(vectorizer), n)
    return {theme_id: words[row] for row, theme_id in enumerate(theme_ids)}


def codebook_model(
    codebook: Codebook,
    vectors: np.ndarray,
    embedder_id: str,
    calibration: Calibration,
    *,
    digest: str = "",
    created: datetime | None = None,
    prior: np.ndarray | None = None,
    description_weight: float = 0.0,
) -> TopicModel:
    """The TopicModel for a codebook whose examples (`codebook.examples()` order) are `vectors`."""
    texts, ids, langs = codebook.examples()
    if vectors.shape[0] != len(texts):
        raise ModelError(f"{len(texts)} codebook examples but {vectors.shape[0]} vectors")
    id_array = np.asarray(ids)
    theme_ids = [t.id for t in codebook.themes]
    default = (
        DEFAULT_LABEL_LANGUAGE
        if DEFAULT_LABEL_LANGUAGE in codebook.languages
        else codebook.languages[0]
    )
    keywords = example_keywords(texts, id_array, theme_ids)
    themes = [
        Theme(
            id=t.id,
            label=t.labels[default],
            keywords=tuple(keywords[t.id]),
            size=int((id_array == t.id).sum()),
            examples=tuple(
                x for lang in codebook.languages for x in t.examples[lang][:SHOWN_EXAMPLES]
            ),
            parent=t.group,
            labels=dict(t.labels),
            description=t.descriptions[default],
            source="codebook",
            status="active",
        )
        for t in codebook.themes
    ]
    created = (created or datetime.now(UTC)).replace(microsecond=0)
    keys = {str(t.id): t.key for t in codebook.themes}
    languages: dict[str, int] = {}
    for lang in langs:
        languages[lang] = languages.get(lang, 0) + 1
    return TopicModel(
        name=codebook.name,
        version=codebook.version,
        embedder_id=embedder_id,
        centroids=theme_centroids(normalize_rows(vectors), id_array, theme_ids, prior),
        themes_=themes,
        threshold=calibration.threshold,
        parents=[
            ParentTheme(
                g.id,
                g.labels[default],
                (),
                sum(th.size for th in themes if th.parent == g.id),
                tuple(th.id for th in themes if th.parent == g.id),
            )
            for g in codebook.groups
        ],
        next_id=max(theme_ids) + 1,
        info={
            "created": created.isoformat(),
            "documents": len(texts),
            "unassigned": 0,
            "languages": languages,
            "codebook": {"name": codebook.name, "version": codebook.version, "sha256": digest,
                         "file": CODEBOOK_FILE, "key_by_id": keys},
            "params": {"method": calibration.method, "coverage": calibration.coverage_target,
                       "description_weight": description_weight},
            "metrics": {"calibration": calibration.to_dict()},
        },
    )  # fmt: skip


def build_codebook(
    folder: Path,
    embedder: Embedder,
    coverage: float = DEFAULT_COVERAGE,
    description_weight: float = DESCRIPTION_WEIGHT,
) -> tuple[TopicModel, Calibration]:
    """Embed a codebook's examples, calibrate its threshold and write the assignable artifact
    (`topics.safetensors` + `manifest.json`) next to its `codebook.json`."""
    folder = Path(folder)
    path = folder / CODEBOOK_FILE
    codebook = load_codebook(path)
    texts, ids, langs = codebook.examples()
    vectors = embedder.encode(texts)
    unthemed_texts = [x for lang in codebook.languages
                      for x in codebook.unthemed_examples.get(lang, [])]  # fmt: skip
    unthemed = embedder.encode(unthemed_texts) if unthemed_texts else None
    theme_ids = [t.id for t in codebook.themes]
    prior = (
        description_prior(codebook, embedder, description_weight) if description_weight else None
    )
    calibration = calibrate(vectors, np.asarray(ids), example_groups(ids, langs), theme_ids,
                            unthemed, coverage, prior)  # fmt: skip
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    model = codebook_model(codebook, vectors, embedder.id, calibration, digest=digest,
                           prior=prior, description_weight=description_weight)  # fmt: skip
    model.save(folder)
    return model, calibration


def resolve_codebook_folder(spec: str, models_dir: Path) -> Path:
    """The version folder a codebook spec names: a folder path (a version folder, or a codebook
    folder with an ACTIVE pointer), or "name" / "name:version" under <models_dir>/codebooks."""
    candidate = Path(spec)
    if candidate.is_dir() and (candidate / CODEBOOK_FILE).is_file():
        return candidate
    if candidate.is_dir():
        registry, name, version = TopicRegistry(candidate.parent), candidate.name, None
    else:
        name, _, version_part = spec.partition(":")
        registry, version = TopicRegistry(Path(models_dir) / CODEBOOKS_DIR), version_part or None
    if version is None:
        version = registry.active_version(name)
    if version is None:
        versions = [
            p.name for p in (registry.root / name).glob("*") if (p / CODEBOOK_FILE).is_file()
        ]
        if not versions:
            raise NotFound(f"no codebook {name!r} under {registry.root}", field="default_codebook")
        version = max(versions)
    folder = registry.root / name / version
    if not (folder / CODEBOOK_FILE).is_file() and not (folder / MANIFEST_FILE).is_file():
        raise NotFound(
            f"codebook {name!r} has no version {version!r} under {registry.root}",
            field="default_codebook",
        )
    return folder


def load_codebook_model(spec: str, models_dir: Path) -> TopicModel:
    """Load a built codebook (no embedding: the prototypes are stored)."""
    folder = resolve_codebook_folder(spec, models_dir)
    if not (folder / MANIFEST_FILE).is_file():
        raise ModelError(
            f"codebook {folder} is not built; run `python -m training.codebook build {folder}`",
            field="default_codebook",
        )
    model = TopicModel.load(folder)
    if not model.themes_ or model.themes_[0].source != "codebook":
        raise ModelError(f"{folder} holds a topic model that is not a codebook")
    return model


def default_codebook(settings: Settings, embedder_id: str) -> TopicModel | None:
    """The configured default codebook (NLP_SERVICE_DEFAULT_CODEBOOK) for a pipeline whose main
    embedder is `embedder_id`; None when it is switched off or built for another embedder (its
    prototypes would be meaningless in that space, so no themes beat wrong themes)."""
    spec = (settings.default_codebook or "").strip()
    if not spec:
        return None
    model = load_codebook_model(spec, Path(settings.models_dir))
    if model.embedder_id != embedder_id:
        import structlog

        structlog.get_logger("nlp_service.analysis").warning(
            "default codebook ignored: embedder mismatch",
            codebook=f"{model.name}:{model.version}",
            codebook_embedder=model.embedder_id,
            embedder=embedder_id,
        )
        return None
    return model

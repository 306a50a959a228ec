"""A refit that starts from the starter codebook: codebook themes keep their IDs, labels and
source at every corpus size (never one catch-all, never dropped); clusters the codebook does not
cover come out as emergent themes marked `new` with generated labels in both languages."""

from __future__ import annotations

import numpy as np
import pytest

from nlp_service.analysis.codebook import default_codebook
from nlp_service.analysis.topics import TopicParams, fit_topics
from nlp_service.config import Settings
from training.topics import Segments

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("n_answers", [50, 291])
def test_refit_from_the_codebook_keeps_it_and_adds_emergent_themes(
    segments: Segments, vectors: np.ndarray, embedder, n_answers: int
) -> None:
    codebook = default_codebook(Settings(), embedder.id)
    assert codebook is not None
    # A random sample: the fixture is ordered by touchpoint (its first 50 are all deliveries).
    chosen = np.random.default_rng(7).permutation(int(segments.answer.max()) + 1)[:n_answers]
    rows = np.flatnonzero(np.isin(segments.answer, chosen))
    fit = fit_topics(
        [segments.texts[i] for i in rows], vectors[rows],
        languages=[segments.languages[i] for i in rows], answers=segments.answer[rows],
        previous=codebook, params=TopicParams(min_size=8), embedder_id=embedder.id,
    )  # fmt: skip
    themes = {t.id: t for t in fit.model.themes()}
    for before in codebook.themes():
        after = themes[before.id]  # never dropped
        assert after.source == "codebook" and after.labels == before.labels
        assert after.label == before.label and after.status == "active"
    emergent = [t for t in themes.values() if t.source == "emergent"]
    assert all(t.status == "new" and t.id > max(t.id for t in codebook.themes()) for t in emergent)
    assert all(set(t.labels) == {"de", "en"} for t in emergent)
    # The corpus spreads over many themes: no catch-all takes most of it.
    sizes = sorted((t.size for t in themes.values()), reverse=True)
    assert sizes[0] < 0.4 * sum(sizes)
    assert len(fit.mapping.ids("kept")) == len(codebook.themes())
    if n_answers == 291:
        assert emergent, "the fixture has clusters the codebook does not name"

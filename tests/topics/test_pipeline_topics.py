"""The fitted model plugs into the analysis pipeline: segments get themes within the same
analyze_batch call, from the vectors the pipeline computed (no second encoding)."""

from __future__ import annotations

import pytest

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.analysis.topics import FitResult
from nlp_service.config import Settings
from nlp_service.errors import ModelError
from tests.topics.conftest import mentions

pytestmark = pytest.mark.slow


def test_pipeline_assigns_segment_themes(fitted: FitResult, topic_settings: Settings) -> None:
    try:
        pipeline = Pipeline.from_settings(topic_settings, topics=fitted.model)
    except ModelError as exc:  # the sentiment head is another engineer's artifact
        pytest.skip(f"pipeline models unavailable: {exc.message}")
    result = pipeline.analyze(
        AnswerInput.create("Lieferung schnell, aber die Hotline ist eine Katastrophe", "de")
    )
    assert result.topic_model_version == fitted.model.version
    first, second = (s.topic for s in result.segments)
    assert first is not None and second is not None
    assert mentions(fitted.model.theme(first.id), "lieferung", "delivery")
    assert mentions(fitted.model.theme(second.id), "hotline", "warteschleife")
    assert {t.id for t in result.themes} == {first.id, second.id}
    # Same vectors, same answer: what the pipeline stored assigns identically offline.
    ids, _ = fitted.model.assign_ids(result.segment_embeddings)
    assert ids.tolist() == [first.id, second.id]

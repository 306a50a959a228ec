import pytest

from nlp_service.analysis.pipeline import Pipeline
from nlp_service.config import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(threads=2)


@pytest.fixture(scope="session")
def pipeline(settings: Settings) -> Pipeline:
    # Embedders are cached per process (get_embedder), so every fixture shares one model load.
    return Pipeline.from_settings(settings)


@pytest.fixture(scope="session")
def head_pipeline(settings: Settings) -> Pipeline:
    """A pipeline whose sentiment is a head on e5 vectors (v8, the fast alternative to the
    served fine-tuned e5) and whose flags come from the context heads v8 (the classifier served
    since round 10 reads texts itself): for tests of how the encoders' vectors are shared
    between sentiment, flag heads and topics."""
    return Pipeline.from_settings(
        settings.model_copy(
            update={
                "sentiment_model": "head:20261126-e5-polarity-v8",
                "flag_heads": "20261126-heads-e5-v8",
            }
        )
    )

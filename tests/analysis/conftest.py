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

"""The models a pipeline runs, loaded from settings once per process: the main encoder, the
sentiment model (a head on an encoder's vectors, a fine-tuned encoder that reads texts, or a
`transformers` classifier), the language detector and the flag model: context heads with any
encoder only they read, or (round 10) a fine-tuned flag classifier that reads the texts."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlp_service.analysis.embedding import Embedder, get_embedder
from nlp_service.analysis.flags import ContextHeads, FlagClassifier, resolve_heads_folder
from nlp_service.analysis.flags.classifier import is_classifier_folder
from nlp_service.analysis.language import LanguageDetector
from nlp_service.analysis.sentiment import (
    SentimentModel,
    TransformersSentiment,
    load_head,
    model_kind,
    resolve_head_folder,
)
from nlp_service.config import Settings
from nlp_service.errors import ModelError


@dataclass
class PipelineModels:
    embedder: Embedder
    # None when the sentiment model reads the texts itself.
    sentiment_embedder: Embedder | None
    sentiment_model: SentimentModel
    language: LanguageDetector
    flag_heads: ContextHeads | None = None
    flag_embedders: list[Embedder] = field(default_factory=list)
    flag_classifier: FlagClassifier | None = None


def _reads_texts(settings: Settings, version: str) -> bool:
    folder = settings.models_dir / "sentiment" / version
    return version != "latest" and folder.is_dir() and model_kind(folder) == "e5-lora"


def _sentiment(settings: Settings, embedder: Embedder) -> tuple[Embedder | None, SentimentModel]:
    spec = settings.sentiment_model
    if spec.startswith("transformers:"):
        return None, TransformersSentiment(spec.split(":", 1)[1], settings.threads)
    if spec.startswith("head:") and _reads_texts(settings, spec.split(":", 1)[1]):
        # A fine-tuned encoder (kind e5-lora) reads the segment texts itself.
        from nlp_service.analysis.sentiment_lora import LoraE5Sentiment

        folder = settings.models_dir / "sentiment" / spec.split(":", 1)[1]
        return None, LoraE5Sentiment(folder, settings.threads)
    if spec.startswith("head:"):
        sentiment_embedder = (
            embedder
            if settings.sentiment_embedder == settings.embedder
            else get_embedder(
                settings.sentiment_embedder, settings.threads, settings.encode_batch_size
            )
        )
        folder = resolve_head_folder(
            settings.models_dir, spec.split(":", 1)[1], sentiment_embedder.id
        )
        return sentiment_embedder, load_head(folder, sentiment_embedder.id)
    raise ModelError(
        f"unknown sentiment model {spec!r}; expected 'head:<version>' or 'transformers:<path>'",
        field="sentiment_model",
    )


def load_models(settings: Settings) -> PipelineModels:
    embedder = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size)
    sentiment_embedder, model = _sentiment(settings, embedder)
    language = LanguageDetector(settings.language_backend, settings.languages)
    if not settings.flag_heads:
        return PipelineModels(embedder, sentiment_embedder, model, language)
    folder = resolve_heads_folder(settings.models_dir, settings.flag_heads)
    if is_classifier_folder(folder):
        classifier = FlagClassifier(folder, settings.threads)
        return PipelineModels(embedder, sentiment_embedder, model, language, None, [], classifier)
    heads = ContextHeads.load(folder)
    loaded = {embedder.id, sentiment_embedder.id if sentiment_embedder else ""}
    flag_embedders: list[Embedder] = []
    for spec, needed in zip(heads.specs, heads.encoders, strict=True):
        if needed not in loaded:
            # e.g. e5 heads while the sentiment model reads texts: one more encoder
            extra = get_embedder(spec, settings.threads, settings.encode_batch_size)
            if extra.id != needed:
                raise ModelError(f"flag heads need {needed}; spec {spec} is {extra.id}")
            flag_embedders.append(extra)
    return PipelineModels(embedder, sentiment_embedder, model, language, heads, flag_embedders)

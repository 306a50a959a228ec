"""The analysis pipeline: models loaded once, every text encoded once per encoder, every head run
on those vectors.

    pipeline = Pipeline.from_settings(get_settings())
    results = pipeline.analyze_batch([AnswerInput.create("Lieferung kam zu spät", kpi=("nps", 3))])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.embedding import Embedder, normalize
from nlp_service.analysis.flags import (
    ContextHeads,
    FlagClassifier,
    FlagContext,
    detect_flags,
    head_units,
)
from nlp_service.analysis.language import LanguageDetector
from nlp_service.analysis.pipeline_models import load_models
from nlp_service.analysis.prepare import SegmentLimits, prepare_many
from nlp_service.analysis.results import (
    Analysis,
    SegmentAnalysis,
    TopicAssigner,
    TopicAssignment,
)
from nlp_service.analysis.segments import Segment
from nlp_service.analysis.sentiment import (
    SentimentModel,
    combine_answer,
    second_embedder_id,
)
from nlp_service.config import Settings
from nlp_service.errors import ModelError, TooLarge


def _length_weighted_mean(
    vectors: np.ndarray, groups: list[range], weights: np.ndarray
) -> np.ndarray:
    out = (
        np.stack([(vectors[g] * weights[g, None]).sum(axis=0) for g in groups])
        if groups
        else np.zeros((0, vectors.shape[1]), np.float32)
    )
    return normalize(out)


class Pipeline:
    def __init__(
        self,
        embedder: Embedder,
        sentiment_embedder: Embedder | None,
        sentiment_model: SentimentModel,
        language: LanguageDetector,
        settings: Settings,
        topics: TopicAssigner | None = None,
        flag_heads: ContextHeads | None = None,
        flag_embedders: Sequence[Embedder] = (),
        flag_classifier: FlagClassifier | None = None,
    ) -> None:
        if sentiment_embedder is not None and sentiment_model.embedder_id not in (
            None,
            sentiment_embedder.id,
        ):
            raise ModelError(
                f"sentiment model {sentiment_model.id} needs embedder "
                f"{sentiment_model.embedder_id}, got {sentiment_embedder.id}"
            )
        second = second_embedder_id(sentiment_model)
        if second is not None and (sentiment_embedder is None or second != embedder.id):
            raise ModelError(
                f"sentiment model {sentiment_model.id} also reads {second} vectors, which must "
                f"be the main embedder's (got {embedder.id})"
            )
        self.embedder = embedder
        self.sentiment_embedder = sentiment_embedder
        self.sentiment_model = sentiment_model
        self.language = language
        self.settings = settings
        self.limits = SegmentLimits(settings.max_chunk_chars, settings.max_chunks_per_text)
        # The encoders the flag heads read, in the heads' order: the main or the sentiment
        # embedder when the ids match (their batch call encodes the heads' sentences too),
        # otherwise one of `flag_embedders`.
        self.flag_encoders: list[Embedder] = []
        if flag_heads is not None:
            available = {e.id: e for e in (embedder, sentiment_embedder, *flag_embedders) if e}
            missing = [i for i in flag_heads.encoders if i not in available]
            if missing:
                raise ModelError(
                    f"flag heads {flag_heads.version} need embedder(s) {missing}; the main "
                    f"embedder is {embedder.id}"
                )
            self.flag_encoders = [available[i] for i in flag_heads.encoders]
        self.flag_heads = flag_heads
        # Round 10: a fine-tuned classifier that reads the (redacted) answers decides legal,
        # churn and urgent instead of the heads.
        self.flag_classifier = flag_classifier
        self.topics: TopicAssigner | None = None
        if topics is not None:
            self.set_topics(topics)

    @classmethod
    def from_settings(cls, settings: Settings, topics: TopicAssigner | None = None) -> Pipeline:
        m = load_models(settings)
        if topics is None:
            # Without a topic model of its own, answers get the starter codebook's themes.
            from nlp_service.analysis.codebook import default_codebook

            topics = default_codebook(settings, m.embedder.id)
        return cls(
            m.embedder,
            m.sentiment_embedder,
            m.sentiment_model,
            m.language,
            settings,
            topics,
            m.flag_heads,
            m.flag_embedders,
            m.flag_classifier,
        )

    def _check_topics(self, topics: TopicAssigner) -> None:
        if topics.embedder_id != self.embedder.id:
            raise ModelError(
                f"topic model {topics.version} was fitted on '{topics.embedder_id}' vectors; "
                f"the pipeline's embedder is '{self.embedder.id}'"
            )

    def set_topics(self, topics: TopicAssigner | None) -> None:
        """Swap the default topic model (atomic: one attribute assignment)."""
        if topics is not None:
            self._check_topics(topics)
        self.topics = topics

    def _assign_topics(
        self,
        vectors: np.ndarray,
        groups: list[range],
        models: list[TopicAssigner | None],
        languages: Sequence[str | None] | None = None,
    ) -> list[TopicAssignment | None]:
        """One assign() call per distinct topic model in the batch, on the segment vectors; each
        segment passes its answer's language (labels per language)."""
        out: list[TopicAssignment | None] = [None] * len(vectors)
        by_model: dict[int, tuple[TopicAssigner, list[int]]] = {}
        row_lang: list[str | None] = [None] * len(vectors)
        for n, (g, model) in enumerate(zip(groups, models, strict=True)):
            if model is not None:
                self._check_topics(model)
                by_model.setdefault(id(model), (model, []))[1].extend(g)
            for row in g:
                row_lang[row] = languages[n] if languages is not None else None
        for model, rows in by_model.values():
            langs = [row_lang[r] for r in rows]
            for row, assignment in zip(rows, model.assign(vectors[rows], langs), strict=True):
                out[row] = assignment
        return out

    def _flag_context(self, known: dict[str, dict[str, np.ndarray]]) -> FlagContext | None:
        """The flag heads read sentence vectors of their encoders, concatenated: the batch
        encoded them with its segments (`_encode_once`), so a sentence is encoded here only if
        missed. `known`: per encoder id, text -> vector."""
        if self.flag_heads is None:
            return None

        def encode(sentences: Sequence[str]) -> np.ndarray:
            parts = []
            for encoder in self.flag_encoders:
                seen = known.setdefault(encoder.id, {})
                missing = [t for t in dict.fromkeys(sentences) if t not in seen]
                if missing:
                    seen.update(zip(missing, encoder.encode(missing), strict=True))
                parts.append(np.stack([seen[t] for t in sentences]))
            return np.hstack(parts)

        return FlagContext(self.flag_heads, encode)

    @staticmethod
    def _encode_once(
        embedder: Embedder, texts: Sequence[str], rows: Sequence[str]
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """One encoder call for the distinct texts of `texts` (a repeated segment is encoded
        once): (the distinct texts, their vectors, the vectors of `rows` in order)."""
        distinct = list(dict.fromkeys(texts))
        vectors = embedder.encode(distinct)
        index = {t: i for i, t in enumerate(distinct)}
        return distinct, vectors, vectors[[index[t] for t in rows]]

    def analyze(self, item: AnswerInput) -> Analysis:
        return self.analyze_batch([item])[0]

    def analyze_batch(self, items: Sequence[AnswerInput]) -> list[Analysis]:
        if not items:
            return []
        limit = self.settings.max_text_chars
        for i, item in enumerate(items):
            if len(item.text) > limit:
                raise TooLarge(
                    f"item {i}: text has {len(item.text)} characters; the limit is {limit}",
                    field="text",
                )
        prepared = prepare_many(
            [item.text for item in items],
            [item.language_hint for item in items],
            self.language,
            self.limits,
        )
        redactions = [p.redaction for p in prepared]
        languages = [p.language for p in prepared]
        per_answer: list[list[Segment]] = [p.segments for p in prepared]
        flat = [s.text for segs in per_answer for s in segs]
        groups, start = [], 0
        for segs in per_answer:
            groups.append(range(start, start + len(segs)))
            start += len(segs)
        weights = np.array([max(len(t), 1) for t in flat], dtype=np.float32)

        # The units the flag heads read go into the same call as the segments: one call per
        # encoder per batch. Heads on segment units (round 5) read the segments themselves, so
        # they add no text; older heads add their regex sentences.
        units = self.flag_heads.units if self.flag_heads is not None else None
        heads = (
            [u.text for p in prepared for u in head_units(p.text, units, segments=p.segments)]
            if units is not None
            else []
        )
        reads = {e.id for e in self.flag_encoders}
        known: dict[str, dict[str, np.ndarray]] = {}
        main_texts = [*flat, *heads] if self.embedder.id in reads else flat
        encoded, vectors, main = self._encode_once(self.embedder, main_texts, flat)
        known[self.embedder.id] = dict(zip(encoded, vectors, strict=True))
        answer_main = _length_weighted_mean(main, groups, weights)
        if self.sentiment_embedder is None:
            seg_sent = self.sentiment_model.predict(None, flat)
        else:
            if self.sentiment_embedder is self.embedder:
                sent_vecs = main
            else:
                sentiment_id = self.sentiment_embedder.id
                texts = [*flat, *heads] if sentiment_id in reads else flat
                s_encoded, s_vectors, sent_vecs = self._encode_once(
                    self.sentiment_embedder, texts, flat
                )
                known[sentiment_id] = dict(zip(s_encoded, s_vectors, strict=True))
            if second_embedder_id(self.sentiment_model) is not None:
                # An ensemble head also reads the main vectors the segments already have.
                sent_vecs = np.hstack([sent_vecs, main])
            seg_sent = self.sentiment_model.predict(sent_vecs, flat)
        # An answer's score comes from its segments' scores (sentiment.answer_score: the mean
        # of the opinionated ones); abuse flags clamp it and the segments holding the abuse.
        # Flags read the redacted text: their offsets match what is stored and a reason never
        # quotes personal data.
        for encoder in self.flag_encoders:  # an encoder only the flag heads read: one call
            if encoder.id not in known and heads:
                distinct = list(dict.fromkeys(heads))
                known[encoder.id] = dict(zip(distinct, encoder.encode(distinct), strict=True))
        flag_context = self._flag_context(known)
        verdicts = (
            self.flag_classifier.judge([p.text for p in prepared], [p.segments for p in prepared])
            if self.flag_classifier is not None
            else [None] * len(prepared)
        )
        answer_flags = [
            detect_flags(
                p.text, p.redaction.entity_types, flag_context, segments=p.segments, verdict=v
            )
            for p, v in zip(prepared, verdicts, strict=True)
        ]
        ans_sent = []
        for g, segs, flags in zip(groups, per_answer, answer_flags, strict=True):
            abuse = [(f.start, f.end) for f in flags if f.type == "abuse"]
            answer, clamped = combine_answer(
                [seg_sent[j] for j in g],
                [(s.start, s.end) for s in segs],
                abuse,
                self.sentiment_model.neutral_margin,
            )
            seg_sent[g.start : g.stop] = clamped
            ans_sent.append(answer)
        models = [item.topics or self.topics for item in items]
        seg_topics = self._assign_topics(main, groups, models, [lg.language for lg in languages])

        results = []
        for idx, item in enumerate(items):
            g, red, lang = groups[idx], redactions[idx], languages[idx]
            segments = [
                SegmentAnalysis(s.text, s.start, s.end, seg_sent[j], seg_topics[j])
                for s, j in zip(per_answer[idx], g, strict=True)
            ]
            results.append(
                Analysis(
                    language=lang.language,
                    language_confidence=lang.confidence,
                    language_source=lang.source,
                    sentiment=ans_sent[idx],
                    kpi=item.kpi,
                    flags=answer_flags[idx],
                    redacted_text=red.text,
                    pii_types=red.entity_types,
                    segments=segments,
                    embedder_id=self.embedder.id,
                    sentiment_model_id=self.sentiment_model.id,
                    topic_model_version=model.version
                    if (model := models[idx]) is not None
                    else None,
                    embedding=answer_main[idx],
                    segment_embeddings=main[g.start : g.stop],
                    redaction=red,
                )
            )
        return results

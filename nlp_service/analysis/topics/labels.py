"""Readable theme labels: a short noun phrase per language ("Wartezeit Hotline", "flight delay")
instead of a list of c-TF-IDF keywords that carries sentiment ("staff rude, employees, crew").

For every theme and language, the theme's most central segments in that language vote: each
candidate phrase (`phrases.py`: lemmatised noun phrases, no polarity/intensity words, no stop
words, handles, hashtags or URLs) scores

    sqrt(coverage) * log2(min(lift, 16)) * log2(1 + themes / themes using it)
                   * (1 + agreement with the theme's c-TF-IDF keywords)

where coverage = share of the central segments that contain it, lift = coverage / its share
among the central segments of the *other* themes (smoothed), "themes using it" = themes with it
in >= 20% of their central segments (the corpus's domain word, "flight" among airline tweets,
names no single theme), and agreement = the rank weight of a keyword with the same stem (the
keywords see all members, the votes only the central ones). Without the last two factors the
two largest demo themes were both labelled "flight" and its delay theme "plane". A longer
phrase replaces the
best one when it covers at least half of its segments ("delay" -> "flight delay"). A phrase of
light nouns only ("time", "guy") never wins. When a larger theme already carries the label, the
next best phrase that scores at least half as much is taken instead. A language with too few
segments (< min_segments) names the theme itself when a distinctive phrase recurs in two of them,
else borrows the other language's label (untranslated); the same word in both ("Hotline") wins.

Fallbacks when no phrase is distinctive (measured on refits, benchmarks/labels_refits.py): a
theme whose central segments mostly hold no noun but light ones is a theme of verdicts ("Very
frustrating", "eher mittelmäßig", "#fail") and is labelled `VERDICT_LABELS`; otherwise its most
frequent recurring phrase, else its most central noun. Generic and evaluative nouns ("Gefühl",
"service", "experience") are light nouns: never a label alone.

Only the `central` most central segments per theme and language are tagged, so the cost does not
grow with the corpus (60 themes x 2 languages x 60 segments at most)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from nlp_service.analysis.topics.phrases import (
    LANGUAGES,
    LIGHT_NOUNS,
    LabelLanguage,
    Phrase,
    SegmentPhrases,
    clean_for_labels,
    is_polar,
    texts_phrases,
)

# Frequent function words that tell German from English for segments without a language.
_DE_HINTS = frozenset(
    {"der", "die", "das", "und", "ist", "nicht", "ich", "ein", "eine", "mit", "den", "auf", "für",
     "war", "sehr", "zu", "auch", "wie", "bei"}
)  # fmt: skip
_EN_HINTS = frozenset(
    {"the", "and", "is", "not", "to", "was", "with", "for", "my", "on", "of", "it", "this", "you",
     "have", "very"}
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")
_MIN_ATTESTED = 2  # an event noun must occur as a noun in at least this many central segments
# The label of a theme whose segments are verdicts without a subject ("Sehr enttäuschend",
# "Just wow", "#fail"): what a researcher codes them as.
VERDICT_LABELS: dict[str, str] = {"de": "Gesamteindruck", "en": "Overall impression"}


@dataclass(frozen=True)
class Member:
    """One segment of a theme: its text, language (None = unknown) and cosine similarity to the
    theme's centroid (higher = more central)."""

    text: str
    language: str | None
    similarity: float


@dataclass(frozen=True)
class LabelParams:
    central: int = 60  # most central segments per theme and language that vote
    min_segments: int = 5  # fewer in a language: that language borrows the other's label
    min_share: float = 0.05  # a phrase must be in this share of the central segments (and >= 2)
    phrase_share: float = 0.5  # a longer phrase must cover this share of the shorter one's
    alternative_share: float = 0.5  # a label taken by a larger theme: next best must score this
    max_words: int = 4
    max_lift: float = 16.0  # more over-represented than this counts as fully distinctive
    spread_share: float = 0.2  # a theme "uses" a phrase found in this share of its segments
    keyword_boost: float = 1.0  # weight of agreeing with the theme's c-TF-IDF keywords
    verdict_share: float = 0.5  # fewer central segments with a (non-light) noun: a verdict theme


@dataclass(frozen=True)
class _Votes:
    counts: Counter[Phrase]  # central segments containing each phrase
    n: int  # central segments
    first: dict[Phrase, int] = field(default_factory=dict)  # most central segment with it
    nominal: int = 0  # central segments with at least one noun that is not a light noun


@dataclass(frozen=True)
class _Corpus:
    """One language's votes over all themes."""

    counts: Counter[Phrase]  # central segments containing each phrase, all themes
    n: int  # central segments, all themes
    spread: Counter[Phrase]  # themes whose central segments use the phrase in >= spread_share
    themes: int  # themes with at least min_segments central segments


def guess_language(text: str) -> LabelLanguage | None:
    """German or English by common function words; None when neither shows."""
    words = [w.lower() for w in _WORD.findall(text)]
    de = sum(w in _DE_HINTS for w in words)
    en = sum(w in _EN_HINTS for w in words)
    if de == en:
        return None
    return "de" if de > en else "en"


def _language(member: Member) -> LabelLanguage | None:
    """German or English as given, else guessed when no language was given (None when unknown
    or another language)."""
    lang = (member.language or "").lower()[:2]
    if lang in LANGUAGES:
        return lang
    return guess_language(member.text) if not lang else None


def _unknown(member: Member) -> bool:
    return not member.language and _language(member) is None


def dominant_language(members: Sequence[Member]) -> LabelLanguage | None:
    """The label language most of a theme's segments are in (None when none is de/en)."""
    counts = Counter(lang for m in members if (lang := _language(m)) is not None)
    if not counts:
        return None
    return max(LANGUAGES, key=lambda lang: (counts[lang], lang == "en"))


def _central_texts(members: Sequence[Member], language: LabelLanguage, k: int) -> list[str]:
    """The k most central distinct texts in a language (ties keep the input order). A segment
    that shows no language ("Hotline!") counts as the theme's dominant language."""
    default = dominant_language(members)
    ranked = sorted(
        (m for m in members if _language(m) == language or (_unknown(m) and default == language)),
        key=lambda m: -m.similarity,
    )
    out: list[str] = []
    seen: set[str] = set()
    for m in ranked:
        key = " ".join(clean_for_labels(m.text).casefold().split())
        if key and key not in seen:
            seen.add(key)
            out.append(m.text)
            if len(out) == k:
                break
    return out


def nominalise(verb: str, language: LabelLanguage, nouns: Counter[str]) -> str | None:
    """The noun the corpus uses for a verb's event, if it uses one: cancel -> cancellation,
    book -> booking, delay -> delay; stornieren -> Stornierung, verspätet -> Verspätung."""
    if language == "en":
        forms = [verb + "lation", verb + "ation", verb[:-1] + "ation", verb + "ment",
                 verb + "ing", verb[:-1] + "ing", verb]  # fmt: skip
    else:
        stem = verb[:-1] if verb.endswith(("ern", "eln")) else verb
        stem = re.sub(r"(?:en|et|t)$", "", stem)
        forms = [(stem + "ung").capitalize()] if len(stem) >= 3 else []
    return next((f for f in forms if nouns[f] >= _MIN_ATTESTED), None)


def _resolve(seg: SegmentPhrases, language: LabelLanguage, nouns: Counter[str]) -> set[Phrase]:
    """A segment's phrases plus its events named by nouns ("flight got cancelled" ->
    "cancellation", "flight cancellation")."""
    out = set(seg.phrases)
    for verb, subject in seg.events:
        noun = nominalise(verb, language, nouns)
        if noun is None:
            continue
        out.add((noun,))
        if language == "en" and subject and subject not in (noun, *LIGHT_NOUNS[language]):
            out.add((subject, noun))
    return out


def _scores(own: _Votes, corpus: _Corpus, params: LabelParams,
            light: frozenset[str]) -> dict[Phrase, float]:  # fmt: skip
    """Score of every phrase frequent enough in this theme (see the module docstring)."""
    floor = max(2, math.ceil(params.min_share * own.n))
    n_other = corpus.n - own.n
    out: dict[Phrase, float] = {}
    for phrase, count in own.counts.items():
        if count < floor or len(phrase) > params.max_words or all(w in light for w in phrase):
            continue
        coverage = count / own.n
        other = (corpus.counts[phrase] - count + 0.5) / (n_other + 1.0)
        lift = min(coverage / other, params.max_lift) if n_other else 2.0
        if lift > 1.0:
            spread = math.log2(1.0 + corpus.themes / max(1, corpus.spread[phrase]))
            out[phrase] = math.sqrt(coverage) * math.log2(lift) * spread
    return out


_STEM_ENDINGS = ("ations", "ation", "ings", "ing", "ed", "es", "en", "s", "e", "n")


def _stem(word: str) -> str:
    """A crude shared stem of inflected and derived forms, enough to tell that the keyword
    "delayed" and the phrase word "delay", or "cancelled" and "cancellation", agree."""
    word = word.lower()
    for ending in _STEM_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def _keyword_weights(keywords: Sequence[str]) -> dict[str, float]:
    """Stem -> weight from the theme's ranked c-TF-IDF keywords (first keyword 1.0, the last
    1/len), which are computed over all members, not only the central ones."""
    out: dict[str, float] = {}
    for rank, term in enumerate(keywords):
        for word in term.split():
            out.setdefault(_stem(word), 1.0 - rank / len(keywords))
    return out


def _agreement(phrase: Phrase, weights: dict[str, float]) -> float:
    return max((weights.get(_stem(w), 0.0) for w in phrase), default=0.0)


def _ranked(
    scores: dict[Phrase, float], counts: Counter[Phrase], params: LabelParams
) -> list[tuple[Phrase, float]]:
    """Phrases best first, each replaced by a longer phrase that covers at least
    `phrase_share` of its segments ("delay" -> "flight delay")."""
    order = sorted(scores, key=lambda p: (-scores[p], len(p), tuple(w.lower() for w in p)))
    out: list[tuple[Phrase, float]] = []
    for phrase in order:
        longer = [
            p for p in scores
            if len(p) > len(phrase) and set(phrase) <= set(p)
            and counts[p] >= params.phrase_share * counts[phrase]
        ]  # fmt: skip
        best = max(longer, key=lambda p: (counts[p], scores[p], -len(p))) if longer else phrase
        out.append((best, scores[phrase]))
    return out


def _collect(
    central: list[dict[LabelLanguage, list[str]]], params: LabelParams
) -> tuple[list[dict[LabelLanguage, _Votes]], dict[LabelLanguage, _Corpus]]:
    """Votes of every theme's central segments, per language, and their totals."""
    votes: list[dict[LabelLanguage, _Votes]] = [{} for _ in central]
    corpus: dict[LabelLanguage, _Corpus] = {}
    for lang in LANGUAGES:
        segs = [texts_phrases(c[lang], lang) for c in central]
        # Nouns the corpus uses, so that events can be named by them ("cancellation").
        nouns = Counter(p[0] for theme in segs for seg in theme for p in seg.phrases if len(p) == 1)
        counts, n, spread, k = Counter[Phrase](), 0, Counter[Phrase](), 0
        for t, theme_segs in enumerate(segs):
            own: Counter[Phrase] = Counter()
            first: dict[Phrase, int] = {}
            nominal = 0
            for rank, seg in enumerate(theme_segs):
                phrases = _resolve(seg, lang, nouns)
                own.update(phrases)
                for p in phrases:
                    first.setdefault(p, rank)
                nominal += any(len(p) == 1 and p[0] not in LIGHT_NOUNS[lang] for p in phrases)
            votes[t][lang] = _Votes(own, len(theme_segs), first, nominal)
            counts.update(own)
            n += len(theme_segs)
            if len(theme_segs) >= params.min_segments:
                k += 1
                floor = params.spread_share * len(theme_segs)
                spread.update(p for p, c in own.items() if c >= floor)
        corpus[lang] = _Corpus(counts, n, spread, k)
    return votes, corpus


def _candidates(
    v: _Votes, corpus: _Corpus, lang: LabelLanguage, weights: dict[str, float],
    params: LabelParams,
) -> list[tuple[str, float]]:  # fmt: skip
    """(label, score) best first for one theme and language."""
    scores = _scores(v, corpus, params, LIGHT_NOUNS[lang])
    for phrase in scores:
        scores[phrase] *= 1.0 + params.keyword_boost * _agreement(phrase, weights)
    return [
        (" ".join(p), score)
        for p, score in _ranked(scores, v.counts, params)
        # The phrase filter already drops polarity words; this guards the promise.
        if not any(is_polar(w, lang) for w in p)
    ]


def _prefer(ranked: list[tuple[str, float]], label: str) -> list[tuple[str, float]]:
    """The candidates with the one spelled like `label` (case aside) first."""
    same = [c for c in ranked if c[0].casefold() == label.casefold()]
    return same + [c for c in ranked if c[0].casefold() != label.casefold()] if same else ranked


def _fallback(v: _Votes, lang: LabelLanguage, params: LabelParams) -> list[tuple[str, float]]:
    """When no phrase is distinctive (a small or mixed theme): the phrases that recur in its
    central segments, most frequent first, then the most central; else its most central noun.
    Light nouns alone and polarity words never qualify."""
    light = LIGHT_NOUNS[lang]
    usable = [
        p for p in v.counts
        if len(p) <= params.max_words and not all(w in light for w in p)
        and not any(is_polar(w, lang) for w in p)
    ]  # fmt: skip
    recurring = [p for p in usable if v.counts[p] >= 2]
    if recurring:
        best = sorted(recurring, key=lambda p: (-v.counts[p], v.first[p], len(p)))
        return [(" ".join(p), float(v.counts[p])) for p in best]
    nouns = sorted((p for p in usable if len(p) == 1), key=lambda p: (v.first[p], p))
    return [(" ".join(p), 0.0) for p in nouns[:1]]


def theme_labels(
    themes: Sequence[Sequence[Member]],
    params: LabelParams | None = None,
    keywords: Sequence[Sequence[str]] | None = None,
) -> list[dict[str, str]]:
    """A label per language ("de", "en") for every theme, from the theme's member segments
    (themes in order of importance, largest first: a larger theme keeps a contested label).
    `keywords` (each theme's c-TF-IDF terms, best first) raise phrases that agree with them.

    A language with fewer than `min_segments` segments gets the other language's label unless a
    phrase recurs in them; a theme with no German or English segment gets an empty dict (the
    caller keeps its keyword label)."""
    params = params or LabelParams()
    central = [
        {lang: _central_texts(members, lang, params.central) for lang in LANGUAGES}
        for members in themes
    ]
    votes, corpus = _collect(central, params)
    taken: dict[LabelLanguage, set[str]] = {lang: set() for lang in LANGUAGES}
    out: list[dict[str, str]] = []
    for t, theme_votes in enumerate(votes):
        chosen: dict[str, str] = {}
        weights = _keyword_weights(keywords[t]) if keywords and keywords[t] else {}
        enough = [lang for lang in LANGUAGES if theme_votes[lang].n >= params.min_segments]
        # The larger language first: it decides whether the theme is one of verdicts. A small
        # theme split between languages still gets a label from its larger side.
        order = sorted(enough, key=lambda lang: -theme_votes[lang].n)
        order = order or [max(LANGUAGES, key=lambda lang: theme_votes[lang].n)]
        # A language with a few segments names the theme itself when a phrase recurs in them.
        order += [lang for lang in LANGUAGES if lang not in order and theme_votes[lang].n >= 2]
        for lang in order:
            v = theme_votes[lang]
            ranked = _candidates(v, corpus[lang], lang, weights, params)
            if chosen and ranked:
                # The same word in both languages ("Hotline", "app") wins when it qualifies.
                ranked = _prefer(ranked, next(iter(chosen.values())))
            if v.n < params.min_segments and lang != order[0]:
                if ranked:
                    chosen[lang] = ranked[0][0]
                continue
            if not ranked and v.n:
                if v.nominal < params.verdict_share * v.n:
                    # Mostly verdicts without a subject ("Very frustrating", "eher mittelmäßig").
                    if not chosen:
                        chosen.update(VERDICT_LABELS)
                    break
                ranked = _fallback(v, lang, params)
            if not ranked:
                continue
            top_label, top_score = ranked[0]
            fresh = (
                lab
                for lab, score in ranked
                if lab not in taken[lang] and score >= params.alternative_share * top_score
            )
            chosen[lang] = next(fresh, top_label)
            taken[lang].add(chosen[lang])
        if chosen:
            for lang in LANGUAGES:
                other = next(x for x in LANGUAGES if x != lang)
                chosen.setdefault(lang, chosen.get(other, ""))
        out.append(dict(sorted(chosen.items())))
    return out

"""FROZEN: the v5 lexicon layer exactly as model 20261126-e5-polarity-v5 was selected and shipped
with it (its card's `lexicon` has no `version`), kept so that v5 stays reproducible next to v6.
Do not edit; the current layer is analysis/lexicon.py (v6), its data data/sentiment/lexicon_*.txt.
This copy reads data/sentiment/v5/lexicon_*.txt. The blend arithmetic is shared: `lexicon.blend`
with this module's `lexicon_score` as its layer (sentiment.apply_segment_rules).

A project-written evaluative lexicon (German and English) and its blend with a head's segment
scores: the v5 sentiment layer (README "Sentiment v5").

A frozen sentence encoder reads single evaluative words and short complaint facts poorly
("Miserabel" +0.30, "Ausbaufähig." +0.72, "Naht ist nach zwei Wochen gerissen" +0.14: v4 error
analysis). The lexicon (analysis/data/sentiment/lexicon_{de,en}.txt, written by the project from
general knowledge of feedback language, not from any evaluation set) scores the evaluative words
and phrases of a segment; `blend` mixes that score with the head's, the lexicon counting most in
very short segments and little in long ones.

Entry syntax (one per line, `term<TAB>value`, value in [-1, 1]):
- `word` matches the word, and the word without a German adjective ending (-e, -en, -er, -es,
  -em) or English -s; `stem*` matches every word starting with `stem` (inflection:
  "enttäusch*" -> enttäuscht, enttäuschende); `*tail` matches a compound ending in `tail` with
  at least three letters before it ("*katastrophe" -> Lieferkatastrophe);
- a phrase of several words matches those consecutive words (each may end in `*`);
- the longest phrase wins, and words inside a matched phrase are not scored again.

Per hit: a negator among the NEGATION_WINDOW words before it flips it (a denied negative counts
NEGATED_NEGATIVE_FACTOR of its strength as positive - "nicht schlecht" is mildly positive - and
a denied positive NEGATED_POSITIVE_FACTOR as negative - "nicht gut"); an intensifier right
before it multiplies it by INTENSIFIER_FACTOR. A segment's lexicon score is the clipped sum of
its hits. Segments with neither German nor English signal words are read with the German
lexicon plus the English one without its German homographs ("Bad", "Kind", "hell", "Gift").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import numpy as np

NEGATION_WINDOW = 3
NEGATED_NEGATIVE_FACTOR = 0.5
NEGATED_POSITIVE_FACTOR = 0.8
INTENSIFIER_FACTOR = 1.3


def words(text: str) -> frozenset[str]:
    """The space-separated words of `text` (word lists written as prose)."""
    return frozenset(text.split())


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_NEGATORS = words(
    "nicht nie niemals kein keine keinen keinem keiner keines ohne kaum nichts "
    "not no never without hardly nothing don't doesn't didn't isn't wasn't "
    "aren't weren't won't can't cannot couldn't wouldn't nor"
)
# "ohne"/"without" negate the next words only ("ohne große Probleme", not "ohne Papierkram
# erledigt").
_SHORT_NEGATORS = frozenset({"ohne", "without"})
SHORT_NEGATION_WINDOW = 2
# A German segment ending in "nicht"/"nichts" denies what came before it ("So richtig überzeugt
# hat mich das nicht.", "Gefällt mir nicht").
_FINAL_NEGATORS = frozenset({"nicht", "nichts"})
_INTENSIFIERS = words(
    "sehr total extrem absolut echt wirklich richtig völlig voll super äußerst mega "
    "unglaublich besonders ziemlich ganz so zu überaus "
    "very really so extremely absolutely totally completely utterly incredibly truly highly "
    "super too"
)
# Words that mark a segment as German or English (function words only).
_SIGNAL = {
    "de": words(
        "der die das und ist nicht ich wir sie es ein eine einen war sind hat haben mit für auf "
        "bei sehr auch aber noch nur wie zu im vom zum beim mein meine mir mich man wurde "
        "kein keine nie schon immer alles leider gar"
    ),
    "en": words(
        "the and is not i we you it a an was are has have with for on at very also but only "
        "too my me this that of to were been no never all always would could"
    ),
    # Dutch and French segments are left to the head (no lexicon of theirs; "iDEAL" is no praise).
    "nl": words(
        "het een en niet geen nooit ik wij we mijn bij van voor met maar ook nog weer al heel "
        "erg zijn was heb hebben wordt"
    ),
    "fr": words(
        "le la les un une et est pas ne je nous vous il elle mon ma mes avec pour sur mais "
        "très aussi du des au aux été c'est j'ai"
    ),
}
# English entries that are ordinary German words: read only in a segment that looks English.
GERMAN_HOMOGRAPHS = words(
    "bad kind hell gift fast mist rot arm also will war hat bald rat art brand handy fad fade lack"
)
_ENDINGS_DE = ("em", "en", "er", "es", "e")


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, float]
    prefixes: tuple[tuple[str, float], ...]  # "stem*", longest first
    suffixes: tuple[tuple[str, float], ...]  # "*tail", longest first
    phrases: dict[str, tuple[tuple[tuple[str, ...], float], ...]]  # first word -> phrases
    prefix_phrases: tuple[tuple[str, tuple[tuple[tuple[str, ...], float], ...]], ...]  # "stem*"

    def word_value(self, token: str) -> float | None:
        value = self.words.get(token)
        if value is not None:
            return value
        for end in _ENDINGS_DE:
            if token.endswith(end) and len(token) - len(end) >= 3:
                value = self.words.get(token[: -len(end)])
                if value is not None:
                    return value
        if token.endswith("s") and len(token) > 4:
            value = self.words.get(token[:-1])
            if value is not None:
                return value
        for stem, v in self.prefixes:
            if token.startswith(stem):
                return v
        for tail, v in self.suffixes:
            if token.endswith(tail) and len(token) - len(tail) >= 3:
                return v
        return None


def _token_matches(pattern: str, token: str) -> bool:
    if pattern.endswith("*"):
        return token.startswith(pattern[:-1])
    return token == pattern or any(token == pattern + end for end in _ENDINGS_DE)


def parse_lexicon(lines: Sequence[str]) -> Lexicon:
    words: dict[str, float] = {}
    prefixes: list[tuple[str, float]] = []
    suffixes: list[tuple[str, float]] = []
    phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    prefix_phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        term, _, value_text = line.rpartition("\t")
        if not term:
            raise ValueError(f"lexicon line without a tab-separated value: {raw!r}")
        value = float(value_text)
        if not -1.0 <= value <= 1.0:
            raise ValueError(f"lexicon value outside [-1, 1]: {raw!r}")
        parts = tuple(term.strip().lower().split())
        if len(parts) > 1:
            target = prefix_phrases if parts[0].endswith("*") else phrases
            target.setdefault(parts[0].rstrip("*"), []).append((parts, value))
        elif parts[0].startswith("*"):
            suffixes.append((parts[0][1:], value))
        elif parts[0].endswith("*"):
            prefixes.append((parts[0][:-1], value))
        else:
            words[parts[0]] = value

    def longest_first(
        groups: dict[str, list[tuple[tuple[str, ...], float]]],
    ) -> dict[str, tuple[tuple[tuple[str, ...], float], ...]]:
        return {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in groups.items()}

    return Lexicon(
        words,
        tuple(sorted(prefixes, key=lambda p: -len(p[0]))),
        tuple(sorted(suffixes, key=lambda p: -len(p[0]))),
        longest_first(phrases),
        tuple(longest_first(prefix_phrases).items()),
    )


@cache
def lexicon(language: str) -> Lexicon:
    """The packaged lexicon of `language` ("de", "en", or "en-safe": English without German
    homographs)."""
    if language == "en-safe":
        full = lexicon("en")
        return Lexicon(
            {w: v for w, v in full.words.items() if w not in GERMAN_HOMOGRAPHS},
            full.prefixes,
            full.suffixes,
            full.phrases,
            full.prefix_phrases,
        )
    resource = files("nlp_service.analysis").joinpath(
        "data", "sentiment", "v5", f"lexicon_{language}.txt"
    )
    return parse_lexicon(resource.read_text(encoding="utf-8").splitlines())


def tokens(text: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in _WORD.findall(text)]


def guess_language(toks: Sequence[str]) -> str | None:
    """ "de", "en", "nl", "fr" (the most function words of that language, ties resolved in
    that order) or None (no function word of any)."""
    counts = {lang: sum(t in words for t in toks) for lang, words in _SIGNAL.items()}
    best = max(counts.values())
    if best == 0:
        return None
    tied = [lang for lang in ("de", "en", "nl", "fr") if counts[lang] == best]
    if "de" in tied and "en" in tied:
        return None
    return tied[0]


@dataclass(frozen=True)
class Hit:
    start: int  # token index
    end: int
    value: float  # after negation and intensifier


def _phrase_at(lex: Lexicon, toks: Sequence[str], i: int) -> tuple[int, float] | None:
    token = toks[i]
    firsts = [token] + [token[: -len(e)] for e in _ENDINGS_DE if token.endswith(e)]
    cands = [c for f in firsts for c in lex.phrases.get(f, ())]
    cands += [c for stem, group in lex.prefix_phrases if token.startswith(stem) for c in group]
    best: tuple[int, float] | None = None
    for parts, value in cands:
        n = len(parts)
        if (
            (best is None or n > best[0])
            and i + n <= len(toks)
            and all(_token_matches(p, t) for p, t in zip(parts, toks[i : i + n], strict=True))
        ):
            best = (n, value)
    return best


def _hits_with(lexicons: Sequence[Lexicon], toks: Sequence[str]) -> list[Hit]:
    hits: list[Hit] = []
    i = 0
    while i < len(toks):
        found: tuple[int, float] | None = None
        for lex in lexicons:
            found = _phrase_at(lex, toks, i)
            if found:
                break
        if found is None:
            for lex in lexicons:
                value = lex.word_value(toks[i])
                if value is not None:
                    found = (1, value)
                    break
        if found is None:
            i += 1
            continue
        n, value = found
        negated = any(
            toks[k] in _NEGATORS
            and (toks[k] not in _SHORT_NEGATORS or i - k <= SHORT_NEGATION_WINDOW)
            for k in range(max(0, i - NEGATION_WINDOW), i)
        ) or (i + n < len(toks) and toks[-1] in _FINAL_NEGATORS)
        if i > 0 and toks[i - 1] in _INTENSIFIERS:
            value = float(np.clip(value * INTENSIFIER_FACTOR, -1.0, 1.0))
        if negated and not _self_negating(toks[i : i + n]):
            value = -value * (NEGATED_NEGATIVE_FACTOR if value < 0 else NEGATED_POSITIVE_FACTOR)
        hits.append(Hit(i, i + n, value))
        i += n
    return hits


def _self_negating(phrase: Sequence[str]) -> bool:
    """A phrase that already contains its negation ("nicht zu empfehlen") is not flipped by a
    negator before it ("leider nicht zu empfehlen")."""
    return any(t in _NEGATORS for t in phrase)


def lexicon_hits(text: str) -> list[Hit]:
    toks = tokens(text)
    lang = guess_language(toks)
    if lang == "en":
        lexicons = [lexicon("en")]
    elif lang == "de":
        lexicons = [lexicon("de")]
    elif lang is None:
        lexicons = [lexicon("de"), lexicon("en-safe")]
    else:
        return []
    return _hits_with(lexicons, toks)


def lexicon_score(text: str) -> tuple[float | None, int]:
    """(clipped sum of the hits or None without any hit, number of words)."""
    toks = tokens(text)
    hits = [h for h in lexicon_hits(text) if h.value != 0.0]  # 0: a blocker ("on top of")
    if not hits:
        return None, len(toks)
    return float(np.clip(sum(h.value for h in hits), -1.0, 1.0)), len(toks)

"""Candidate label phrases of one segment: lemmatised noun phrases without polarity or intensity
words, function words, filler, @handles, hashtags or URLs.

Part-of-speech tags and lemmas come from HanTa (Hannover Tagger; its wheel ships offline models
for German and English). It was chosen over simplemma after measuring both on the demo corpus
(`benchmarks/labels_tagger.py`, 28k segments): simplemma is 20x faster (11.7k vs 0.58k segments/s
on a loaded 2-core machine) but has no parts of speech, so verbs, adjectives and names become
labels ("cancel", "excite", "speak", "dallas", "hour late"); HanTa's noun phrases read like a
researcher's. Its speed does not matter much here: labels tag only each theme's most central
segments (at most 60 per theme and language), a few seconds per fit.

Patterns (phrases are tuples of lemmas: lower case in English, nouns capitalised in German):
- English: a run of up to three nouns ("customer service line"), also after one descriptive
  adjective or participle ("lost bag", "cancelled flight"); every noun alone.
- German: nouns (compounds are one word: "Gepäckverlust", "Preis-Leistung"), and a noun with a
  genitive noun, written the way researchers do ("Wartezeit der Hotline" -> "Wartezeit Hotline").
  German adjectives are left out: their lemma would not agree with the noun ("lang Wartezeit").
- Events: participles and past tenses ("delayed", "got cancelled", "storniert", "verspätet",
  also "late"/"spät") with the noun they are about; `labels.py` turns them into the noun the
  corpus uses for the event ("delay", "flight cancellation", "Stornierung") when it uses one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Literal

from nlp_service.analysis.topics.text import stop_words

if TYPE_CHECKING:
    from HanTa.HanoverTagger import HanoverTagger

LabelLanguage = Literal["de", "en"]
LANGUAGES: tuple[LabelLanguage, ...] = ("de", "en")
Phrase = tuple[str, ...]
Event = tuple[str, str | None]  # verb lemma, the noun it is about
Pos = Literal["NOUN", "ADJ", "PART", "PAST", "DET", "AUX", "OTHER"]

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
# Handles and hashtags go whole (the word after '#' is a slogan, not a noun phrase of the answer).
_HANDLE_OR_TAG = re.compile(r"(?<!\w)[@#]\w+")
_PLACEHOLDER = re.compile(r"[\[<][A-Z_]{2,}[\]>]")
# Words (hyphenated compounds kept whole: "Preis-Leistung", "wi-fi"), numbers, punctuation.
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+(?:[.,]\d+)*|[^\w\s]")
_LETTERS = re.compile(r"[^\W\d_]")
_DE_ADJ_ENDING = re.compile(r"(?:e|en|er|es|em)$")
_GENITIVE_ARTICLES = {"der", "des"}
_MAX_NOUNS = 3
_MIN_LETTERS = 3
_AUX_BACK = 3  # "flight has been delayed": look back over up to three auxiliaries
_MODEL_FILES = {"de": "morphmodel_ger.pgz", "en": "morphmodel_en.pgz"}

# Adjectives that report an event the way a participle does ("late" = delayed).
_EVENT_ADJECTIVES = {"en": {"late": "delay"}, "de": {"spät": "verspäten"}}
# Tweet and chat filler the tagger may read as a noun ("thx", "dont", "amp" from "&amp;").
_FILLER = frozenset({
    "amp", "dont", "cant", "didnt", "doesnt", "isnt", "wasnt", "wont", "youre", "thats",
    "theres", "ive", "thx", "pls", "plz", "via", "http", "https", "www", "com", "yeah", "yep",
    "nope", "okay", "hello", "bzw", "usw", "etc", "ggf", "evtl",
    # halves of contractions the tokenizer splits at the apostrophe ("haven't" -> "haven", "t")
    "haven", "hasn", "hadn", "didn", "doesn", "don", "isn", "wasn", "aren", "weren", "couldn",
    "wouldn", "shouldn", "ain",
})  # fmt: skip
# Nouns too general to name a theme alone; they may still be part of a phrase ("hold time").
LIGHT_NOUNS = {
    "en": frozenset({
        "guy", "thing", "lot", "way", "people", "time", "day", "hour", "hr", "min", "minute",
        "second", "today", "tonight", "tomorrow", "yesterday", "morning", "afternoon", "evening",
        "night", "week", "weekend", "month", "year", "bit", "stuff", "kind", "sort", "part",
        "number", "issue", "problem", "question", "answer", "reason", "job", "help", "anything",
        "something", "everything", "nothing", "someone", "anyone", "everyone", "nobody", "sir",
        "man", "lady", "folk", "yes", "hey", "thank", "end", "fact", "case", "point", "place",
        "side", "world", "state", "area", "home", "use", "need", "one",
        # generic or evaluative: they name a verdict or the whole business, not a theme
        "service", "company", "experience", "feeling", "impression", "opinion", "review",
        "rating", "star", "verdict", "feedback", "overall",
    }),
    "de": frozenset({
        "Mal", "Sache", "Ding", "Leute", "Tag", "Stunde", "Minute", "Woche", "Wochenende", "Monat",
        "Jahr", "Zeit", "Problem", "Frage", "Antwort", "Grund", "Dank", "Gruß", "Herr", "Frau",
        "Mensch", "Teil", "Stück", "Moment", "Ende", "Anfang", "Art", "Weise", "Fall", "Hallo",
        "Bitte", "Weg", "Seite", "Stelle", "Sinn", "Punkt", "Hinsicht", "Beispiel", "Ordnung",
        "Sekunde",
        # generic or evaluative: they name a verdict or the whole business, not a theme
        "Service", "Firma", "Unternehmen", "Erfahrung", "Gefühl", "Eindruck", "Meinung",
        "Bewertung", "Urteil", "Stern", "Feedback", "Fazit",
    }),
}  # fmt: skip


@dataclass(frozen=True)
class Tagged:
    word: str
    lemma: str
    pos: Pos


@dataclass(frozen=True)
class SegmentPhrases:
    """What one segment offers a label: noun phrases, and events that become nouns once the
    corpus shows which noun names them."""

    phrases: frozenset[Phrase]
    events: frozenset[Event]


@lru_cache(maxsize=2)
def _tagger(language: LabelLanguage) -> HanoverTagger:
    from HanTa.HanoverTagger import HanoverTagger

    return HanoverTagger(_MODEL_FILES[language])


@lru_cache(maxsize=2)
def polarity_words(language: LabelLanguage) -> frozenset[str]:
    """The package's list of polarity and intensity words for a language (lower case)."""
    resource = files("nlp_service.analysis").joinpath("data", f"polarity_words_{language}.txt")
    words = set()
    for line in resource.read_text("utf-8").splitlines():
        word = line.split("#", 1)[0].strip().lower()
        if word:
            words.add(word)
    return frozenset(words)


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    return frozenset(stop_words())


def is_polar(word: str, language: LabelLanguage) -> bool:
    """Whether a word evaluates or intensifies: 'worst', 'unfreundlichen', 'Super-Service' (any
    part of a hyphenated compound counts)."""
    polar = polarity_words(language)
    for part in word.lower().split("-"):
        if part in polar:
            return True
        if language == "de" and _DE_ADJ_ENDING.sub("", part) in polar:
            return True
    return False


def clean_for_labels(text: str) -> str:
    """Text without URLs, e-mail addresses, @handles, hashtags, redaction placeholders or HTML
    entities; each removal leaves a comma so no phrase spans the gap."""
    text = html.unescape(text)
    for pattern in (_URL, _EMAIL, _HANDLE_OR_TAG, _PLACEHOLDER):
        text = pattern.sub(" , ", text)
    return text


def _pos(tag: str, lemma: str, language: LabelLanguage) -> Pos:
    """HanTa's STTS (German) and CLAWS C5 (English) tags, coarsened."""
    if language == "en":
        table: tuple[tuple[tuple[str, ...], Pos], ...] = (
            (("NN0", "NN1", "NN2"), "NOUN"), (("AJ0",), "ADJ"), (("VVN",), "PART"),
            (("VVD", "VVG"), "PAST"), (("VB", "VH", "VM"), "AUX"),
        )  # fmt: skip
        return next((pos for tags, pos in table if tag.startswith(tags)), "OTHER")
    if tag == "NN":
        return "NOUN"
    if tag == "ART":
        return "DET"
    if tag.startswith("VV(PP)"):
        return "PART"
    if tag.startswith("ADJ"):
        # HanTa reads many participles as adjectives ("verspätet", "beschädigt").
        return "PART" if lemma.endswith("t") else "ADJ"
    return "AUX" if tag.startswith("VA") else "OTHER"


def _lemma(word: str, lemma: str, pos: Pos, language: LabelLanguage) -> str:
    if "-" in word:
        # HanTa lower-cases inside compounds ("Preis-leistung"); keep the parts as written and
        # lemmatise only the last one ("Preis-Leistungen" -> "Preis-Leistung").
        head = word[: word.rfind("-") + 1]
        last = lemma[lemma.rfind("-") + 1 :] if "-" in lemma else lemma
        last = last[:1].upper() + last[1:] if word[len(head) : len(head) + 1].isupper() else last
        lemma = head + last
    if language == "de" and pos == "NOUN" and "-" not in word and _bad_german_lemma(word, lemma):
        lemma = word
    if language == "en":
        # Short all-caps words are acronyms ("TSA", "JFK"); everything else reads in lower case.
        return word if word.isupper() and 1 < len(word) <= 4 and pos == "NOUN" else lemma.lower()
    return lemma[:1].upper() + lemma[1:] if pos == "NOUN" else lemma.lower()


def _bad_german_lemma(word: str, lemma: str) -> bool:
    """HanTa's German lemmatiser clips some nouns it does not know: "App" -> "Ap", "Anschluss"
    -> "Anschlus". A lemma too short to be a label word, or a double s cut to one, is wrong."""
    w, m = word.lower(), lemma.lower()
    if len(_LETTERS.findall(m)) < _MIN_LETTERS <= len(_LETTERS.findall(w)):
        return True
    return w.endswith("ss") and m == w[:-1]


def tag(text: str, language: LabelLanguage) -> list[Tagged]:
    """Words of a cleaned text with HanTa's lemma and a coarse part of speech."""
    tokens = _TOKEN.findall(clean_for_labels(text))
    if not tokens:
        return []
    # Shouting is not spelling: "RUDE" or "LOST MY BAGS" tag better in lower case (short all-caps
    # words stay: they are acronyms).
    tokens = [t.lower() if t.isupper() and len(t) > 3 else t for t in tokens]
    out = []
    for word, lemma, tag_ in _tagger(language).tag_sent(tokens, taglevel=1):
        pos = _pos(tag_, lemma, language)
        out.append(Tagged(word, _lemma(word, lemma, pos, language), pos))
    return out


def usable(token: Tagged, language: LabelLanguage) -> bool:
    """A word that may appear in a label: three letters or more, no filler, no polarity word.
    Nouns are not checked against the (long) stop-word lists: they carry CX nouns such as
    "order", "bill", "website", "room" and "line"; the tagger already keeps function words out.
    Verbs are (they drop "get", "make", "need")."""
    low, word = token.lemma.lower(), token.word.lower()
    if len(_LETTERS.findall(low)) < _MIN_LETTERS or low in _FILLER or word in _FILLER:
        return False
    if token.pos != "NOUN" and (low in _stop() or word in _stop()):
        return False
    return not is_polar(token.word, language) and not is_polar(token.lemma, language)


def _ok(token: Tagged, language: LabelLanguage) -> bool:
    return usable(token, language)


def _subject(tokens: list[Tagged], i: int, language: LabelLanguage) -> str | None:
    """The noun an event at position i is about: the noun it modifies ("cancelled flight") or the
    noun before it, over auxiliaries ("flight has been delayed", "flight got cancelled")."""
    if tokens[i].pos in ("PART", "ADJ") and i + 1 < len(tokens) and tokens[i + 1].pos == "NOUN":
        nxt = tokens[i + 1]
        return nxt.lemma if _ok(nxt, language) else None
    j = i - 1
    while j >= 0 and i - j <= _AUX_BACK and (tokens[j].pos == "AUX" or tokens[j].lemma == "get"):
        j -= 1
    if j >= 0 and tokens[j].pos == "NOUN" and _ok(tokens[j], language):
        return tokens[j].lemma
    return None


def segment_phrases(tokens: list[Tagged], language: LabelLanguage) -> SegmentPhrases:
    """Candidate phrases and events of one tagged segment; see the module docstring."""
    phrases: set[Phrase] = set()
    events: set[Event] = set()
    for i, token in enumerate(tokens):
        if token.lemma.lower() in _EVENT_ADJECTIVES[language]:
            events.add(
                (_EVENT_ADJECTIVES[language][token.lemma.lower()], _subject(tokens, i, language))
            )
        elif token.pos in ("PART", "PAST") and usable(token, language):
            events.add((token.lemma, _subject(tokens, i, language)))
    i = 0
    while i < len(tokens):
        if tokens[i].pos != "NOUN" or not _ok(tokens[i], language):
            i += 1
            continue
        j = i
        while j < len(tokens) and tokens[j].pos == "NOUN" and _ok(tokens[j], language):
            j += 1
        run = [t.lemma for t in tokens[i:j]][-_MAX_NOUNS:]
        for n in range(1, len(run) + 1):
            for start in range(len(run) - n + 1):
                phrases.add(tuple(run[start : start + n]))
        mod = tokens[i - 1] if i > 0 else None
        if language == "en" and mod and mod.pos in ("ADJ", "PART") and _ok(mod, language):
            # A modifier keeps its written form: "cancelled flight", not "cancel flight".
            phrases.add((mod.word.lower(), run[-1]))
            if len(run) < _MAX_NOUNS:
                phrases.add((mod.word.lower(), *run))
        if (
            language == "de"
            and j + 1 < len(tokens)
            and tokens[j].pos == "DET"
            and tokens[j].word.lower() in _GENITIVE_ARTICLES
            and tokens[j + 1].pos == "NOUN"
            and _ok(tokens[j + 1], language)
        ):
            phrases.add((run[-1], tokens[j + 1].lemma))
        i = j
    return SegmentPhrases(frozenset(phrases), frozenset(events))


def texts_phrases(texts: Iterable[str], language: LabelLanguage) -> list[SegmentPhrases]:
    """Candidate phrases per text (identical texts are tagged once)."""
    cache: dict[str, SegmentPhrases] = {}
    out = []
    for text in texts:
        if text not in cache:
            cache[text] = segment_phrases(tag(text, language), language)
        out.append(cache[text])
    return out

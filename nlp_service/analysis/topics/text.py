"""Text side of the themes: cleaning for the vectorizer, German + English stop words, the
(online) count vectorizer and short readable labels. Embeddings are never computed here."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import CountVectorizer

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_HASHMARK = re.compile(r"(?<!\w)#(\w)")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
# Placeholders the redaction step writes ("[EMAIL]", "<PHONE>") are not themes.
_PLACEHOLDER = re.compile(r"[\[<][A-Z_]{2,}[\]>]")
# Words of two or more letters (umlauts and ß included); numbers and flight codes are not keywords.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"

# Feedback filler that no stop-word list carries but that never names a theme.
_EXTRA_STOP = {
    "amp", "rt", "dm", "pls", "plz", "thx", "im", "ive", "dont", "cant", "didnt", "doesnt",
    "isnt", "wasnt", "wont", "youre", "thats", "theres", "ur", "u", "ok", "okay", "lol", "ja",
    "nein", "mal", "schon", "eigentlich", "gibt", "via", "gt", "lt", "http", "https", "co",
}  # fmt: skip


def clean_for_keywords(text: str) -> str:
    """Drop what should never become a keyword: URLs, e-mail addresses, @handles, '#' marks,
    redaction placeholders and HTML entities (tweets carry '&amp;')."""
    text = html.unescape(text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    return _HASHMARK.sub(r"\1", text)


@lru_cache(maxsize=1)
def stop_words() -> tuple[str, ...]:
    """German and English stop words from the maintained `stop-words` package, widened with
    `stopwordsiso` when it is installed (its German list is twice as long)."""
    from stop_words import get_stop_words

    words: set[str] = set(_EXTRA_STOP)
    for lang in ("de", "en"):
        words.update(w.lower() for w in get_stop_words(lang))
    try:
        import stopwordsiso

        for lang in ("de", "en"):
            words.update(w.lower() for w in stopwordsiso.stopwords(lang))
    except ImportError:  # optional: the shorter list still removes the frequent words
        pass
    # The vectorizer tokenises stop words too ("don't" -> "don"); keep only what a token can be.
    token = re.compile(TOKEN_PATTERN)
    words.update(t for w in list(words) for t in token.findall(w))
    return tuple(sorted(words))


def make_vectorizer(ngram_max: int, min_df: int, online: bool = False) -> CountVectorizer:
    """Counts uni- and bigrams of the cleaned text without stop words. `online=True` gives
    BERTopic's OnlineCountVectorizer, whose vocabulary grows chunk by chunk and is pruned of rare
    terms (`delete_min_df`) so memory stays bounded."""
    kwargs = {
        "preprocessor": lambda t: clean_for_keywords(t).lower(),
        "token_pattern": TOKEN_PATTERN,
        "stop_words": list(stop_words()),
        "ngram_range": (1, ngram_max),
        "dtype": "int32",
    }
    from sklearn.feature_extraction.text import CountVectorizer

    if online:
        from bertopic.vectorizers import OnlineCountVectorizer

        return OnlineCountVectorizer(delete_min_df=min_df, **kwargs)
    return CountVectorizer(min_df=min_df, **kwargs)


def filter_keywords(terms: Iterable[str], n: int) -> list[str]:
    """Top terms without redundancy: a bigram of one repeated word ("flight flight") or a term
    already covered word-for-word by a better-ranked term adds nothing."""
    out: list[str] = []
    for term in terms:
        words = term.split()
        if len(set(words)) < len(words) or term in out:
            continue
        out.append(term)
        if len(out) == n:
            break
    return out


def make_label(keywords: Sequence[str], max_terms: int = 3, max_chars: int = 40) -> str:
    """A short label from the top keywords: a bigram that contains a top word stands in for it
    ("cancelled flight" rather than "cancelled"), words already shown are not repeated."""
    top = list(keywords[:6])
    chosen: list[str] = []
    covered: set[str] = set()
    for term in top:
        if len(chosen) == max_terms:
            break
        words = term.split()
        if len(words) == 1:
            better = next(
                (b for b in top if len(b.split()) > 1 and term in b.split() and b not in chosen),
                None,
            )
            term, words = (better, better.split()) if better else (term, words)
        if all(w in covered for w in words):
            continue
        candidate = ", ".join([*chosen, term])
        if chosen and len(candidate) > max_chars:
            break
        chosen.append(term)
        covered.update(words)
    return ", ".join(chosen)


def restore_case(label: str, texts: Iterable[str]) -> str:
    """Labels are built from lower-cased terms; show each word as the answers write it inside a
    sentence ("Lieferung", "Warteschleife", "JFK"), judged on a few representative texts.
    Sentence-initial words are ignored: their capital says nothing about the word."""
    forms: dict[str, Counter[str]] = {}
    words = set(re.findall(TOKEN_PATTERN, label))
    token = re.compile(TOKEN_PATTERN)
    for text in texts:
        cleaned = clean_for_keywords(text)
        for match in token.finditer(cleaned):
            low = match.group(0).lower()
            before = cleaned[: match.start()].rstrip()
            form = match.group(0)
            # Shouting ("FAIL") is not spelling; short all-caps words are acronyms (JFK, CEO).
            if form.isupper() and len(form) > 3:
                continue
            if low in words and before and before[-1] not in ".!?:;\"'(":
                forms.setdefault(low, Counter())[form] += 1

    def best(match: re.Match[str]) -> str:
        word = match.group(0)
        counts = forms.get(word)
        if not counts:
            return word
        top, top_n = counts.most_common(1)[0]
        return top if top_n > counts.get(word, 0) else word

    return re.sub(TOKEN_PATTERN, best, label)


def content_words(texts: Sequence[str]) -> np.ndarray:
    """Number of words per text that are not stop words (after keyword cleaning)."""
    stop = set(stop_words())
    token = re.compile(TOKEN_PATTERN)
    counts = [
        sum(1 for w in token.findall(clean_for_keywords(t).lower()) if w not in stop) for t in texts
    ]
    return np.array(counts, dtype=np.int64)

"""Abuse: lexical. Maintained lists (better-profanity's English list minus exclusions, German
stems) and words that are insults only when aimed at someone (`abuse_addressed.txt`)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from nlp_service.analysis.flags.flag import SEVERITY_ABUSE, Flag, FlagType
from nlp_service.analysis.flags.lists import (
    _WORD,
    _better_profanity_words,
    _fold_de,
    _phrase_key,
    _read_list,
)


@dataclass(frozen=True)
class _Affixes:
    """German entries with `*` wildcards, matched against folded single tokens."""

    exact: frozenset[str]
    prefixes: frozenset[str]
    suffixes: frozenset[str]
    infixes: tuple[str, ...]

    @classmethod
    def parse(cls, entries: list[str]) -> "_Affixes":
        exact: set[str] = set()
        prefixes: set[str] = set()
        suffixes: set[str] = set()
        infixes: set[str] = set()
        for entry in entries:
            stem = _fold_de(entry.strip("*"))
            starred_front, starred_back = entry.startswith("*"), entry.endswith("*")
            if starred_front and starred_back:
                infixes.add(stem)
            elif starred_front:
                suffixes.add(stem)
            elif starred_back:
                prefixes.add(stem)
            else:
                exact.add(stem)
        return cls(frozenset(exact), frozenset(prefixes), frozenset(suffixes), tuple(infixes))

    def matches(self, folded: str) -> bool:
        if folded in self.exact or any(stem in folded for stem in self.infixes):
            return True
        # Only a word's own prefixes/suffixes are looked up, so cost is per token, not per entry.
        return any(
            folded[:k] in self.prefixes or folded[-k:] in self.suffixes
            for k in range(3, len(folded) + 1)
        )


@dataclass(frozen=True)
class _AbuseLexicon:
    english: frozenset[str]  # lower-case token sequences joined by one space
    english_heads: frozenset[str]  # first tokens of multi-word entries
    max_words: int
    german: _Affixes
    german_allowed: _Affixes

    def english_match(self, words: list[str], i: int) -> int:
        """Number of tokens of the longest English entry starting at token i, else 0."""
        if words[i] in self.english_heads:
            for n in range(min(self.max_words, len(words) - i), 1, -1):
                if " ".join(words[i : i + n]) in self.english:
                    return n
        word = words[i]
        if word in self.english:
            return 1
        # Plurals not spelled out in the list: "tits", "wankers", "bitches".
        plural = len(word) > 3 and word.endswith("s")
        # "-es" only after a sibilant ("bitches"): "spaces" is not the plural of "spac".
        sibilant_es = word.endswith(("ches", "shes", "sses", "xes", "zes"))
        if plural and (word[:-1] in self.english or (sibilant_es and word[:-2] in self.english)):
            return 1
        return 0

    def german_match(self, word: str) -> bool:
        folded = _fold_de(word)
        return self.german.matches(folded) and not self.german_allowed.matches(folded)


@cache
def _abuse_lexicon() -> _AbuseLexicon:
    excluded = {_phrase_key(w) for w in _read_list("abuse_en_exclude.txt")}
    entries = _better_profanity_words() + _read_list("abuse_en_extra.txt")
    # Entries with wildcards or leetspeak symbols ("sh!t", "masterbat*") cannot match tokens.
    english = {
        key
        for entry in entries
        if re.fullmatch(r"[\w .'-]+", entry) and (key := _phrase_key(entry)) not in excluded
    }
    german = _read_list("abuse_de.txt")
    return _AbuseLexicon(
        english=frozenset(english),
        english_heads=frozenset(key.split(" ")[0] for key in english if " " in key),
        max_words=max(key.count(" ") + 1 for key in english),
        german=_Affixes.parse([e for e in german if not e.startswith("!")]),
        german_allowed=_Affixes.parse([e[1:] for e in german if e.startswith("!")]),
    )


# --- insults that need an addressee -----------------------------------------------------------

# "Ihr Betrüger", "you scammers", "seid Verbrecher", "is a crook", "bunch of thieves".
_ADDRESS = frozenset(
    {
        *("ihr", "du", "euch", "eure", "euer", "seid", "sind", "bist", "ist", "lauter"),
        *("you", "your", "ye", "yous", "re", "are", "is", "such"),
    }
)
# "vor Betrügern warnen", "über die Verbrecherbande", "about scammers", "the crook in the film".
_NAMING = frozenset(
    {
        *("vor", "über", "von", "gegen", "die", "der", "den", "dem", "des", "einem", "einen"),
        *("about", "against", "from", "the", "by", "for", "of"),
    }
)
_GROUPS = frozenset(
    {"bunch", "pack", "load", "lot", "gang", "band", "nothing", "nichts", "was", "haufen", "bande"}
)
_INTENSIFIERS = frozenset(
    {
        *("echte", "echter", "elende", "elender", "totale", "absolute", "verdammte", "miese"),
        *("nutzlose", "unfähige", "dumme", "blöde"),
        *("bloody", "absolute", "complete", "total", "utter", "damn", "such", "useless", "stupid"),
        "incompetent",
    }
)
_AFTER = frozenset({("seid", "ihr"), ("sind", "sie"), ("are", "you"), ("alle", "miteinander")})
_CLAUSE_PUNCT = re.compile(r"[,.;:!?()\n]")


@cache
def _addressed_lexicon() -> tuple[_Affixes, _Affixes]:
    entries = _read_list("abuse_addressed.txt")
    insults = _Affixes.parse([e for e in entries if not e.startswith("!")])
    allowed = _Affixes.parse([e[1:] for e in entries if e.startswith("!")])
    return insults, allowed


def _addressed(text: str, tokens: list[re.Match[str]], words: list[str], i: int) -> bool:
    """The word at i is aimed at someone: addressed, predicated, exclaimed or alone."""

    def boundary(a: int, b: int) -> bool:  # punctuation between tokens a and b
        return bool(_CLAUSE_PUNCT.search(text, tokens[a].end(), tokens[b].start()))

    before: list[str] = []
    j = i - 1
    while j >= 0 and len(before) < 3 and not boundary(j, j + 1):
        before.insert(0, words[j])
        j -= 1
    after: list[str] = []
    k = i + 1
    while k < len(words) and len(after) < 2 and not boundary(k - 1, k):
        after.append(words[k])
        k += 1
    if not [w for w in before if w not in _INTENSIFIERS] and not after:
        return True  # "Abzocker!", "Elende Abzocker!", "Verbrecherbande, gebt mir mein Geld"
    if tuple(after) in _AFTER or after[:2] == ["the", "lot"]:
        return True
    if before and before[-1] in _NAMING and not (len(before) > 1 and before[-2] in _GROUPS):
        return False
    return bool(_ADDRESS.intersection(before) or _GROUPS.intersection(before))


# "made me feel like an idiot", "I'm such an idiot", "ihr habt mich wie einen Idioten behandelt",
# "ich komme mir vor wie ein Trottel": the writer (or how they were treated) is the one named.
_SELF = frozenset({"i", "me", "myself", "ich", "mich", "mir"})
_ARTICLES = frozenset({"a", "an", "ein", "eine", "einen", "einem", "einer"})
_SELF_LINKS = _ARTICLES | frozenset(
    {
        "am", "m", "was", "felt", "feel", "feels", "look", "looked", "looks", "like", "such",
        "complete", "total", "absolute", "right", "real", "bit", "of", "made", "make", "makes",
        "treated", "treat", "bin", "war", "fühle", "fühlte", "komme", "kam", "vor", "wie",
        "richtig", "richtiger", "kompletter", "echter", "totaler", "mir",
    }
)  # fmt: skip


def _self_named(text: str, tokens: list[re.Match[str]], words: list[str], i: int) -> bool:
    """The writer calls themself names: the insult right after "ich" with only a space between
    ("Ich Trottel hab ..."), or a first-person phrase with an article before it in the same
    sentence ("I felt like an idiot"). The article keeps profanity that names nobody ("I was
    fucking furious") a flag."""
    if i > 0 and words[i - 1] == "ich":
        return not text[tokens[i - 1].end() : tokens[i].start()].strip()
    article = False
    for k in range(i - 1, max(i - 7, -1), -1):
        if re.search(r"[.!?;]", text[tokens[k].end() : tokens[k + 1].start()]):
            return False
        if words[k] in _SELF and article:
            return True
        if words[k] not in _SELF_LINKS:
            return False
        article = article or words[k] in _ARTICLES
    return False


# Censored profanity ("f***", "sh*t", "Sch***e"): letters, then asterisks standing for the
# hidden letters, maybe more letters. _WORD splits such a word at the asterisks, so the word
# lists never see it. Four characters at least: "A*" (a grade) and "a**" are left alone;
# gender stars ("Kund*innen") match no listed word.
_CENSORED = re.compile(r"(?<![\w*])[^\W\d_]+\*+(?:[^\W\d_]+\*+)*[^\W\d_]*(?![\w*])")
_CENSORED_MIN = 4


@cache
def _censorable_words() -> tuple[str, ...]:
    """Single listed words a censored word may stand for: the English list and every German
    stem (whole-word, prefix, suffix and infix entries) as a whole word, folded."""
    lexicon = _abuse_lexicon()
    german = lexicon.german
    words = {w for w in lexicon.english if " " not in w}
    words |= german.exact | german.prefixes | german.suffixes | set(german.infixes)
    return tuple(sorted(_fold_de(w) for w in words))


def _censored(word: str) -> bool:
    """A censored word whose visible letters fit a listed word, each run of asterisks standing
    for one or more letters."""
    if len(word) < _CENSORED_MIN:
        return False
    parts = re.split(r"\*+", _fold_de(word))
    pattern = re.compile(".+".join(re.escape(part) for part in parts))
    return any(pattern.fullmatch(candidate) for candidate in _censorable_words())


def _censored_flags(text: str) -> Iterator[Flag]:
    for match in _CENSORED.finditer(text):
        if _censored(match.group()):
            yield Flag(FlagType.ABUSE, match.group(), SEVERITY_ABUSE, match.start(), match.end())


def _abuse_flags(text: str) -> Iterator[Flag]:
    yield from _censored_flags(text)
    lexicon = _abuse_lexicon()
    insults, allowed = _addressed_lexicon()
    tokens = list(_WORD.finditer(text))
    words = [token.group().lower() for token in tokens]
    i = 0
    while i < len(tokens):
        n = lexicon.english_match(words, i) or int(lexicon.german_match(words[i]))
        if not n:
            folded = _fold_de(words[i])
            aimed = insults.matches(folded) and not allowed.matches(folded)
            n = int(aimed and _addressed(text, tokens, words, i))
        if n and _self_named(text, tokens, words, i):
            n = 0  # round 8: "Ich Trottel hab zweimal bestellt" names oneself, not the reader
        if n:
            start, end = tokens[i].start(), tokens[i + n - 1].end()
            yield Flag(FlagType.ABUSE, text[start:end], SEVERITY_ABUSE, start, end)
        i += max(n, 1)

"""Moderation flags (abuse, urgency/legal threat, churn, personal data) for German and English.

Word lists live in `data/flags/` (package data, so an installed wheel finds them); English
profanity comes from the maintained better-profanity list minus the entries in
`abuse_en_exclude.txt`. Every flag's reason is the matched span, so moderators see why.

Severity orders the moderation queue:
    3  abuse, legal or payment-dispute threat (URGENT)
    2  churn intent, personal data
    1  plain urgency (URGENT)
"""

import importlib.util
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from pathlib import Path

SEVERITY_ABUSE = 3
SEVERITY_THREAT = 3
SEVERITY_CHURN = 2
SEVERITY_PERSONAL_DATA = 2
SEVERITY_URGENT = 1


class FlagType(StrEnum):
    ABUSE = "abuse"
    URGENT = "urgent"
    CHURN = "churn"
    PERSONAL_DATA = "personal_data"


@dataclass(frozen=True)
class Flag:
    type: FlagType
    reason: str  # matched span as written; for personal_data the entity types, "email,phone"
    severity: int  # 1..3, see module docstring
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "type": self.type.value,
            "reason": self.reason,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
        }


# --- list loading -----------------------------------------------------------------------------

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_UMLAUT_PATTERNS = {"ä": "(?:ä|ae)", "ö": "(?:ö|oe)", "ü": "(?:ü|ue)", "ß": "(?:ß|ss)"}
_WORD = re.compile(r"[^\W_]+")


def _lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def _read_list(name: str) -> list[str]:
    resource = files(__package__).joinpath("data").joinpath("flags").joinpath(name)
    return list(_lines(resource.read_text("utf-8")))


def _fold_de(word: str) -> str:
    """Spelling-independent form: Scheiße, Scheisse and SCHEISSE all become `scheisse`."""
    return word.lower().translate(_UMLAUTS)


def _phrase_key(entry: str) -> str:
    """`ass-fucker` and `f.u.c.k` become the token sequences `ass fucker` and `f u c k`."""
    return " ".join(_WORD.findall(entry.lower()))


def _better_profanity_words() -> list[str]:
    # Located without importing: the package builds its slow censor on import.
    spec = importlib.util.find_spec("better_profanity")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("better-profanity is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "profanity_wordlist.txt"
    return list(_lines(path.read_text("utf-8")))


# --- abuse ------------------------------------------------------------------------------------


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
        if plural and (word[:-1] in self.english or word.removesuffix("es") in self.english):
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


def _abuse_flags(text: str) -> Iterator[Flag]:
    lexicon = _abuse_lexicon()
    tokens = list(_WORD.finditer(text))
    words = [token.group().lower() for token in tokens]
    i = 0
    while i < len(tokens):
        n = lexicon.english_match(words, i) or int(lexicon.german_match(words[i]))
        if n:
            start, end = tokens[i].start(), tokens[i + n - 1].end()
            yield Flag(FlagType.ABUSE, text[start:end], SEVERITY_ABUSE, start, end)
        i += max(n, 1)


# --- churn and urgency patterns ---------------------------------------------------------------


def _compile_patterns(name: str) -> re.Pattern[str]:
    """One alternation of the file's regexes; umlauts also match their ae/oe/ue/ss spelling."""
    patterns = ["".join(_UMLAUT_PATTERNS.get(ch, ch) for ch in line) for line in _read_list(name)]
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    return {name: _compile_patterns(f"{name}.txt") for name in ("churn", "threat", "urgent")}


_NEGATIONS = frozenset(
    {
        *("nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals"),
        *("not", "never", "no", "don't", "dont", "won't", "wont", "didn't", "didnt"),
        *("doesn't", "doesnt", "isn't", "wouldn't", "shouldn't", "haven't", "hasn't"),
    }
)
# "Ich kann nicht kündigen" / "can not cancel" complain that leaving is hard: still churn.
_INABILITY = frozenset(
    {"kann", "kannst", "können", "konnte", "konnten", "lässt", "laesst", "can", "could"}
)
_CLAUSE_END = re.compile(r"[.!?;:,\n]")
_NEGATION_WINDOW = 3


def _negated(text: str, start: int) -> bool:
    """A negation among the few words before `start`, within the same clause."""
    clause = _CLAUSE_END.split(text[max(0, start - 80) : start])[-1]
    words = re.findall(r"[\w']+", clause.lower().replace("’", "'"))
    negated = not _NEGATIONS.isdisjoint(words[-_NEGATION_WINDOW:])
    return negated and _INABILITY.isdisjoint(words)


def _pattern_flags(
    text: str, name: str, flag_type: FlagType, severity: int, *, check_negation: bool
) -> Iterator[Flag]:
    for match in _patterns()[name].finditer(text):
        if check_negation and _negated(text, match.start()):
            continue
        yield Flag(flag_type, match.group(), severity, match.start(), match.end())


# --- entry point ------------------------------------------------------------------------------


def detect_flags(text: str, pii_types: Sequence[str] = ()) -> list[Flag]:
    """Flags sorted by severity (desc) then position; one flag per (type, reason)."""
    candidates = [
        *_abuse_flags(text),
        *_pattern_flags(text, "threat", FlagType.URGENT, SEVERITY_THREAT, check_negation=False),
        *_pattern_flags(text, "churn", FlagType.CHURN, SEVERITY_CHURN, check_negation=True),
        *_pattern_flags(text, "urgent", FlagType.URGENT, SEVERITY_URGENT, check_negation=True),
    ]
    if pii_types:
        reason = ",".join(sorted(set(pii_types)))
        candidates.append(Flag(FlagType.PERSONAL_DATA, reason, SEVERITY_PERSONAL_DATA))
    candidates.sort(key=lambda f: (-f.severity, -1 if f.start is None else f.start))

    flags: list[Flag] = []
    seen: set[tuple[FlagType, str]] = set()
    spans: dict[FlagType, list[tuple[int, int]]] = {}
    for flag in candidates:
        key = (flag.type, flag.reason.casefold())
        if key in seen:
            continue
        if flag.start is not None and flag.end is not None:
            taken = spans.setdefault(flag.type, [])
            # A plain-urgency hit inside a legal threat adds nothing for the moderator.
            if any(flag.start < end and start < flag.end for start, end in taken):
                continue
            taken.append((flag.start, flag.end))
        seen.add(key)
        flags.append(flag)
    return flags

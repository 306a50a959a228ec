"""Moderation flags (abuse, legal threat, churn, urgency, personal data) for German and English.

Abuse stays lexical: maintained word lists in `data/flags/` (package data, so an installed wheel
finds them); English profanity comes from the maintained better-profanity list minus the entries
in `abuse_en_exclude.txt`; a few words are insults only when aimed at someone
(`abuse_addressed.txt`: "ihr Betrüger!", not "die Warnung vor Betrügern").

Legal, churn and urgent are decided in context, not by a word alone (`legal.txt`, `churn.txt`,
`urgent.txt`): keyword candidates, then a decision on the sentence around each candidate:
- a [strong] phrase ("see you in court", "ich kündige", "es riecht nach Gas") flags by itself;
- a [weak] trigger ("Anwalt", "cancel", "sofort") needs a context cue in its sentence
  (first-person intent, an escalation, a request for help, an ongoing outage);
- either is dropped by a [benign] cue in its sentence or a [benign-clause] cue in its clause
  (praise such as "kam sofort" or "kündigen war einfach", "mein Anwalt hat mir ... empfohlen",
  the resolved past) and by a negation among the few words before it in its clause
  ("kein Grund zu kündigen", "no urgent need"), except inability ("kann nicht kündigen").
Optionally (`context=FlagContext(...)`), logistic heads on the USE vector of each sentence add
legal/churn/urgent flags the rules missed (paraphrases without a trigger word, "Nach 15 Jahren
verabschiede ich mich"); they run only above a threshold chosen so that they keep false alarms
within target. Figures for both in models/flags/README.md.

Every flag's reason is the matched span, so moderators see why. Severity orders the queue:
    3  abuse, legal threat
    2  churn intent, personal data
    1  urgency (needs action now)
"""

import importlib.util
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np

from nlp_service.errors import ModelError

SEVERITY_ABUSE = 3
SEVERITY_LEGAL = 3
SEVERITY_CHURN = 2
SEVERITY_PERSONAL_DATA = 2
SEVERITY_URGENT = 1


class FlagType(StrEnum):
    ABUSE = "abuse"
    LEGAL = "legal"
    CHURN = "churn"
    URGENT = "urgent"
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


def has_abuse(flags: Iterable[Flag | Mapping[str, object]]) -> bool:
    """True when any flag is abuse; takes Flag objects or their `to_dict()` form."""
    return any(
        (f.type if isinstance(f, Flag) else f.get("type")) == FlagType.ABUSE.value for f in flags
    )


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


def _abuse_flags(text: str) -> Iterator[Flag]:
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
        if n:
            start, end = tokens[i].start(), tokens[i + n - 1].end()
            yield Flag(FlagType.ABUSE, text[start:end], SEVERITY_ABUSE, start, end)
        i += max(n, 1)


# --- context rules: legal, churn, urgent ------------------------------------------------------

_SECTIONS = ("strong", "weak", "context", "benign", "benign-clause")
_NEVER = re.compile(r"(?!)")  # matches nothing: a rule file without triggers


@dataclass(frozen=True)
class _Trigger:
    pattern: re.Pattern[str]
    strong: bool
    negatable: bool  # False for patterns that carry their own negation ("bestelle nicht mehr")
    context: re.Pattern[str] | None  # a weak trigger's own cues (`trigger => cues`)


@dataclass(frozen=True)
class _ContextRules:
    flag_type: FlagType
    severity: int
    triggers: tuple[_Trigger, ...]
    any_trigger: re.Pattern[str]  # all triggers at once: most sentences have none
    context: re.Pattern[str] | None
    benign: re.Pattern[str] | None
    benign_clause: re.Pattern[str] | None


def _regex(lines: Sequence[str]) -> re.Pattern[str] | None:
    """One alternation of whole-word regexes; umlauts also match their ae/oe/ue/ss spelling."""
    if not lines:
        return None
    patterns = ["".join(_UMLAUT_PATTERNS.get(ch, ch) for ch in line) for line in lines]
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)


def _parse_rules(name: str, flag_type: FlagType, severity: int) -> _ContextRules:
    sections: dict[str, list[str]] = {key: [] for key in _SECTIONS}
    current = None
    for line in _read_list(name):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            if current not in sections:
                raise ValueError(f"{name}: unknown section {line}")
            continue
        if current is None:
            raise ValueError(f"{name}: rule before the first [section]: {line}")
        sections[current].append(line)
    triggers = []
    trigger_lines = []
    for section in ("strong", "weak"):
        for line in sections[section]:
            negatable = not line.startswith("~")
            trigger, _, cues = line.removeprefix("~").partition(" => ")
            trigger_lines.append(trigger.strip())
            pattern = _regex([trigger.strip()]) or _NEVER
            own = _regex([cues.strip()]) if cues.strip() else None
            triggers.append(_Trigger(pattern, section == "strong", negatable, own))
    return _ContextRules(
        flag_type,
        severity,
        tuple(triggers),
        _regex(trigger_lines) or _NEVER,
        _regex(sections["context"]),
        _regex(sections["benign"]),
        _regex(sections["benign-clause"]),
    )


@cache
def _context_rules() -> tuple[_ContextRules, ...]:
    return (
        _parse_rules("legal.txt", FlagType.LEGAL, SEVERITY_LEGAL),
        _parse_rules("churn.txt", FlagType.CHURN, SEVERITY_CHURN),
        _parse_rules("urgent.txt", FlagType.URGENT, SEVERITY_URGENT),
    )


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*|[.!?]+")
# Clause ends for negation scope and [benign-clause]: punctuation and contrastive conjunctions.
_CLAUSE = re.compile(
    r"[,;:()\u2013\u2014]| - |(?<!\w)(?:aber|but|doch|jedoch|sondern|obwohl|although|though)(?!\w)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[\w'’]+")
_NEGATIONS = frozenset(
    {
        *("nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals"),
        *("nichts", "no", "not", "never", "nothing", "none", "nobody", "nor", "without"),
        *("don't", "dont", "won't", "wont", "didn't", "didnt", "doesn't", "doesnt", "isn't"),
        *("wasn't", "aren't", "weren't", "wouldn't", "shouldn't", "haven't", "hasn't"),
    }
)
# "Ich kann meinen Vertrag nicht kündigen" / "can't cancel" complain that leaving is hard.
_INABILITY = frozenset(
    {"kann", "kannst", "können", "konnte", "konnten", "lässt", "can", "can't", "cannot", "could"}
)
_NEGATION_WINDOW = 5
_POST_NEGATIONS = frozenset({"nicht", "nie", "niemals"})  # "Ich kündige nicht."


def _clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    left, right = 0, len(sentence)
    for cut in _CLAUSE.finditer(sentence):
        if cut.end() <= start:
            left = cut.end()
        elif cut.start() >= end:
            right = cut.start()
            break
    return left, right


def _negated(clause_before: str, clause_after: str, trigger: str) -> bool:
    """A negation among the words just before the trigger's last word (the trigger included,
    so "werde nicht kündigen" counts), or "nicht" right after it, unless it is inability."""
    words = [w.replace("’", "'") for w in _TOKEN.findall((clause_before + trigger).lower())]
    window = words[:-1][-_NEGATION_WINDOW:]
    following = _TOKEN.findall(clause_after.lower())[:1]
    negated = not _NEGATIONS.isdisjoint(window) or not _POST_NEGATIONS.isdisjoint(following)
    return negated and _INABILITY.isdisjoint(window)


def _context_flags(text: str, rules: _ContextRules) -> Iterator[Flag]:
    for sentence_match in _SENTENCE.finditer(text):
        sentence, offset = sentence_match.group(), sentence_match.start()
        if not rules.any_trigger.search(sentence):
            continue
        if rules.benign is not None and rules.benign.search(sentence):
            continue
        for trigger in rules.triggers:
            for match in trigger.pattern.finditer(sentence):
                if not match.group().strip():
                    continue
                left, right = _clause_bounds(sentence, match.start(), match.end())
                clause = sentence[left:right]
                if rules.benign_clause is not None and rules.benign_clause.search(clause):
                    continue
                if trigger.negatable and _negated(
                    sentence[left : match.start()], sentence[match.end() : right], match.group()
                ):
                    continue
                if not trigger.strong:
                    cues = trigger.context or rules.context
                    if cues is None or not cues.search(sentence):
                        continue
                start, end = offset + match.start(), offset + match.end()
                yield Flag(rules.flag_type, text[start:end], rules.severity, start, end)


# --- optional context heads: paraphrases the rules miss ----------------------------------------

HEADS_FILE = "heads.npz"
HEADS_CARD = "card.json"


@dataclass(frozen=True)
class ContextHeads:
    """One logistic head per context-decided type on a sentence embedding (trained by
    `training/flags.py train`); a sentence is flagged when its probability reaches the type's
    threshold (`thresholds`, one per type; older cards have one `threshold` for all types)."""

    types: tuple[FlagType, ...]
    coef: np.ndarray  # (len(types), dim)
    intercept: np.ndarray  # (len(types),)
    threshold: float  # the lowest of `thresholds` (the single threshold of older cards)
    embedder_id: str
    version: str
    thresholds: tuple[float, ...] = ()  # per type, in the order of `types`; empty: `threshold`

    def __post_init__(self) -> None:
        if self.thresholds and len(self.thresholds) != len(self.types):
            raise ModelError(f"flag heads {self.version}: one threshold per type expected")

    def threshold_for(self, index: int) -> float:
        return self.thresholds[index] if self.thresholds else self.threshold

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(sentences, types) probabilities for L2-normalised sentence vectors."""
        z = np.asarray(vectors, dtype=np.float64) @ self.coef.T + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, folder: Path, card: Mapping[str, object]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / HEADS_FILE, coef=self.coef, intercept=self.intercept)
        meta = {
            **card,
            "types": [t.value for t in self.types],
            "threshold": self.threshold,
            "embedder_id": self.embedder_id,
            "version": self.version,
        }
        if self.thresholds:
            meta["thresholds"] = {
                t.value: tau for t, tau in zip(self.types, self.thresholds, strict=True)
            }
        (folder / HEADS_CARD).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> "ContextHeads":
        try:
            meta = json.loads((folder / HEADS_CARD).read_text("utf-8"))
            with np.load(folder / HEADS_FILE) as arrays:
                coef, intercept = arrays["coef"], arrays["intercept"]
            types = tuple(FlagType(t) for t in meta["types"])
            per_type = meta.get("thresholds") or {}
            thresholds = tuple(float(per_type[t.value]) for t in types) if per_type else ()
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ModelError(f"cannot load flag context heads from {folder}: {exc}") from exc
        if coef.shape[0] != len(types) or intercept.shape != (len(types),):
            raise ModelError(f"flag context heads in {folder} do not match their card")
        return cls(
            types,
            coef,
            intercept,
            float(meta["threshold"]),
            meta["embedder_id"],
            meta["version"],
            thresholds,
        )


def resolve_heads_folder(models_dir: Path, version: str = "latest") -> Path:
    """`latest` is the newest folder under models/flags with a heads card."""
    root = models_dir / "flags"
    if version != "latest":
        return root / version
    cards = sorted(
        (json.loads(card.read_text("utf-8")).get("created", ""), card.parent)
        for card in root.glob(f"*/{HEADS_CARD}")
    )
    if not cards:
        raise ModelError(
            f"no flag context heads under {root}; run `python -m training.flags train`"
        )
    return cards[-1][1]


@dataclass(frozen=True)
class FlagContext:
    """What `detect_flags` needs for the heads: the heads and the encoder they were trained on."""

    heads: ContextHeads
    encode: Callable[[Sequence[str]], np.ndarray]


def _head_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def head_sentences(text: str) -> list[str]:
    """The sentences the context heads read (stripped, as in training): a caller that encodes
    many texts at once can encode these with them instead of one encoder call per text."""
    return [text[a:b].strip() for a, b in _head_spans(text)]


def _head_flags(text: str, found: Sequence[Flag], context: FlagContext) -> Iterator[Flag]:
    spans = _head_spans(text)
    if not spans:
        return
    sentences = [text[a:b].strip() for a, b in spans]
    probabilities = context.heads.probabilities(context.encode(sentences))
    severities = {rules.flag_type: rules.severity for rules in _context_rules()}
    for (start, end), row in zip(spans, probabilities, strict=True):
        # Trim the sentence span to its text, so the reason is the sentence as written.
        while start < end and text[start].isspace():
            start += 1
        for index, (flag_type, probability) in enumerate(
            zip(context.heads.types, row, strict=True)
        ):
            if probability < context.heads.threshold_for(index):
                continue
            # The rules' precise span is the better reason; the head only adds what they missed.
            if any(
                f.type == flag_type
                and f.start is not None
                and f.start < end
                and start < (f.end or 0)
                for f in found
            ):
                continue
            yield Flag(flag_type, text[start:end].strip(), severities[flag_type], start, end)


# --- entry point ------------------------------------------------------------------------------


def detect_flags(
    text: str, pii_types: Sequence[str] = (), context: FlagContext | None = None
) -> list[Flag]:
    """Flags sorted by severity (desc) then position; one flag per (type, reason) and no two
    overlapping spans of one type (a strong phrase wins over the trigger word inside it).
    With `context`, the heads add sentence-level legal/churn/urgent flags the rules missed."""
    candidates = [*_abuse_flags(text)]
    for rules in _context_rules():
        candidates.extend(_context_flags(text, rules))
    if context is not None and text.strip():
        candidates.extend(_head_flags(text, candidates, context))
    if pii_types:
        reason = ",".join(sorted(set(pii_types)))
        candidates.append(Flag(FlagType.PERSONAL_DATA, reason, SEVERITY_PERSONAL_DATA))
    # Longer spans first at equal position, so "kündigen Sie meinen Vertrag" beats "kündigen".
    candidates.sort(
        key=lambda f: (
            -f.severity,
            -1 if f.start is None else f.start,
            0 if f.end is None or f.start is None else f.start - f.end,
        )
    )

    flags: list[Flag] = []
    seen: set[tuple[FlagType, str]] = set()
    spans: dict[FlagType, list[tuple[int, int]]] = {}
    for flag in candidates:
        key = (flag.type, flag.reason.casefold())
        if flag.start is not None and flag.end is not None:
            taken = spans.setdefault(flag.type, [])
            if any(flag.start < end and start < flag.end for start, end in taken):
                continue
            # A repeated reason is dropped but keeps its span, so the words inside it do not
            # come back as flags of their own ("Ich kündige, ich kündige").
            taken.append((flag.start, flag.end))
        if key in seen:
            continue
        seen.add(key)
        flags.append(flag)
    return flags

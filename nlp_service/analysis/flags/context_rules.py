"""Legal, churn and urgent by rule: keyword candidates decided on their sentence (strong phrases,
weak triggers with context cues, benign cues and negation); see the rule files' headers."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from nlp_service.analysis.flags.flag import (
    SEVERITY_CHURN,
    SEVERITY_LEGAL,
    SEVERITY_URGENT,
    Flag,
    FlagType,
)
from nlp_service.analysis.flags.lists import _read_list, _regex

_SECTIONS = ("strong", "weak", "context", "benign", "benign-clause", "candidate")
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
    # Round 7: words that never flag by themselves but let the context heads decide a unit at
    # their candidate threshold (`_candidate_starts`); None in a file without [candidate].
    candidates: re.Pattern[str] | None = None


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
        _regex(sections["candidate"]),
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


# A negation after one of these (with more than a word before the trigger) is the condition's,
# not the threat's: "If this isn't fixed by Friday my lawyer will be in touch".
_CONDITIONALS = frozenset({"if", "unless", "wenn", "falls", "sofern", "sollte", "sollten"})


def _negated(clause_before: str, clause_after: str, trigger: str) -> bool:
    """A negation among the words just before the trigger's last word (the trigger included,
    so "werde nicht kündigen" counts), or "nicht" right after it, unless it is inability or
    belongs to a condition the threat depends on (see `_CONDITIONALS`)."""
    words = [w.replace("’", "'") for w in _TOKEN.findall((clause_before + trigger).lower())]
    conditional = next((i for i, w in enumerate(words) if w in _CONDITIONALS), None)
    if conditional is not None:
        # Words of the condition two or more words before the trigger's last word are dropped;
        # "If I don't cancel" (the negation right at the trigger) stays negated.
        words = words[:conditional] + words[max(conditional, len(words) - 2) :]
    window = words[:-1][-_NEGATION_WINDOW:]
    following = _TOKEN.findall(clause_after.lower())[:1]
    negated = not _NEGATIONS.isdisjoint(window) or not _POST_NEGATIONS.isdisjoint(following)
    return negated and _INABILITY.isdisjoint(window)


@dataclass(frozen=True)
class RuleFlag:
    """A rule's flag and whether a [strong] phrase raised it (a weak trigger needed a cue);
    the context heads may veto weak ones (`heads.py`)."""

    flag: Flag
    strong: bool


def _candidate_starts(text: str, rules: _ContextRules) -> list[int]:
    """Where the heads may decide a unit at their candidate threshold (round 7): the start of
    every [candidate] word and every trigger (also one without its cue, or negated: the heads
    read the negation), except in a sentence with a [benign] cue or a clause with a
    [benign-clause] cue."""
    starts: list[int] = []
    for sentence_match in _SENTENCE.finditer(text):
        sentence, offset = sentence_match.group(), sentence_match.start()
        if rules.benign is not None and rules.benign.search(sentence):
            continue
        for pattern in (rules.candidates, rules.any_trigger):
            if pattern is None:
                continue
            for match in pattern.finditer(sentence):
                if not match.group().strip():
                    continue
                left, right = _clause_bounds(sentence, match.start(), match.end())
                if rules.benign_clause is not None and rules.benign_clause.search(
                    sentence[left:right]
                ):
                    continue
                starts.append(offset + match.start())
    return sorted(set(starts))


def _context_flags(text: str, rules: _ContextRules) -> Iterator[Flag]:
    for found in _context_candidates(text, rules):
        yield found.flag


def _context_candidates(text: str, rules: _ContextRules) -> Iterator[RuleFlag]:
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
                flag = Flag(rules.flag_type, text[start:end], rules.severity, start, end)
                yield RuleFlag(flag, trigger.strong)

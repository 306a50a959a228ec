"""The clause context of a lexicon hit (analysis/lexicon.py): clause bounds, the token tests
the rules ask (counterfactual, comparison with the past or a rival, comparative, a reported
solution), and the passes over a segment's hits that v7/v8 apply after matching (adversative
turn, rival praise, waiting time judged) and v7's fact rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlp_service.analysis.lexicon_entries import BREAK, Lexicon
from nlp_service.analysis.lexicon_rules import (
    ADVERSATIVE_BEFORE,
    ADVERSATIVE_FLIP,
    ADVERSATIVES,
    AUX_EN,
    COMPARATIVE_ENDINGS,
    COMPARATIVE_WORDS,
    COUNTERFACTUAL_FACTOR,
    DECLINE_VALUE,
    DURABLE_RE,
    DURABLE_VALUE,
    FINAL_INFINITIVES_DE,
    LASSEN,
    MODALS_DE,
    MODALS_EN,
    NEGATORS,
    NOT_EVEN,
    NOT_EVEN_VALUE,
    NOW_OR_THAN,
    PAST_OR_RIVAL,
    REGRET,
    RESOLVED,
    SHORT_WAIT_VALUE,
    SHORT_WORDS,
    TOO_ADJECTIVES,
    WAITING,
    RuleSet,
)


@dataclass(frozen=True)
class Hit:
    start: int  # token index
    end: int
    value: float  # after negation and intensifier


def is_too_adjective(token: str) -> bool:
    return token in TOO_ADJECTIVES or any(
        token.endswith(e) and token[: -len(e)] in TOO_ADJECTIVES for e in ("e", "en", "er", "es")
    )


def waiting_judged(toks: Sequence[str], hits: list[Hit]) -> list[Hit]:
    out = []
    for h in hits:
        if h.end - h.start == 1 and toks[h.start].startswith(WAITING) and h.value < 0:
            start, stop = clause(toks, h.start)
            if any(t in SHORT_WORDS for t in toks[start:stop]):
                h = Hit(h.start, h.end, SHORT_WAIT_VALUE)
            elif any(o.value > 0 and start <= o.start < stop for o in hits):
                h = Hit(h.start, h.end, 0.0)
        out.append(h)
    return out


def rival_praise(toks: Sequence[str], hits: list[Hit]) -> list[Hit]:
    """v7: praise in a clause about the past or a competitor ("beim alten Anbieter lief es
    stabil") next to a complaint in another clause is a complaint about the present."""
    out = []
    for h in hits:
        start, stop = clause(toks, h.start)
        if (
            h.value > 0
            and compares_with_past_or_rival(toks[start:stop])
            and any(o.value < 0 and not start <= o.start < stop for o in hits)
        ):
            h = Hit(h.start, h.end, -h.value * COUNTERFACTUAL_FACTOR)
        out.append(h)
    return out


def adversative(toks: Sequence[str], hits: list[Hit]) -> list[Hit]:
    """v7: after the last adversative word inside the segment (not its first word, with words
    after it) the evaluation turns: hits before it count ADVERSATIVE_BEFORE of their value when
    hits follow it, and -ADVERSATIVE_FLIP of it when none does ("sieht schön aus, drückt aber
    nach zehn Minuten")."""
    marks = [
        k
        for k in range(1, len(toks) - 1)
        if toks[k] in ADVERSATIVES and toks[k + 1] != BREAK and toks[k] != "though"
    ]
    if not marks:
        return hits
    k = marks[-1]
    if any(h.start > k and h.value != 0.0 for h in hits):
        factor = ADVERSATIVE_BEFORE
    else:
        factor = -ADVERSATIVE_FLIP
    return [Hit(h.start, h.end, h.value * factor) if h.end <= k else h for h in hits]


def clause(toks: Sequence[str], i: int) -> tuple[int, int]:
    """[start, stop) of the clause holding token i (between BREAK tokens)."""
    start = i
    while start > 0 and toks[start - 1] != BREAK:
        start -= 1
    stop = i
    while stop < len(toks) and toks[stop] != BREAK:
        stop += 1
    return start, stop


def is_counterfactual(toks: Sequence[str]) -> bool:
    for k, t in enumerate(toks):
        if t in MODALS_DE and k < len(toks) - 1:
            stop = clause(toks, k)[1]
            if toks[stop - 1] in FINAL_INFINITIVES_DE and stop - 1 > k:
                return True
        if t in MODALS_EN and any(a in AUX_EN for a in toks[k + 1 : k + 4]):
            return True
    return False


def compares_with_past_or_rival(toks: Sequence[str]) -> bool:
    return any(t in PAST_OR_RIVAL for t in toks) and not any(t in NOW_OR_THAN for t in toks)


def is_comparative(lexicons: Sequence[Lexicon], token: str) -> bool:
    """ "besser", "schneller" (schnell + er), "übersichtlicher", "schlimmer", "cheaper": a
    comparative of a lexicon word."""
    if token in COMPARATIVE_WORDS:
        return True
    for end in COMPARATIVE_ENDINGS:
        if token.endswith(end) and len(token) - len(end) >= 3:
            base = token[: -len(end)]
            if any(lex.words.get(base) for lex in lexicons):
                return True
    return False


def self_negating(phrase: Sequence[str], negators: frozenset[str] = NEGATORS) -> bool:
    """A phrase that already contains its negation ("nicht zu empfehlen") is not flipped by a
    negator before it ("leider nicht zu empfehlen")."""
    return any(t in negators for t in phrase)


def reports_a_solution(toks: Sequence[str], ignore: frozenset[str] = frozenset()) -> bool:
    return any(t in RESOLVED for t in toks) and not any(
        t in NEGATORS and t not in ignore for t in toks
    )


def fact_values(
    ctoks: Sequence[str], hits: Sequence[Hit], values: Sequence[float], rules: RuleSet
) -> list[float]:
    """v7's fact rules on the clause tokens: a missing minimum ("nicht mal eine Antwort"), the
    separable "lässt ... nach", durability ("hält seit drei Monaten")."""
    out: list[float] = []
    if rules.not_even:
        for j in range(len(ctoks)):
            pair = (ctoks[j], ctoks[j + 1] if j + 1 < len(ctoks) else "")
            if pair in NOT_EVEN:
                stop = clause(ctoks, j)[1]
                if not any(j < h.start < stop for h in hits):
                    out.append(NOT_EVEN_VALUE)
                    break
    if rules.decline:
        for j, t in enumerate(ctoks):
            if t in LASSEN:
                start, stop = clause(ctoks, j)
                # a bad thing declining ("die Schmerzen lassen nach") is no complaint
                bad = any(
                    h.value < 0 and start <= h.start < stop and ctoks[h.start] not in REGRET
                    for h in hits
                )
                if stop - 1 > j and ctoks[stop - 1] == "nach" and not bad:
                    out.append(DECLINE_VALUE)
                    break
    if (
        rules.durable
        and DURABLE_RE.search(" ".join(t for t in ctoks if t != BREAK))
        and not any(v < 0 for v in values)
        and not any(t in NEGATORS for t in ctoks)
    ):
        out.append(DURABLE_VALUE)
    return out

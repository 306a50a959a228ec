"""A project-written evaluative lexicon (German and English) scoring a segment: the sentiment
lexicon layer, versions 5 to 8 (README "Sentiment v5" to "Sentiment v8"), scored here - each
version a frozen `RuleSet` in `lexicon_rules.RULE_SETS` (v5 also reads its own frozen entry
files, data/sentiment/v5/), so a model keeps the layer its card names.

A frozen sentence encoder reads single evaluative words and short complaint facts poorly
("Miserabel" +0.30, "Ausbaufähig." +0.72, "Naht ist nach zwei Wochen gerissen" +0.14: v4 error
analysis). The lexicon (analysis/data/sentiment/lexicon_{de,en}.txt, written by the project from
general knowledge of feedback language, not from any evaluation set) scores the evaluative words
and phrases of a segment; `lexicon_blend.blend` mixes that score with the head's, the lexicon
counting most in very short segments and little in long ones.

Lexicon files, entry syntax and matching: analysis/lexicon_entries.py. The rule tables (word
lists, factors, the `RuleSet` of each version): analysis/lexicon_rules.py. A hit's clause context
and the passes over a segment's hits: analysis/lexicon_context.py.

Per hit: a negator among the NEGATION_WINDOW words before it flips it (a denied negative counts
NEGATED_NEGATIVE_FACTOR of its strength as positive - "nicht schlecht" is mildly positive - and
a denied positive NEGATED_POSITIVE_FACTOR as negative - "nicht gut"); an intensifier right
before it multiplies it by INTENSIFIER_FACTOR. A segment's lexicon score is the clipped sum of
its hits. Segments with neither German nor English signal words are read with the German
lexicon plus the English one without its German homographs ("Bad", "Kind", "hell", "Gift").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp_service.analysis.lexicon_context import (
    Hit,
    adversative,
    clause,
    compares_with_past_or_rival,
    fact_values,
    is_comparative,
    is_counterfactual,
    is_too_adjective,
    reports_a_solution,
    rival_praise,
    self_negating,
    waiting_judged,
)
from nlp_service.analysis.lexicon_entries import (
    BREAK,
    Lexicon,
    clause_tokens,
    guess_language,
    lexicon,
    phrase_at,
    tokens,
)
from nlp_service.analysis.lexicon_rules import (
    AGAIN,
    AS_EVER,
    COUNTERFACTUAL_FACTOR,
    COUNTERFACTUAL_MIN,
    DIALECT_AMBIGUOUS,
    DONE,
    FINAL_NEGATORS,
    FINAL_NEGATORS_V5,
    FINAL_NEVER,
    FINAL_NOT_NEGATING,
    INTENSIFIER_FACTOR,
    INTENSIFIERS,
    INTENSIFIERS_V5,
    IRONY_OPENERS,
    MODALS_DE,
    MODALS_EN,
    NEGATED_NEGATIVE_FACTOR,
    NEGATED_POSITIVE_FACTOR,
    NEGATION_WINDOW,
    NEGATORS,
    NEGATORS_V5,
    NULL_NEGATORS,
    QUICK_RE,
    QUICK_VALUE,
    REGRET,
    RESOLVED_MAX,
    RESOLVED_VALUE,
    RULE_SETS,
    SHORT_NEGATION_WINDOW,
    SHORT_NEGATORS,
    SLOW,
    TOO_MAX_WORDS,
    TOO_VALUE,
    V8_FINAL_NEGATORS,
    V8_NEGATORS,
    RuleSet,
)


def _hits_with(
    lexicons: Sequence[Lexicon], toks: Sequence[str], rules: RuleSet = RULE_SETS[6]
) -> list[Hit]:
    hits: list[Hit] = []
    counterfactual = rules.counterfactual and is_counterfactual(toks)
    past_or_rival = rules.past_or_rival and compares_with_past_or_rival(toks)
    base = NEGATORS if rules.colloquial_negators else NEGATORS_V5
    negators = base | NULL_NEGATORS if rules.null_negators else base
    final_negators = FINAL_NEGATORS if rules.colloquial_negators else FINAL_NEGATORS_V5
    if rules.final_never:
        final_negators = final_negators | FINAL_NEVER
    if rules.dialect_negators:
        negators = negators | V8_NEGATORS
        final_negators = final_negators | V8_FINAL_NEGATORS
    intensifiers = INTENSIFIERS if rules.folded else INTENSIFIERS_V5
    i = 0
    while i < len(toks):
        found: tuple[int, float] | None = None
        for lex in lexicons:
            found = phrase_at(lex, toks, i)
            if found:
                break
        if found is None:
            for lex in lexicons:
                value = lex.word_value(toks[i])
                if value is not None:
                    found = (1, value)
                    break
        if (
            found is None
            and rules.too_fragment
            and toks[i] == "zu"
            and i + 1 < len(toks)
            and is_too_adjective(toks[i + 1])
            and sum(t != BREAK for t in toks) <= TOO_MAX_WORDS
        ):
            found = (2, TOO_VALUE)
        if found is None:
            i += 1
            continue
        n, value = found
        start, stop = clause(toks, i)
        before = range(max(start, i - NEGATION_WINDOW), i)
        negated = any(
            toks[k] in negators
            and (toks[k] not in SHORT_NEGATORS or i - k <= SHORT_NEGATION_WINDOW)
            for k in before
        ) or (
            i + n < stop
            and toks[stop - 1] in final_negators
            and not (rules.only_x and stop - start > 1 and toks[stop - 2] in FINAL_NOT_NEGATING)
            and not (
                toks[stop - 1] in FINAL_NEVER and stop - start > 1 and toks[stop - 2] in AS_EVER
            )
        )
        if i > 0 and toks[i - 1] in intensifiers:
            value = float(np.clip(value * INTENSIFIER_FACTOR, -1.0, 1.0))
        phrase = toks[i : i + n]
        own_modal = any(t in MODALS_DE or t in MODALS_EN for t in phrase)
        if rules.clause_counterfactual:
            counterfactual = is_counterfactual(toks[start:stop])
        if (
            counterfactual
            and not own_modal
            and not self_negating(phrase, negators)
            and (value > 0 or (n == 1 and is_comparative(lexicons, toks[i])))
        ):
            # positive hits and negative comparatives only: "Die Wartezeit könnte kürzer sein"
            # still complains about the Wartezeit
            # negation and counterfactual cancel ("Hätte nicht besser laufen können")
            denied = any(t in negators for t in toks[start:stop])
            value = float(np.sign(value)) * max(abs(value), COUNTERFACTUAL_MIN)
            value = value if denied else -value
        elif (
            negated
            and not self_negating(phrase, negators)
            and not (rules.keep_regret and n == 1 and toks[i] in REGRET)
        ):
            value = -value * (NEGATED_NEGATIVE_FACTOR if value < 0 else NEGATED_POSITIVE_FACTOR)
        if (
            rules.irony
            and value > 0
            and i == 0
            and n == 1
            and toks[i] in IRONY_OPENERS
            and len(toks) > 2
            and toks[1] == BREAK
            and _complains_after(lexicons, toks, 2, rules)
        ) or (rules.irony_intensified and value > 0 and _ironic_v8(lexicons, toks, i, n, rules)):
            value = -value
        elif (
            value > 0
            and rules.past_or_rival
            and (
                compares_with_past_or_rival(toks[start:stop])
                if rules.rival_clause
                else past_or_rival
            )
            and n == 1
            and (is_comparative(lexicons, toks[i]) or (i > 0 and toks[i - 1] == "noch"))
        ):
            value = -value * COUNTERFACTUAL_FACTOR
        hits.append(Hit(i, i + n, value))
        i += n
    if rules.rival_clause:
        hits = rival_praise(toks, hits)
    if rules.adversative:
        hits = adversative(toks, hits)
    if rules.waiting_judged:
        hits = waiting_judged(toks, hits)
    if rules.intensifier_only:
        # an intensifier that is a praise word too ("mega", "super") right before another hit
        # only intensifies it ("mega umständlich", "super langsam")
        starts = {h.start for h in hits}
        hits = [
            h
            for h in hits
            if not (h.end - h.start == 1 and toks[h.start] in INTENSIFIERS and h.end in starts)
        ]
    return hits


def _ironic_v8(
    lexicons: Sequence[Lexicon], toks: Sequence[str], i: int, n: int, rules: RuleSet
) -> bool:
    """v8: an ironic opener after an intensifier or before "gemacht" ("Echt super, ...", "Toll
    gemacht, ...") followed by a complaint."""
    if n != 1 or toks[i] not in IRONY_OPENERS:
        return False
    lead = i == 1 and toks[0] in INTENSIFIERS
    if not (lead or i == 0):
        return False
    k = i + 1
    if k < len(toks) and toks[k] in DONE:
        k += 1
    if not lead and k == i + 1:  # the bare opener: v6's rule
        return False
    return k + 1 < len(toks) and toks[k] == BREAK and _complains_after(lexicons, toks, k + 1, rules)


def _complains_after(
    lexicons: Sequence[Lexicon], toks: Sequence[str], k: int, rules: RuleSet = RULE_SETS[6]
) -> bool:
    rest = toks[k:]
    if any(tuple(rest[j : j + 2]) in AGAIN for j in range(len(rest) - 1)):
        return True
    rest_hits = _hits_with(lexicons, rest, rules)
    if any(h.value < 0 for h in rest_hits):
        return True
    # v7: "Super, jetzt zahle ich für etwas, das ich nie bestellt habe": a denial without praise
    return rules.irony_denial and (
        any(t in NEGATORS for t in rest) and not any(h.value > 0 for h in rest_hits)
    )


def lexicon_hits(text: str, version: int = 6) -> list[Hit]:
    """The hits of `text` under layer `version` (5, 6 or 7); start/end index its clause tokens
    (words and BREAKs; v5: words only)."""
    rules = RULE_SETS[version]
    toks = clause_tokens(text) if rules.clauses else tokens(text, rules.folded)
    # v8: "des" is Bavarian/colloquial "das" in short answers ("des passt"), not French; "is"
    # and "a" are dialect "ist" and "ein" ("is a Witz"), so they alone make no answer English
    signal = [t for t in toks if t not in DIALECT_AMBIGUOUS] if rules.dialect_des else toks
    lang = guess_language(signal, v5=version == 5)
    if lang == "en":
        lexicons = [lexicon("en", version)]
    elif lang == "de":
        lexicons = [lexicon("de", version)]
    elif lang is None:
        lexicons = [lexicon("de", version), lexicon("en-safe", version)]
    else:
        return []
    return _hits_with(lexicons, toks, rules)


def lexicon_score(text: str, version: int = 6) -> tuple[float | None, int]:
    """(clipped sum of the hits or None without any hit, number of words) under layer
    `version` (5, 6 or 7)."""
    rules = RULE_SETS[version]
    toks = tokens(text, rules.folded)
    hits = [h for h in lexicon_hits(text, version) if h.value != 0.0]  # 0: a blocker
    values = [h.value for h in hits]
    solved = rules.resolved and bool(hits) and reports_a_solution(toks)
    if rules.resolved_praise:
        solved = reports_a_solution(toks, ignore=SHORT_NEGATORS)
    if solved:
        values = [v for v in values if v > 0 or v < -RESOLVED_MAX]
        if rules.resolved_praise and not values:  # no praise word of its own ("behoben")
            values.append(RESOLVED_VALUE)
    if guess_language(toks) in ("de", "en", None) and rules.version >= 7:
        values += fact_values(clause_tokens(text), hits, values, rules)
    if (
        rules.quick
        and QUICK_RE.search(text)
        and not any(v < 0 for v in values)  # "nach einer Stunde leer" is no praise
        and not any(t in SLOW for t in toks)
        and guess_language(toks) in ("de", "en", None)
    ):
        values.append(QUICK_VALUE)
    if not values:
        return None, len(toks)
    return float(np.clip(sum(values), -1.0, 1.0)), len(toks)

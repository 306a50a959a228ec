"""A project-written evaluative lexicon (German and English) scoring a segment: the sentiment
lexicon layer, versions 5 to 8 (README "Sentiment v5" to "Sentiment v8") in one module - each
version a frozen `RuleSet` in `RULE_SETS` (v5 also reads its own frozen entry files,
data/sentiment/v5/), so a model keeps the layer its card names.

A frozen sentence encoder reads single evaluative words and short complaint facts poorly
("Miserabel" +0.30, "Ausbaufähig." +0.72, "Naht ist nach zwei Wochen gerissen" +0.14: v4 error
analysis). The lexicon (analysis/data/sentiment/lexicon_{de,en}.txt, written by the project from
general knowledge of feedback language, not from any evaluation set) scores the evaluative words
and phrases of a segment; `lexicon_blend.blend` mixes that score with the head's, the lexicon
counting most in very short segments and little in long ones.

Lexicon files, entry syntax and matching: analysis/lexicon_entries.py.

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

import numpy as np

from nlp_service.analysis.lexicon_entries import (
    BREAK,
    Lexicon,
    clause_tokens,
    guess_language,
    lexicon,
    phrase_at,
    tokens,
    words,
)

NEGATION_WINDOW = 3
NEGATED_NEGATIVE_FACTOR = 0.5
NEGATED_POSITIVE_FACTOR = 0.8
INTENSIFIER_FACTOR = 1.3

_NEGATORS_V5 = words(
    "nicht nie niemals kein keine keinen keinem keiner keines ohne kaum nichts "
    "not no never without hardly nothing don't doesn't didn't isn't wasn't "
    "aren't weren't won't can't cannot couldn't wouldn't nor"
)
# v6 on: colloquial and emphatic denials
_NEGATORS = _NEGATORS_V5 | words("nich nix garnicht keene keinerlei keinster")
# "ohne"/"without" negate the next words only ("ohne große Probleme", not "ohne Papierkram
# erledigt").
_SHORT_NEGATORS = frozenset({"ohne", "without"})
SHORT_NEGATION_WINDOW = 2
# A German segment ending in "nicht"/"nichts" denies what came before it ("So richtig überzeugt
# hat mich das nicht.", "Gefällt mir nicht").
_FINAL_NEGATORS_V5 = frozenset({"nicht", "nichts"})
_FINAL_NEGATORS = _FINAL_NEGATORS_V5 | {"nich", "nix", "niemand", "keiner"}
# ... except "X, mehr nicht" / "nur X, sonst nichts" (= only X, which stays what it was).
_FINAL_NOT_NEGATING = frozenset({"mehr", "sonst"})
# Counterfactuals: "Hätte schneller gehen können.", "Könnte freundlicher sein." wish for what
# did not happen, so they invert the evaluation they contain ("Hätte schlimmer sein können" is
# mild praise); German when a modal of the subjunctive comes with a final infinitive, English
# when "could/should/would" comes with "have" or "be" after it.
COUNTERFACTUAL_FACTOR = 0.8
# ... and at least this strong: a wish that it had gone better is a clear complaint, and "Hätte
# nicht besser laufen können" (the negation anywhere in the clause) clear praise.
COUNTERFACTUAL_MIN = 0.6
_MODALS_DE = words("hätte hätten hättest könnte könnten sollte sollten dürfte wäre wären")
_FINAL_INFINITIVES_DE = words("können sein dürfen müssen gehen laufen werden klappen")
_MODALS_EN = words("could should would couldn't shouldn't wouldn't might")
_AUX_EN = words("be have")
# "Früher war der Service besser.", "Die alte App war übersichtlicher.", "Die Konkurrenz ist
# günstiger": praise in the comparative about the past or a competitor is a complaint about the
# present, unless it compares with the past ("schneller als früher") or says what is now.
_PAST_OR_RIVAL = words(
    "früher damals ehemals ehemalige ehemaligen alte alten alter altes letztes vergangenes "
    "vorgänger "
    "konkurrenz konkurrent "
    "konkurrenten mitbewerber previous old competitor competitors competition used"
)
_NOW_OR_THAN = words("als than jetzt nun inzwischen mittlerweile endlich now seit wieder heute")
_COMPARATIVE_WORDS = words("besser mehr lieber better more")
_COMPARATIVE_ENDINGS = ("erer", "eren", "erem", "eres", "ere", "er")
# Irony: a clause that opens with bare praise followed by a comma and then complains ("Super,
# drei Wochen Wartezeit.", "Toll, schon wieder kein Empfang.") turns the praise negative.
_IRONY_OPENERS = words("super toll klasse prima spitze herrlich großartig wunderbar great perfect")
_AGAIN = (("schon", "wieder"), ("mal", "wieder"), ("wieder", "mal"), ("yet", "again"))
# A problem reported as solved ("Der Fehler war nach einem Anruf behoben", "Problem in zehn
# Minuten gelöst"): with a resolution word and no negator in the clause, the milder negative hits
# (the problem nouns, |value| <= RESOLVED_MAX) do not count.
_RESOLVED = words(
    "gelöst behoben reguliert repariert erstattet zurückerstattet getauscht ersetzt geklärt "
    "bestätigt erledigt fixed resolved solved sorted refunded replaced"
)
RESOLVED_MAX = 0.6
# Speed stated as a fact: "nach zwei Minuten", "innerhalb einer Stunde", "am nächsten Morgen"
# read as praise (QUICK_VALUE) unless the text says "erst" (only after) or "immer noch" or
# complains ("nach zwei Tagen kaputt").
QUICK_VALUE = 0.45
_QUICK = re.compile(
    r"\b(?:(?:nach|in|innerhalb(?: von)?|binnen) (?:nur |knapp |gerade mal |keine[rn]? )?"
    r"(?:eine[rmn]?|ein|zwei|drei|vier|fünf|sechs|zehn|fünfzehn|zwanzig|dreißig|wenigen|"
    r"ein paar|\d+) (?:minuten?|min|stunden?|std|tag(?:en?)?|werktag(?:en?)?)|"
    r"am (?:nächsten|folgenden|selben|gleichen) (?:tag|morgen|werktag|vormittag)|über nacht|"
    r"(?:within|in) (?:an?|one|two|three|five|ten|\d+) (?:minutes?|hours?|days?)|next day)\b",
    re.IGNORECASE,
)
_SLOW = words("erst immer noch später spät later still")

_INTENSIFIERS_TEXT = (
    "sehr total extrem absolut echt wirklich richtig völlig voll super äußerst mega "
    "unglaublich besonders ziemlich ganz so zu überaus "
    "very really so extremely absolutely totally completely utterly incredibly truly highly "
    "super too"
)
_INTENSIFIERS = words(_INTENSIFIERS_TEXT)
_INTENSIFIERS_V5 = frozenset(_INTENSIFIERS_TEXT.split())  # v5 matched unfolded tokens


# ----- v7 (each rule switched on per version by `RuleSet`; v6's scores stay fixed) -----
# "Leider nie", "funktioniert leider nicht": regret words are never denied themselves (v6 flipped
# "leider" with the clause-final negator into praise).
_REGRET = words("leider unfortunately sadly")
# "Null Kulanz", "zero effort": "null"/"zero" deny like "kein".
_NULL_NEGATORS = words("null zero")
# "funktioniert an der Kasse nie", "klappt nie": a clause ending in "nie" denies it too.
_FINAL_NEVER = words("nie niemals")
# ... but "pünktlich wie nie", "so schnell wie noch nie" praise (as never before).
_AS_EVER = words("wie noch")
# Adversative words inside a segment ("sieht schön aus, drückt aber", "kann ich aber leider
# nicht", "nice, but"): what follows the last one outweighs what came before it. With hits on
# both sides the hits before count ADVERSATIVE_BEFORE of their value; with hits only before,
# the contrast is against them: they count -ADVERSATIVE_FLIP of their value.
ADVERSATIVES = words("aber jedoch allerdings trotzdem dennoch but however though")
ADVERSATIVE_BEFORE = 0.35
ADVERSATIVE_FLIP = 0.5
# "nicht mal eine Antwort", "nicht einmal ein Rückruf", "not even a reply": a missing minimum
# is a complaint (NOT_EVEN_VALUE) unless a lexicon hit follows it in its clause ("nicht mal
# schlecht" is the negated hit).
NOT_EVEN_VALUE = -0.5
_NOT_EVEN = (("nicht", "mal"), ("nicht", "einmal"), ("nichtmal", ""), ("not", "even"))
# "Der Service lässt nach", "Die Qualität ließ zuletzt stark nach": the separable verb
# "nachlassen" (decline) with its particle at the end of the clause.
DECLINE_VALUE = -0.6
_LASSEN = words("lässt lassen ließ ließen liess")
# Durability stated as a fact: "hält schon seit drei Monaten", "läuft seit Jahren",
# "still works after two years" (DURABLE_VALUE) unless the text denies or complains.
DURABLE_VALUE = 0.45
_DURABLE = re.compile(
    r"\b(?:haelt|hielt|halten|laeuft|laufen|funktioniert|funktionieren)\b(?:\s+\w+){0,3}?\s+"
    r"(?:seit|schon|bereits|jetzt)\s+(?:\w+\s+){0,3}?(?:wochen|monaten?|jahren?)\b|"
    r"\b(?:still|lasted|has held up)\b(?:\s+\w+){0,4}?\s+(?:weeks|months|years)\b",
    re.IGNORECASE,
)
# A problem reported solved (v6 dropped the milder problem nouns) also counts as praise in v7
# (RESOLVED_VALUE, when nothing else is left to score); "ohne" in the sentence no longer blocks
# it ("gelöst, ohne dass ...").
RESOLVED_VALUE = 0.4

# ----- v8 -----
# Dialect and emphatic denials: "ned"/"net" (nicht, southern; "net" only before a hit),
# "niemand/niemandem" before what they deny ("kann ich niemandem empfehlen"), "nimmer".
_V8_NEGATORS = words("ned net niemand niemandem niemanden nimmer")
_V8_FINAL_NEGATORS = words("ned nimmer")
_DIALECT_AMBIGUOUS = words("des is a")
# Fragments "zu + adjective" ("Portion zu klein", "Wartezeit zu lang", "zu wenig Personal"):
# too much of something neutral is a complaint (TOO_VALUE) in a short segment (at most
# TOO_MAX_WORDS words; in a long sentence it is often a fact: "zu hoch angesetzt und korrigiert").
TOO_VALUE = -0.55
TOO_MAX_WORDS = 8
_TOO_ADJECTIVES = words(
    "klein groß lang lange kurz wenig viel viele früh laut leise hart weich eng weit schwer "
    "dünn dick heiß warm voll hoch niedrig knapp aufwendig aufwändig dunkel salzig süß scharf "
    "fettig trocken stressig hektisch selten oft schwach streng bürokratisch wenige"
)


@dataclass(frozen=True)
class RuleSet:
    """Which rules the lexicon layer applies, frozen per layer version: a model card names its
    version, and a version's scores never change (tests/analysis/test_lexicon_versions.py pins
    v5, v6 and v7 scores on fixed texts). v5 = the layer of model 20261126-e5-polarity-v5 (its
    own frozen entries in data/sentiment/v5/, none of the v6 rules)."""

    version: int
    # v6 rules (all off in v5)
    folded: bool = True  # umlauts spelled out, letter runs cut (entries and tokens)
    clauses: bool = True  # commas/semicolons/colons bound negation
    colloquial_negators: bool = True  # "nix", "keinerlei"; clause-final "niemand", "keiner"
    only_x: bool = True  # "X, mehr nicht" keeps X
    counterfactual: bool = True
    past_or_rival: bool = True
    irony: bool = True
    resolved: bool = True
    quick: bool = True
    # v7 rules
    null_negators: bool = False
    final_never: bool = False
    adversative: bool = False
    not_even: bool = False
    decline: bool = False
    durable: bool = False
    resolved_praise: bool = False
    irony_denial: bool = False
    rival_clause: bool = False
    keep_regret: bool = False
    contrast_weights: bool = False
    # v8 rules
    dialect_negators: bool = False  # "ned", "nimmer", "niemandem" (before a hit or clause-final)
    clause_counterfactual: bool = False  # "hätte kleiner sein können, sonst perfekt"
    irony_intensified: bool = False  # "Echt super, ...", "Toll gemacht, ..."
    too_fragment: bool = False  # "zu klein", "zu lange" in a short segment
    intensifier_only: bool = False  # "mega umständlich": "mega" intensifies, does not praise
    waiting_judged: bool = False  # "Wartezeit ok", "kurze Wartezeit": the judgment decides
    dialect_des: bool = False  # "des" (das), "is", "a" are no French/English signal words


_V6_RULES = ("folded", "clauses", "colloquial_negators", "only_x", "counterfactual",
             "past_or_rival", "irony", "resolved", "quick")  # fmt: skip
_V7_RULES = ("null_negators", "final_never", "adversative", "not_even", "decline", "durable",
             "resolved_praise", "irony_denial", "rival_clause", "keep_regret",
             "contrast_weights")  # fmt: skip
_V8_RULES = ("dialect_negators", "clause_counterfactual", "irony_intensified", "too_fragment",
             "intensifier_only", "dialect_des", "waiting_judged")  # fmt: skip
RULE_SETS: dict[int, RuleSet] = {
    5: RuleSet(5, **dict.fromkeys(_V6_RULES, False)),
    6: RuleSet(6),
    7: RuleSet(7, **dict.fromkeys(_V7_RULES, True)),
    8: RuleSet(8, **dict.fromkeys(_V7_RULES + _V8_RULES, True)),
}
LAYER_VERSIONS = (5, *RULE_SETS)


@dataclass(frozen=True)
class Hit:
    start: int  # token index
    end: int
    value: float  # after negation and intensifier


def _hits_with(
    lexicons: Sequence[Lexicon], toks: Sequence[str], rules: RuleSet = RULE_SETS[6]
) -> list[Hit]:
    hits: list[Hit] = []
    counterfactual = rules.counterfactual and _is_counterfactual(toks)
    past_or_rival = rules.past_or_rival and _compares_with_past_or_rival(toks)
    base = _NEGATORS if rules.colloquial_negators else _NEGATORS_V5
    negators = base | _NULL_NEGATORS if rules.null_negators else base
    final_negators = _FINAL_NEGATORS if rules.colloquial_negators else _FINAL_NEGATORS_V5
    if rules.final_never:
        final_negators = final_negators | _FINAL_NEVER
    if rules.dialect_negators:
        negators = negators | _V8_NEGATORS
        final_negators = final_negators | _V8_FINAL_NEGATORS
    intensifiers = _INTENSIFIERS if rules.folded else _INTENSIFIERS_V5
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
            and _is_too_adjective(toks[i + 1])
            and sum(t != BREAK for t in toks) <= TOO_MAX_WORDS
        ):
            found = (2, TOO_VALUE)
        if found is None:
            i += 1
            continue
        n, value = found
        start, stop = _clause(toks, i)
        before = range(max(start, i - NEGATION_WINDOW), i)
        negated = any(
            toks[k] in negators
            and (toks[k] not in _SHORT_NEGATORS or i - k <= SHORT_NEGATION_WINDOW)
            for k in before
        ) or (
            i + n < stop
            and toks[stop - 1] in final_negators
            and not (rules.only_x and stop - start > 1 and toks[stop - 2] in _FINAL_NOT_NEGATING)
            and not (
                toks[stop - 1] in _FINAL_NEVER and stop - start > 1 and toks[stop - 2] in _AS_EVER
            )
        )
        if i > 0 and toks[i - 1] in intensifiers:
            value = float(np.clip(value * INTENSIFIER_FACTOR, -1.0, 1.0))
        phrase = toks[i : i + n]
        own_modal = any(t in _MODALS_DE or t in _MODALS_EN for t in phrase)
        if rules.clause_counterfactual:
            counterfactual = _is_counterfactual(toks[start:stop])
        if (
            counterfactual
            and not own_modal
            and not _self_negating(phrase, negators)
            and (value > 0 or (n == 1 and _is_comparative(lexicons, toks[i])))
        ):
            # positive hits and negative comparatives only: "Die Wartezeit könnte kürzer sein"
            # still complains about the Wartezeit
            # negation and counterfactual cancel ("Hätte nicht besser laufen können")
            denied = any(t in negators for t in toks[start:stop])
            value = float(np.sign(value)) * max(abs(value), COUNTERFACTUAL_MIN)
            value = value if denied else -value
        elif (
            negated
            and not _self_negating(phrase, negators)
            and not (rules.keep_regret and n == 1 and toks[i] in _REGRET)
        ):
            value = -value * (NEGATED_NEGATIVE_FACTOR if value < 0 else NEGATED_POSITIVE_FACTOR)
        if (
            rules.irony
            and value > 0
            and i == 0
            and n == 1
            and toks[i] in _IRONY_OPENERS
            and len(toks) > 2
            and toks[1] == BREAK
            and _complains_after(lexicons, toks, 2, rules)
        ) or (rules.irony_intensified and value > 0 and _ironic_v8(lexicons, toks, i, n, rules)):
            value = -value
        elif (
            value > 0
            and rules.past_or_rival
            and (
                _compares_with_past_or_rival(toks[start:stop])
                if rules.rival_clause
                else past_or_rival
            )
            and n == 1
            and (_is_comparative(lexicons, toks[i]) or (i > 0 and toks[i - 1] == "noch"))
        ):
            value = -value * COUNTERFACTUAL_FACTOR
        hits.append(Hit(i, i + n, value))
        i += n
    if rules.rival_clause:
        hits = _rival_praise(toks, hits)
    if rules.adversative:
        hits = _adversative(toks, hits)
    if rules.waiting_judged:
        hits = _waiting_judged(toks, hits)
    if rules.intensifier_only:
        # an intensifier that is a praise word too ("mega", "super") right before another hit
        # only intensifies it ("mega umständlich", "super langsam")
        starts = {h.start for h in hits}
        hits = [
            h
            for h in hits
            if not (h.end - h.start == 1 and toks[h.start] in _INTENSIFIERS and h.end in starts)
        ]
    return hits


def _is_too_adjective(token: str) -> bool:
    return token in _TOO_ADJECTIVES or any(
        token.endswith(e) and token[: -len(e)] in _TOO_ADJECTIVES for e in ("e", "en", "er", "es")
    )


def _ironic_v8(
    lexicons: Sequence[Lexicon], toks: Sequence[str], i: int, n: int, rules: RuleSet
) -> bool:
    """v8: an ironic opener after an intensifier or before "gemacht" ("Echt super, ...", "Toll
    gemacht, ...") followed by a complaint."""
    if n != 1 or toks[i] not in _IRONY_OPENERS:
        return False
    lead = i == 1 and toks[0] in _INTENSIFIERS
    if not (lead or i == 0):
        return False
    k = i + 1
    if k < len(toks) and toks[k] in _DONE:
        k += 1
    if not lead and k == i + 1:  # the bare opener: v6's rule
        return False
    return k + 1 < len(toks) and toks[k] == BREAK and _complains_after(lexicons, toks, k + 1, rules)


_DONE = words("gemacht gelaufen gelöst")

# v8: a keyword answer naming the waiting time with a judgment ("Wartezeit ok", "kurze
# Wartezeit", "Wartezeiten angemessen"): the judgment decides, not the noun's own mild complaint.
_WAITING = ("wartezeit",)
_SHORT_WORDS = words("kurz kurze kurzen kurzer gering geringe minimal angemessen akzeptabel")
SHORT_WAIT_VALUE = 0.45


def _waiting_judged(toks: Sequence[str], hits: list[Hit]) -> list[Hit]:
    out = []
    for h in hits:
        if h.end - h.start == 1 and toks[h.start].startswith(_WAITING) and h.value < 0:
            start, stop = _clause(toks, h.start)
            if any(t in _SHORT_WORDS for t in toks[start:stop]):
                h = Hit(h.start, h.end, SHORT_WAIT_VALUE)
            elif any(o.value > 0 and start <= o.start < stop for o in hits):
                h = Hit(h.start, h.end, 0.0)
        out.append(h)
    return out


def _rival_praise(toks: Sequence[str], hits: list[Hit]) -> list[Hit]:
    """v7: praise in a clause about the past or a competitor ("beim alten Anbieter lief es
    stabil") next to a complaint in another clause is a complaint about the present."""
    out = []
    for h in hits:
        start, stop = _clause(toks, h.start)
        if (
            h.value > 0
            and _compares_with_past_or_rival(toks[start:stop])
            and any(o.value < 0 and not start <= o.start < stop for o in hits)
        ):
            h = Hit(h.start, h.end, -h.value * COUNTERFACTUAL_FACTOR)
        out.append(h)
    return out


def _adversative(toks: Sequence[str], hits: list[Hit]) -> list[Hit]:
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


def _clause(toks: Sequence[str], i: int) -> tuple[int, int]:
    """[start, stop) of the clause holding token i (between BREAK tokens)."""
    start = i
    while start > 0 and toks[start - 1] != BREAK:
        start -= 1
    stop = i
    while stop < len(toks) and toks[stop] != BREAK:
        stop += 1
    return start, stop


def _complains_after(
    lexicons: Sequence[Lexicon], toks: Sequence[str], k: int, rules: RuleSet = RULE_SETS[6]
) -> bool:
    rest = toks[k:]
    if any(tuple(rest[j : j + 2]) in _AGAIN for j in range(len(rest) - 1)):
        return True
    rest_hits = _hits_with(lexicons, rest, rules)
    if any(h.value < 0 for h in rest_hits):
        return True
    # v7: "Super, jetzt zahle ich für etwas, das ich nie bestellt habe": a denial without praise
    return rules.irony_denial and (
        any(t in _NEGATORS for t in rest) and not any(h.value > 0 for h in rest_hits)
    )


def _is_counterfactual(toks: Sequence[str]) -> bool:
    for k, t in enumerate(toks):
        if t in _MODALS_DE and k < len(toks) - 1:
            stop = _clause(toks, k)[1]
            if toks[stop - 1] in _FINAL_INFINITIVES_DE and stop - 1 > k:
                return True
        if t in _MODALS_EN and any(a in _AUX_EN for a in toks[k + 1 : k + 4]):
            return True
    return False


def _compares_with_past_or_rival(toks: Sequence[str]) -> bool:
    return any(t in _PAST_OR_RIVAL for t in toks) and not any(t in _NOW_OR_THAN for t in toks)


def _is_comparative(lexicons: Sequence[Lexicon], token: str) -> bool:
    """ "besser", "schneller" (schnell + er), "übersichtlicher", "schlimmer", "cheaper": a
    comparative of a lexicon word."""
    if token in _COMPARATIVE_WORDS:
        return True
    for end in _COMPARATIVE_ENDINGS:
        if token.endswith(end) and len(token) - len(end) >= 3:
            base = token[: -len(end)]
            if any(lex.words.get(base) for lex in lexicons):
                return True
    return False


def _self_negating(phrase: Sequence[str], negators: frozenset[str] = _NEGATORS) -> bool:
    """A phrase that already contains its negation ("nicht zu empfehlen") is not flipped by a
    negator before it ("leider nicht zu empfehlen")."""
    return any(t in negators for t in phrase)


def lexicon_hits(text: str, version: int = 6) -> list[Hit]:
    """The hits of `text` under layer `version` (5, 6 or 7); start/end index its clause tokens
    (words and BREAKs; v5: words only)."""
    rules = RULE_SETS[version]
    toks = clause_tokens(text) if rules.clauses else tokens(text, rules.folded)
    # v8: "des" is Bavarian/colloquial "das" in short answers ("des passt"), not French; "is"
    # and "a" are dialect "ist" and "ein" ("is a Witz"), so they alone make no answer English
    signal = [t for t in toks if t not in _DIALECT_AMBIGUOUS] if rules.dialect_des else toks
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
    solved = rules.resolved and bool(hits) and _reports_a_solution(toks)
    if rules.resolved_praise:
        solved = _reports_a_solution(toks, ignore=_SHORT_NEGATORS)
    if solved:
        values = [v for v in values if v > 0 or v < -RESOLVED_MAX]
        if rules.resolved_praise and not values:  # no praise word of its own ("behoben")
            values.append(RESOLVED_VALUE)
    if guess_language(toks) in ("de", "en", None) and rules.version >= 7:
        values += _fact_values(clause_tokens(text), hits, values, rules)
    if (
        rules.quick
        and _QUICK.search(text)
        and not any(v < 0 for v in values)  # "nach einer Stunde leer" is no praise
        and not any(t in _SLOW for t in toks)
        and guess_language(toks) in ("de", "en", None)
    ):
        values.append(QUICK_VALUE)
    if not values:
        return None, len(toks)
    return float(np.clip(sum(values), -1.0, 1.0)), len(toks)


def _reports_a_solution(toks: Sequence[str], ignore: frozenset[str] = frozenset()) -> bool:
    return any(t in _RESOLVED for t in toks) and not any(
        t in _NEGATORS and t not in ignore for t in toks
    )


def _fact_values(
    ctoks: Sequence[str], hits: Sequence[Hit], values: Sequence[float], rules: RuleSet
) -> list[float]:
    """v7's fact rules on the clause tokens: a missing minimum ("nicht mal eine Antwort"), the
    separable "lässt ... nach", durability ("hält seit drei Monaten")."""
    out: list[float] = []
    if rules.not_even:
        for j in range(len(ctoks)):
            pair = (ctoks[j], ctoks[j + 1] if j + 1 < len(ctoks) else "")
            if pair in _NOT_EVEN:
                stop = _clause(ctoks, j)[1]
                if not any(j < h.start < stop for h in hits):
                    out.append(NOT_EVEN_VALUE)
                    break
    if rules.decline:
        for j, t in enumerate(ctoks):
            if t in _LASSEN:
                start, stop = _clause(ctoks, j)
                # a bad thing declining ("die Schmerzen lassen nach") is no complaint
                bad = any(
                    h.value < 0 and start <= h.start < stop and ctoks[h.start] not in _REGRET
                    for h in hits
                )
                if stop - 1 > j and ctoks[stop - 1] == "nach" and not bad:
                    out.append(DECLINE_VALUE)
                    break
    if (
        rules.durable
        and _DURABLE.search(" ".join(t for t in ctoks if t != BREAK))
        and not any(v < 0 for v in values)
        and not any(t in _NEGATORS for t in ctoks)
    ):
        out.append(DURABLE_VALUE)
    return out

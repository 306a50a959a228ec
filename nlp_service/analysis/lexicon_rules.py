"""The rule tables of the sentiment lexicon layer (scored by analysis/lexicon.py): negators,
intensifiers and the cue words of each rule, the factors and values the rules apply, and the
frozen `RuleSet` of each layer version in `RULE_SETS`. Tables only; no scoring here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp_service.analysis.lexicon_entries import words

NEGATION_WINDOW = 3
NEGATED_NEGATIVE_FACTOR = 0.5
NEGATED_POSITIVE_FACTOR = 0.8
INTENSIFIER_FACTOR = 1.3

NEGATORS_V5 = words(
    "nicht nie niemals kein keine keinen keinem keiner keines ohne kaum nichts "
    "not no never without hardly nothing don't doesn't didn't isn't wasn't "
    "aren't weren't won't can't cannot couldn't wouldn't nor"
)
# v6 on: colloquial and emphatic denials
NEGATORS = NEGATORS_V5 | words("nich nix garnicht keene keinerlei keinster")
# "ohne"/"without" negate the next words only ("ohne große Probleme", not "ohne Papierkram
# erledigt").
SHORT_NEGATORS = frozenset({"ohne", "without"})
SHORT_NEGATION_WINDOW = 2
# A German segment ending in "nicht"/"nichts" denies what came before it ("So richtig überzeugt
# hat mich das nicht.", "Gefällt mir nicht").
FINAL_NEGATORS_V5 = frozenset({"nicht", "nichts"})
FINAL_NEGATORS = FINAL_NEGATORS_V5 | {"nich", "nix", "niemand", "keiner"}
# ... except "X, mehr nicht" / "nur X, sonst nichts" (= only X, which stays what it was).
FINAL_NOT_NEGATING = frozenset({"mehr", "sonst"})
# Counterfactuals: "Hätte schneller gehen können.", "Könnte freundlicher sein." wish for what
# did not happen, so they invert the evaluation they contain ("Hätte schlimmer sein können" is
# mild praise); German when a modal of the subjunctive comes with a final infinitive, English
# when "could/should/would" comes with "have" or "be" after it.
COUNTERFACTUAL_FACTOR = 0.8
# ... and at least this strong: a wish that it had gone better is a clear complaint, and "Hätte
# nicht besser laufen können" (the negation anywhere in the clause) clear praise.
COUNTERFACTUAL_MIN = 0.6
MODALS_DE = words("hätte hätten hättest könnte könnten sollte sollten dürfte wäre wären")
FINAL_INFINITIVES_DE = words("können sein dürfen müssen gehen laufen werden klappen")
MODALS_EN = words("could should would couldn't shouldn't wouldn't might")
AUX_EN = words("be have")
# "Früher war der Service besser.", "Die alte App war übersichtlicher.", "Die Konkurrenz ist
# günstiger": praise in the comparative about the past or a competitor is a complaint about the
# present, unless it compares with the past ("schneller als früher") or says what is now.
PAST_OR_RIVAL = words(
    "früher damals ehemals ehemalige ehemaligen alte alten alter altes letztes vergangenes "
    "vorgänger "
    "konkurrenz konkurrent "
    "konkurrenten mitbewerber previous old competitor competitors competition used"
)
NOW_OR_THAN = words("als than jetzt nun inzwischen mittlerweile endlich now seit wieder heute")
COMPARATIVE_WORDS = words("besser mehr lieber better more")
COMPARATIVE_ENDINGS = ("erer", "eren", "erem", "eres", "ere", "er")
# Irony: a clause that opens with bare praise followed by a comma and then complains ("Super,
# drei Wochen Wartezeit.", "Toll, schon wieder kein Empfang.") turns the praise negative.
IRONY_OPENERS = words("super toll klasse prima spitze herrlich großartig wunderbar great perfect")
AGAIN = (("schon", "wieder"), ("mal", "wieder"), ("wieder", "mal"), ("yet", "again"))
# A problem reported as solved ("Der Fehler war nach einem Anruf behoben", "Problem in zehn
# Minuten gelöst"): with a resolution word and no negator in the clause, the milder negative hits
# (the problem nouns, |value| <= RESOLVED_MAX) do not count.
RESOLVED = words(
    "gelöst behoben reguliert repariert erstattet zurückerstattet getauscht ersetzt geklärt "
    "bestätigt erledigt fixed resolved solved sorted refunded replaced"
)
RESOLVED_MAX = 0.6
# Speed stated as a fact: "nach zwei Minuten", "innerhalb einer Stunde", "am nächsten Morgen"
# read as praise (QUICK_VALUE) unless the text says "erst" (only after) or "immer noch" or
# complains ("nach zwei Tagen kaputt").
QUICK_VALUE = 0.45
QUICK_RE = re.compile(
    r"\b(?:(?:nach|in|innerhalb(?: von)?|binnen) (?:nur |knapp |gerade mal |keine[rn]? )?"
    r"(?:eine[rmn]?|ein|zwei|drei|vier|fünf|sechs|zehn|fünfzehn|zwanzig|dreißig|wenigen|"
    r"ein paar|\d+) (?:minuten?|min|stunden?|std|tag(?:en?)?|werktag(?:en?)?)|"
    r"am (?:nächsten|folgenden|selben|gleichen) (?:tag|morgen|werktag|vormittag)|über nacht|"
    r"(?:within|in) (?:an?|one|two|three|five|ten|\d+) (?:minutes?|hours?|days?)|next day)\b",
    re.IGNORECASE,
)
SLOW = words("erst immer noch später spät later still")

_INTENSIFIERS_TEXT = (
    "sehr total extrem absolut echt wirklich richtig völlig voll super äußerst mega "
    "unglaublich besonders ziemlich ganz so zu überaus "
    "very really so extremely absolutely totally completely utterly incredibly truly highly "
    "super too"
)
INTENSIFIERS = words(_INTENSIFIERS_TEXT)
INTENSIFIERS_V5 = frozenset(_INTENSIFIERS_TEXT.split())  # v5 matched unfolded tokens


# ----- v7 (each rule switched on per version by `RuleSet`; v6's scores stay fixed) -----
# "Leider nie", "funktioniert leider nicht": regret words are never denied themselves (v6 flipped
# "leider" with the clause-final negator into praise).
REGRET = words("leider unfortunately sadly")
# "Null Kulanz", "zero effort": "null"/"zero" deny like "kein".
NULL_NEGATORS = words("null zero")
# "funktioniert an der Kasse nie", "klappt nie": a clause ending in "nie" denies it too.
FINAL_NEVER = words("nie niemals")
# ... but "pünktlich wie nie", "so schnell wie noch nie" praise (as never before).
AS_EVER = words("wie noch")
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
NOT_EVEN = (("nicht", "mal"), ("nicht", "einmal"), ("nichtmal", ""), ("not", "even"))
# "Der Service lässt nach", "Die Qualität ließ zuletzt stark nach": the separable verb
# "nachlassen" (decline) with its particle at the end of the clause.
DECLINE_VALUE = -0.6
LASSEN = words("lässt lassen ließ ließen liess")
# Durability stated as a fact: "hält schon seit drei Monaten", "läuft seit Jahren",
# "still works after two years" (DURABLE_VALUE) unless the text denies or complains.
DURABLE_VALUE = 0.45
DURABLE_RE = re.compile(
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
V8_NEGATORS = words("ned net niemand niemandem niemanden nimmer")
V8_FINAL_NEGATORS = words("ned nimmer")
DIALECT_AMBIGUOUS = words("des is a")
# Fragments "zu + adjective" ("Portion zu klein", "Wartezeit zu lang", "zu wenig Personal"):
# too much of something neutral is a complaint (TOO_VALUE) in a short segment (at most
# TOO_MAX_WORDS words; in a long sentence it is often a fact: "zu hoch angesetzt und korrigiert").
TOO_VALUE = -0.55
TOO_MAX_WORDS = 8
TOO_ADJECTIVES = words(
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

# v8 irony: an opener before "gemacht" ("Toll gemacht, ...")
DONE = words("gemacht gelaufen gelöst")

# v8: a keyword answer naming the waiting time with a judgment ("Wartezeit ok", "kurze
# Wartezeit", "Wartezeiten angemessen"): the judgment decides, not the noun's own mild complaint.
WAITING = ("wartezeit",)
SHORT_WORDS = words("kurz kurze kurzen kurzer gering geringe minimal angemessen akzeptabel")
SHORT_WAIT_VALUE = 0.45

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
From round 10 a fine-tuned classifier (`classifier`, `FlagClassifier`) may decide legal, churn and
urgent instead of the heads: it reads the whole answer, a type is flagged when its probability
reaches the card's threshold, and the rules only say where (a rule span of the type inside the
unit that scored highest is the reason, else that unit). Without it, optionally
(`context=FlagContext(...)`), logistic heads on each unit's vectors (USE and/or e5,
per the heads' card; from round 5 the units are the analysis segments, `head_units`) add
legal/churn/urgent flags the rules missed (paraphrases without a trigger word, "Nach 15 Jahren
verabschiede ich mich") above a high threshold, and veto a rule flag whose unit they score very
low (round 4); thresholds and vetoes are chosen by
cross-validation on training data within a false-alarm budget. Round-7 cards also flag a unit
holding a rule candidate (`[candidate]` words or any trigger, `_candidate_starts`) at a lower
per-type candidate threshold; from round 8 the heads flag no unit
alone that holds one of the type's [benign] cues. Figures in
models/flags/README.md. Modules: `abuse`, `context_rules`, `heads`, `flag`, `lists`.

Every flag's reason is the matched span, so moderators see why. Severity orders the queue:
    3  abuse, legal threat
    2  churn intent, personal data
    1  urgency (needs action now)
"""

from collections.abc import Sequence

from nlp_service.analysis.flags.abuse import _abuse_flags
from nlp_service.analysis.flags.classifier import FlagClassifier, Verdict, classifier_flags
from nlp_service.analysis.flags.context_rules import (
    _SENTENCE,
    _candidate_starts,
    _context_candidates,
    _context_rules,
)
from nlp_service.analysis.flags.flag import (
    SEVERITY_ABUSE,
    SEVERITY_CHURN,
    SEVERITY_LEGAL,
    SEVERITY_PERSONAL_DATA,
    SEVERITY_URGENT,
    Flag,
    FlagType,
    has_abuse,
)
from nlp_service.analysis.flags.heads import (
    HEADS_CARD,
    HEADS_FILE,
    SEGMENT_UNITS,
    SENTENCE_UNITS,
    ContextHeads,
    FlagContext,
    _head_flags,
    head_sentences,
    head_units,
    resolve_heads_folder,
)
from nlp_service.analysis.segments import Segment

__all__ = [
    "HEADS_CARD",
    "HEADS_FILE",
    "SEGMENT_UNITS",
    "SENTENCE_UNITS",
    "SEVERITY_ABUSE",
    "SEVERITY_CHURN",
    "SEVERITY_LEGAL",
    "SEVERITY_PERSONAL_DATA",
    "SEVERITY_URGENT",
    "_SENTENCE",
    "ContextHeads",
    "Flag",
    "FlagClassifier",
    "FlagContext",
    "FlagType",
    "Verdict",
    "_context_rules",
    "detect_flags",
    "has_abuse",
    "head_sentences",
    "head_units",
    "resolve_heads_folder",
]


def detect_flags(
    text: str,
    pii_types: Sequence[str] = (),
    context: FlagContext | None = None,
    *,
    language: str | None = None,
    segments: Sequence[Segment] | None = None,
    classifier: FlagClassifier | None = None,
    verdict: Verdict | None = None,
) -> list[Flag]:
    """Flags sorted by severity (desc) then position; one flag per (type, reason) and no two
    overlapping spans of one type (a strong phrase wins over the trigger word inside it).
    With `context`, the heads veto rule flags they are confident against (per the heads' card)
    and add unit-level legal/churn/urgent flags the rules missed. The heads' units come from
    `head_units`: `segments` (the pipeline passes the answer's analysis segments, whose vectors
    it already has) or else those of `text` in `language`.
    With `classifier` (or its `verdict` on this text, as the pipeline computes it for a whole
    batch), the classifier decides its types and `context` is not used."""
    candidates = [*_abuse_flags(text)]
    rule_flags = [found for rules in _context_rules() for found in _context_candidates(text, rules)]
    if (classifier is not None or verdict is not None) and text.strip():
        if verdict is None:
            assert classifier is not None
            units = head_units(text, SEGMENT_UNITS, language, segments)
            verdict = classifier.judge([text], [units])[0]
        candidates.extend(classifier_flags(text, rule_flags, verdict))
    elif context is not None and text.strip():
        units = head_units(text, context.heads.units, language, segments)
        starts = (
            {rules.flag_type: _candidate_starts(text, rules) for rules in _context_rules()}
            if context.heads.candidates
            else None
        )
        benign = {rules.flag_type: rules.benign for rules in _context_rules()}
        candidates.extend(_head_flags(text, rule_flags, context, units, starts, benign))
    else:
        candidates.extend(found.flag for found in rule_flags)
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

"""The fine-tuned flag classifier's pure parts, checked against values worked out by hand: its
windows, the max over windows, the threshold choice under a false-alarm budget, and how a
verdict becomes flags (no model loaded here)."""

import numpy as np
import pytest

from nlp_service.analysis.flags import Flag, FlagType, Verdict, detect_flags
from nlp_service.analysis.flags.classifier import (
    classifier_flags,
    max_over_windows,
    token_windows,
)
from nlp_service.analysis.flags.context_rules import RuleFlag
from nlp_service.analysis.segments import Segment
from training.flag_thresholds import choose_thresholds, lowest_threshold

LEGAL, CHURN, URGENT = FlagType.LEGAL, FlagType.CHURN, FlagType.URGENT


def test_windows_cut_content_tokens_and_keep_one_for_empty_text() -> None:
    assert token_windows([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert token_windows([1, 2], 2) == [[1, 2]]
    assert token_windows([], 2) == [[]]


def test_an_answer_takes_its_highest_window_per_type() -> None:
    logits = np.array([[0.0, 2.0], [1.0, -1.0], [-3.0, 0.0]])
    p = max_over_windows(logits, [0, 0, 1], 2)
    # answer 0: max(0, 1) = 1 and max(2, -1) = 2; answer 1: its one window
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    np.testing.assert_allclose(p, [[sigmoid(1), sigmoid(2)], [sigmoid(-3), sigmoid(0)]])


def test_lowest_threshold_lets_through_exactly_the_allowed_false_alarms() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([1, 0, 1, 0, 1, 0])
    ordinary = np.array([False, True, False, True, False, True])
    # ordinary scores 0.8, 0.6, 0.4: none allowed -> just above 0.8 -> only 0.9 (recall 1/3)
    none = lowest_threshold(p, y, ordinary, 0)
    assert none.threshold == pytest.approx(0.8, abs=1e-3) and none.threshold > 0.8
    assert (none.recall, none.false_alarms) == (pytest.approx(1 / 3), 0)
    # one allowed -> just above 0.6 -> 0.9, 0.8, 0.7: recall 2/3 with the 0.8 false alarm
    one = lowest_threshold(p, y, ordinary, 1)
    assert (one.recall, one.false_alarms) == (pytest.approx(2 / 3), 1)
    # as many allowed as there are ordinary answers: everything passes
    assert lowest_threshold(p, y, ordinary, 3).recall == 1.0


def test_the_budget_goes_to_the_type_it_buys_most_recall() -> None:
    # 100 ordinary answers, budget 1.5% -> one false alarm in all.
    ordinary = np.array([False] * 4 + [True] * 100)
    p = np.zeros((104, 2))
    labels = np.zeros((104, 2))
    labels[0:2, 0] = 1  # type 0: both positives above every ordinary answer
    p[0:2, 0] = 0.9
    labels[2:4, 1] = 1  # type 1: its positives sit just below one ordinary answer (0.8)
    p[2:4, 1] = 0.7
    p[4, 1] = 0.8
    choices, alarms = choose_thresholds(p, labels, ordinary, budget=0.015)
    # giving the one false alarm to type 1 lifts its recall from 0 to 1
    assert [c.recall for c in choices] == [1.0, 1.0]
    assert alarms == 1 and choices[1].false_alarms == 1


def _rule(flag_type: FlagType, start: int, end: int, text: str) -> RuleFlag:
    return RuleFlag(Flag(flag_type, text[start:end], 2, start, end), strong=False)


def test_a_verdict_keeps_rule_spans_in_its_reason_unit_and_drops_unconfirmed_ones() -> None:
    text = "Alles kam sofort. Ich gehe zur Konkurrenz, das wars."
    second = Segment(text[18:], 18, len(text))
    rules = [
        _rule(URGENT, 9, 15, text),  # "sofort": the classifier does not flag urgent
        _rule(CHURN, 18, 41, text),  # a churn span inside the reason unit
    ]
    verdict = Verdict({LEGAL: 0.01, CHURN: 0.97, URGENT: 0.2}, (CHURN,), {CHURN: second})
    flags = list(classifier_flags(text, rules, verdict))
    assert [(f.type, f.reason) for f in flags] == [(CHURN, text[18:41])]


def test_without_a_rule_span_the_reason_is_the_unit_trimmed() -> None:
    text = "Danke.  Die Rufnummer ist schon mitgenommen.  "
    unit = Segment(text[6:], 6, len(text))
    verdict = Verdict({CHURN: 0.99}, (CHURN,), {CHURN: unit})
    (flag,) = classifier_flags(text, [], verdict)
    assert flag.reason == "Die Rufnummer ist schon mitgenommen."
    assert text[flag.start : flag.end] == flag.reason and flag.severity == 2


def test_types_the_classifier_does_not_decide_pass_through() -> None:
    text = "Ich kündige."
    rules = [_rule(CHURN, 0, 11, text)]
    verdict = Verdict({LEGAL: 0.9}, (), {})
    assert [f.type for f in classifier_flags(text, rules, verdict)] == [CHURN]


def test_detect_flags_with_a_verdict_keeps_abuse_and_personal_data() -> None:
    text = "Ihr Idioten, ich kündige."
    verdict = Verdict({LEGAL: 0.0, CHURN: 0.0, URGENT: 0.0}, (), {})
    types = {f.type for f in detect_flags(text, ("phone",), verdict=verdict)}
    # churn not confirmed by the classifier: dropped; abuse is lexical, personal data as given
    assert types == {FlagType.ABUSE, FlagType.PERSONAL_DATA}


def test_a_strong_phrase_is_confirmed_at_the_lower_probability() -> None:
    text = "Paket kam zu spät. Ich kündige!"
    strong = RuleFlag(Flag(CHURN, "Ich kündige", 2, 19, 30), strong=True)
    weak = _rule(URGENT, 0, 5, text)
    below = Verdict({CHURN: 0.7, URGENT: 0.7}, (), {}, confirm=0.5)
    # churn below its threshold but a strong phrase and p >= 0.5: flagged, quoting the phrase;
    # urgent's rule is weak: dropped
    assert [(f.type, f.reason) for f in classifier_flags(text, [strong, weak], below)] == [
        (CHURN, "Ich kündige")
    ]
    unsure = Verdict({CHURN: 0.4, URGENT: 0.7}, (), {}, confirm=0.5)
    assert list(classifier_flags(text, [strong], unsure)) == []
    # cards without the field never confirm
    assert list(classifier_flags(text, [strong], Verdict({CHURN: 0.99}, (), {}))) == []

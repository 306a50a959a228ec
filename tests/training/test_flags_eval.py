"""Flag evaluation: the scoring on a hand-worked example, the project-written sets, and the
targets on the held-out set as a regression guard."""

import json

import pytest

from training import (
    flag_heads_common,
    flag_heads_selection,
    flag_scoring,
    flag_sets,
    flags_heads_v2,
)


def test_score_on_a_hand_worked_example() -> None:
    gold = [{"churn"}, {"churn", "legal"}, set(), set(), {"urgent"}]
    predicted = [{"churn"}, {"legal"}, {"churn"}, {"personal_data"}, set()]
    result = flag_scoring.score(gold, predicted)
    # churn: hit in answer 0, false alarm in 2, missed in 1 -> P = 1/2, R = 1/2
    assert result["types"]["churn"] == {
        "support": 2, "tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5,
    }  # fmt: skip
    assert result["types"]["legal"]["precision"] == 1.0
    assert result["types"]["legal"]["recall"] == 1.0
    # urgent never predicted: precision undefined, recall 0/1
    assert result["types"]["urgent"]["precision"] is None
    assert result["types"]["urgent"]["recall"] == 0.0
    assert result["types"]["abuse"]["support"] == 0
    # ordinary answers 2 and 3; only 2 has a scored flag (personal_data does not count)
    assert (result["ordinary"], result["false_alarms"], result["false_alarm_rate"]) == (2, 1, 0.5)
    assert result["flag_worthy"] == 3


def test_score_rejects_unequal_lengths() -> None:
    with pytest.raises(ValueError):
        flag_scoring.score([set()], [])


def test_sets_are_large_enough_disjoint_and_well_formed() -> None:
    sets = {name: flag_sets.load_set(name) for name in flag_sets.SETS}
    ev = sets["eval"]
    ordinary = [e for e in ev if not e.flags]
    assert len(ordinary) >= 320
    assert len(ev) - len(ordinary) >= 120
    for t in flag_scoring.SCORED_TYPES:
        assert sum(t in e.flags for e in ev) >= 25, t
    for name, examples in sets.items():
        assert {e.language for e in examples} == {"de", "en"}
        assert len({e.id for e in examples}) == len(examples)
        assert all(set(e.flags) <= set(flag_scoring.SCORED_TYPES) for e in examples)
        german = sum(e.language == "de" for e in examples) / len(examples)
        # measuring sets are balanced; round 9's author A wrote 200 de + 120 en on purpose
        # (German is the product's main language), so a training set may lean German
        assert 0.4 <= german <= (0.65 if name.startswith("train_") else 0.6), name
    names = sorted(sets)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not {e.text for e in sets[a]} & {e.text for e in sets[b]}, (a, b)


def test_set_lines_have_the_documented_fields() -> None:
    line = flag_sets.SETS["eval"].read_text("utf-8").splitlines()[0]
    assert set(json.loads(line)) == {"id", "text", "language", "flags", "note"}


def test_evaluate_reports_per_language_and_errors() -> None:
    results = flag_scoring.evaluate("dev", predictor=lambda text: set())
    assert results["overall"]["false_alarms"] == 0
    assert results["overall"]["types"]["churn"]["recall"] == 0.0
    assert set(results) >= {"overall", "de", "en", "errors", "ms_per_answer"}
    assert len(results["errors"]) == results["overall"]["flag_worthy"]


def test_targets_hold_on_the_held_out_set() -> None:
    results = flag_scoring.evaluate("eval")["overall"]
    assert results["false_alarm_rate"] <= flag_scoring.TARGET_FALSE_ALARM
    for t in flag_scoring.SCORED_TYPES:
        assert results["types"][t]["recall"] >= flag_scoring.TARGET_RECALL, t


def test_choose_thresholds_on_a_hand_worked_example() -> None:
    """4 answers: 0 and 1 ordinary, 2 churn, 3 legal. The rules find nothing; budget 0 means no
    ordinary answer may be flagged. Churn probabilities: ordinary 0.6 and 0.4, churn answer 0.8:
    the churn threshold must exceed 0.6 (0.7 is the lowest such in the grid); legal: ordinary
    0.95, legal answer 0.9, so no legal threshold <= 0.95 is allowed (recall 0 either way) and
    the highest threshold is kept."""
    import numpy as np

    gold = [set(), set(), {"churn"}, {"legal"}]
    rules: list[set[str]] = [set(), set(), set(), set()]
    prob = {
        "legal": np.array([0.95, 0.0, 0.0, 0.9]),
        "churn": np.array([0.6, 0.4, 0.8, 0.0]),
        "urgent": np.zeros(4),
    }
    taus, scores = flags_heads_v2.choose_thresholds(
        gold, rules, prob, budget=0.0, grid=(0.5, 0.7, 0.99)
    )
    assert taus == {"legal": 0.99, "churn": 0.7, "urgent": 0.99}
    assert scores["false_alarms"] == 0
    assert scores["types"]["churn"]["recall"] == 1.0 and scores["types"]["legal"]["recall"] == 0.0


def test_fold_scaler_gives_the_same_decision_function() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(60, 4))
    y = (X[:, 0] + rng.normal(0, 1, 60) > 3).astype(int)
    model = flag_heads_common.scaled_head(1.0).fit(X, y)
    coef, intercept = flag_heads_common.fold_scaler(model)
    assert np.allclose(X @ coef + intercept, model.decision_function(X))


def test_round_3_sets_are_registered() -> None:
    for name in ("train_v2", "blind3"):
        examples = flag_sets.load_set(name)
        assert len(examples) >= 150
        assert sum(not e.flags for e in examples) >= 100
    assert not {"blind2", "blind3"} & set(flag_heads_common.HEADS_TRAIN_SETS)


def test_blind4_is_registered_and_never_trained_on() -> None:
    examples = flag_sets.load_set("blind4")
    ordinary = [e for e in examples if not e.flags]
    assert len(ordinary) >= 120 and sum(e.language == "de" for e in ordinary) >= 60
    for t in ("legal", "churn", "urgent"):
        assert sum(t in e.flags for e in examples) >= 20
    assert "blind4" not in flag_heads_common.HEADS_TRAIN_SETS


def test_choose_decisions_keeps_false_alarms_within_budget_and_per_source() -> None:
    import numpy as np

    gold = [{"legal"}, {"churn"}, {"urgent"}, set(), set(), set()]
    never = (0.0, 0.0, 2.0)
    options = {
        "legal": {never: np.array([1, 0, 0, 0, 0, 0], bool)},
        "urgent": {never: np.array([0, 0, 1, 0, 0, 0], bool)},
        "churn": {
            never: np.array([0, 1, 0, 1, 0, 0], bool),  # recall 1, a false alarm on answer 3
            (0.5, 0.0, 2.0): np.zeros(6, bool),  # vetoes everything: recall 0
            (0.2, 0.0, 0.9): np.array([0, 1, 0, 0, 0, 0], bool),  # recall 1, no false alarm
        },
    }
    abuse = np.zeros(6, bool)
    sources = ["a"] * 6
    chosen = flag_heads_selection.choose_decisions(gold, abuse, options, sources, budget=0.0)
    assert chosen is not None
    decisions, scores = chosen
    assert decisions == {"legal": never, "churn": (0.2, 0.0, 0.9), "urgent": never}
    assert scores["false_alarms"] == 0 and scores["types"]["churn"]["recall"] == 1.0
    # An abuse flag on an ordinary answer uses the budget up: nothing is feasible at 0.
    abuse[4] = True
    assert flag_heads_selection.choose_decisions(gold, abuse, options, sources, budget=0.0) is None
    # Pooled 1/3 allowed, but source "b" (answers 3-5... here 3 and 4) may have one at most.
    abuse[4] = False
    loose = flag_heads_selection.choose_decisions(
        gold, abuse, options, ["a", "a", "a", "b", "b", "a"], 0.34
    )
    assert loose is not None and loose[1]["types"]["churn"]["recall"] == 1.0


def test_training_rows_are_the_units_the_service_reads() -> None:
    """train-v4 (v5 cards) reads the analysis segments, and a rule flag belongs to the segment
    holding its start: the same `head_units` as serving."""
    from nlp_service.analysis.flags import SEGMENT_UNITS, SENTENCE_UNITS
    from nlp_service.analysis.segments import segment_text

    text = "Der Service war lange gut, aber ich kündige. Danke!"
    example = flag_sets.FlagExample("x", text, "de", frozenset({"churn"}))
    ordinary = flag_sets.FlagExample("y", "Alles gut.", "de", frozenset())
    rows = flag_heads_selection.unit_rows([example, ordinary], SEGMENT_UNITS)
    assert rows.sentences == [s.text for s in segment_text(text, "de")] + ["Alles gut."]
    assert rows.sentences[:3] == ["Der Service war lange gut", "aber ich kündige.", "Danke!"]
    assert list(rows.owners) == [0, 0, 0, 1]
    # "ich kündige" is a strong churn phrase in the second segment (row 1)
    assert rows.rules[0]["churn"] == {1: (False, True)} and rows.rules[1]["churn"] == {}
    # v4's regex sentences: the contrast sentence is one row
    old = flag_heads_selection.unit_rows([example], SENTENCE_UNITS)
    assert old.sentences == ["Der Service war lange gut, aber ich kündige.", "Danke!"]
    assert old.rules[0]["churn"] == {0: (False, True)}


def test_train_v5_is_registered_and_only_training_data() -> None:
    examples = flag_sets.load_set("train_v5")
    ordinary = [e for e in examples if not e.flags]
    flagged = len(examples) - len(ordinary)
    assert len(ordinary) >= 1.4 * flagged and len(ordinary) >= 200
    for t, at_least in (("legal", 60), ("churn", 76), ("urgent", 20)):
        assert sum(t in e.flags for e in examples) >= at_least, t
    assert "train_v5" in flag_heads_common.HEADS_V6_TRAIN_SETS
    held_out = {"eval", "blind", "blind2", "blind3", "blind4"}
    assert not held_out & set(flag_heads_common.HEADS_V6_TRAIN_SETS)


def test_train_v7_is_registered_and_only_training_data() -> None:
    examples = flag_sets.load_set("train_v7")
    assert len(examples) >= 400
    for lang in ("de", "en"):
        part = [e for e in examples if e.language == lang]
        for t, at_least in (("legal", 40), ("churn", 50), ("urgent", 30)):
            assert sum(t in e.flags for e in part) >= at_least, (lang, t)
        assert sum(not e.flags for e in part) >= 75, lang
    assert "train_v7" in flag_heads_common.HEADS_V7_TRAIN_SETS
    # blind..blind5 are dev sets since round 7, but never training data
    held_out = {"eval", "blind", "blind2", "blind3", "blind4", "blind5"}
    assert not held_out & set(flag_heads_common.HEADS_V7_TRAIN_SETS)


def test_candidate_rows_and_candidate_thresholds_in_the_decision_options() -> None:
    """Round 7: a unit holding a rule candidate is flagged at the candidate threshold; units
    without one only at the alone threshold."""
    import numpy as np

    from nlp_service.analysis.flags import SEGMENT_UNITS

    texts = [
        ("Nächstes Jahr dann wohl ein anderer Anbieter.", {"churn"}),  # candidate, no rule flag
        ("Schönes Wetter heute.", set()),  # no candidate
        ("Der Versorger ist super.", set()),  # candidate in an ordinary answer
    ]
    examples = [
        flag_sets.FlagExample(str(i), t, "de", frozenset(f)) for i, (t, f) in enumerate(texts)
    ]
    rows = flag_heads_selection.unit_rows(examples, SEGMENT_UNITS)
    assert rows.candidates[0]["churn"] == [0] and rows.candidates[1]["churn"] == []
    assert rows.candidates[2]["churn"] == [2] and rows.rules[0]["churn"] == {}
    prob = np.array([0.7, 0.95, 0.4])
    options = flag_heads_selection.decision_options(
        prob, rows, "churn", 3, candidate_grid=(0.5, 2.0)
    )
    never = flag_heads_selection.NEVER_ALONE
    # candidate threshold 0.5, alone never: answer 0 (0.7) only; 0.95 without a candidate: no
    assert options[(0.0, 0.0, never, 0.5)].tolist() == [True, False, False]
    # alone at 0.9: answer 1 too; candidates off (2.0): answer 0 is lost
    assert options[(0.0, 0.0, 0.9, 0.5)].tolist() == [True, True, False]
    assert options[(0.0, 0.0, 0.9, never)].tolist() == [False, True, False]
    # a candidate threshold is only combined with a higher alone threshold
    assert (0.0, 0.0, 0.5, 0.5) not in options and (0.0, 0.0, 0.5, never) in options


@pytest.fixture(scope="module")
def heads_v6():
    return flag_scoring.load_context("20261126-heads-e5-v6")


# Hard negatives of train_v5 (round 6) that the v5 heads flagged with the same rules and v6
# does not: praise of the process, an advert, leaving a choir, a regulator or ombudsman only
# considered, a resolved police report, a joke, a dropped sub-package, colleagues resigning.
V6_HARD_NEGATIVES = [
    ("de", "Ich finde gut, dass man Verträge online kündigen kann, das ist kundenfreundlich. "
     "Ich selbst bleibe aber gern."),
    ("de", "Eure Werbung mit dem Anwalt, der vor Gericht tanzt, finde ich witzig."),
    ("de", "Ich trete aus dem Chor aus, weil ich umziehe. Mit Ihrer Bank hat das nichts zu tun, "
     "die Kontoführung bleibt bei Ihnen."),
    ("de", "Ich habe überlegt, ob ich mich bei der Bundesnetzagentur über die Funklöcher "
     "beschwere, aber seit dem neuen Mast ist alles gut."),
    ("en", "After my bike was stolen I needed a police report for the claim; the insurer paid "
     "within a week. Really smooth."),
    ("en", "If your brownies get any better I'll have to sue you for my jeans not fitting."),
    ("en", "I know I could go to the ombudsman if something went wrong, but I've never needed "
     "to."),
    ("en", "I dropped the sports package because the season's over. Keeping movies and box sets."),
    ("en", "In this staff survey I want to be honest: the workload is high and two colleagues "
     "resigned this year. I'm not planning to leave myself, the team sticks together. More "
     "staff would really help though."),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("language", "text"), V6_HARD_NEGATIVES)
def test_v6_heads_keep_train_v5_hard_negatives_quiet(heads_v6, language: str, text: str) -> None:
    assert flag_scoring.predict(text, heads_v6, language) == frozenset()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # train_v5 answers the v5 heads missed
        ("en", "I stuck with you through three price rises but this one is the last straw; I'm "
         "voting with my feet.", "churn"),
        ("de", "Die Kündigung ist gestern per Einschreiben rausgegangen. Nach elf Jahren tut mir "
         "das fast leid, aber die dritte Preiserhöhung in einem Jahr war zu viel.", "churn"),
        ("en", "My brother is a lawyer and he's drafting a demand letter as we speak.", "legal"),
        ("en", "Legal expenses cover on my home insurance is now involved and they think I have "
         "a strong case.", "legal"),
        # written for this test, in no set
        ("de", "Ich habe meinen Handyvertrag gekündigt und bin ab Juni bei einem anderen Netz.",
         "churn"),
        ("en", "I've moved my savings to another bank and I'm closing this account.", "churn"),
        ("de", "Die Sache liegt jetzt bei meiner Anwältin, Sie hören von ihr.", "legal"),
        ("en", "I've complained to the financial ombudsman about how you handled my claim.",
         "legal"),
    ],
)  # fmt: skip
def test_v6_heads_flag_train_v5_intent(heads_v6, language: str, text: str, expected: str) -> None:
    assert expected in flag_scoring.predict(text, heads_v6, language)


@pytest.mark.slow
def test_v6_heads_leave_new_ordinary_answers_alone(heads_v6) -> None:
    """Written for this test, in no set."""
    predict = flag_scoring.predict
    assert predict("Ich habe nur das Sportpaket abbestellt, der Rest bleibt.", heads_v6,
                   "de") == frozenset()  # fmt: skip
    assert predict("My lawyer friend recommended your bank and I'm very happy.",
                   heads_v6, "en") == frozenset()  # fmt: skip

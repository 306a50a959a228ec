"""Round 9: heads v8 (the v7 recipe + the seven author sets) and the leave-one-set-out helper."""

import json
from pathlib import Path

from nlp_service.analysis.flags import SEGMENT_UNITS, ContextHeads, resolve_heads_folder
from training import flag_heads_common, flag_heads_selection, flag_sets, flags_v8

MODELS = Path(__file__).resolve().parents[2] / "models"
V8 = "20261126-heads-e5-v8"


def test_v8_training_sets_are_v7_plus_the_author_sets_never_eval_or_blind8() -> None:
    assert flags_v8.HEADS_V8_TRAIN_SETS[: len(flag_heads_common.HEADS_V7_TRAIN_SETS)] == (
        flag_heads_common.HEADS_V7_TRAIN_SETS
    )
    assert set(flags_v8.AUTHOR_SETS) <= set(flags_v8.HEADS_V8_TRAIN_SETS)
    assert len(flags_v8.AUTHOR_SETS) == 7
    assert not {"eval", "blind8"} & set(flags_v8.HEADS_V8_TRAIN_SETS)
    assert set(flags_v8.NEVER_TRAINED_V8) == {"eval", "blind8"}
    assert all(name in flag_sets.SETS for name in flags_v8.HEADS_V8_TRAIN_SETS)


def test_v8_folder_loads_with_its_card() -> None:
    heads = ContextHeads.load(resolve_heads_folder(MODELS, V8))
    assert heads.version == V8 and heads.units == SEGMENT_UNITS
    assert heads.coef.shape == (3, 384) and heads.specs == ("e5-torch",)
    assert len(heads.candidates) == 3 and len(heads.vetoes) == 3
    card = json.loads((MODELS / "flags" / V8 / "card.json").read_text("utf-8"))
    assert tuple(card["trained_on"]) == flags_v8.HEADS_V8_TRAIN_SETS
    assert not {"eval", "blind8"} & set(card["trained_on"])
    assert {"eval", "blind8"} <= set(card["never_trained_or_tuned_on"])
    # v7, the default, is unchanged and never saw an author set
    v7 = json.loads((MODELS / "flags" / "20261126-heads-e5-v7" / "card.json").read_text("utf-8"))
    assert not set(flags_v8.AUTHOR_SETS) & set(v7["trained_on"])


def _example(i: int, text: str, flags: set[str]) -> flag_sets.FlagExample:
    return flag_sets.FlagExample(str(i), text, "en", frozenset(flags))


def test_leave_one_set_out_trains_on_the_others_and_scores_the_held_out_set() -> None:
    """A word-memorising 'model' on a tiny synthetic set: the held-out set's own churn word is
    never learnt, `never_train` sets never reach `fit`."""
    sets = {
        "a": [_example(1, "I quit", {"churn"}), _example(2, "nice day", set())],
        "b": [_example(3, "I leave", {"churn"}), _example(4, "quit smoking", set())],
        "c": [_example(5, "I quit now", {"churn"}), _example(6, "I leave soon", {"churn"})],
        "eval": [_example(7, "goodbye", {"churn"})],
    }
    seen: list[list[str]] = []

    def fit(named: list[tuple[str, flag_sets.FlagExample]]) -> set[str]:
        seen.append(sorted({s for s, _ in named}))
        return {w for _, e in named if "churn" in e.flags for w in e.text.split()} - {"I"}

    def run(words: set[str], e: flag_sets.FlagExample) -> set[str]:
        return {"churn"} if words & set(e.text.split()) else set()

    out = flags_v8.leave_one_set_out(sets, ["a", "c"], fit, run, never_train=("eval",))
    assert seen == [["b", "c"], ["a", "b"]]
    assert out["a"]["trained_on"] == ["b", "c"]
    # a: "I quit" is found (c taught "quit"), and "nice day" is no false alarm
    assert out["a"]["score"]["types"]["churn"]["recall"] == 1.0
    assert out["a"]["score"]["false_alarms"] == 0
    # c: only a and b: "quit" and "leave" learnt, both of c's answers found
    assert out["c"]["score"]["types"]["churn"]["tp"] == 2
    # b, if held out with a and c as training: "quit smoking" would be a false alarm
    out_b = flags_v8.leave_one_set_out(sets, ["b"], fit, run, never_train=("eval",))
    assert out_b["b"]["score"]["false_alarms"] == 1
    assert out_b["b"]["score"]["types"]["churn"]["recall"] == 1.0  # "leave" learnt from c
    # objective: summed recall (legal + churn + urgent; no legal/urgent support: 0) - 0.05 / FA
    assert flags_v8.objective(out_b) == 0.95


def test_rank_mean_prefers_the_mean_where_the_worst_type_rule_prefers_the_minimum() -> None:
    """5 legal, 1 churn, 10 urgent, 50 ordinary answers, 1 false alarm allowed. legal: all five
    with a false alarm, or three without; urgent: three without, or six with a false alarm."""
    import numpy as np

    gold = [{"legal"}] * 5 + [{"churn"}] + [{"urgent"}] * 10 + [set()] * 50
    n = len(gold)

    def flags(*answers: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[list(answers)] = True
        return out

    options = {
        "legal": {(0.0, 0.0, 0.5): flags(0, 1, 2, 3, 4, 16), (0.0, 0.0, 0.9): flags(0, 1, 2)},
        "churn": {(0.0, 0.0, 0.5): flags(5)},
        "urgent": {(0.0, 0.0, 0.9): flags(6, 7, 8), (0.0, 0.0, 0.5): flags(*range(6, 12), 17)},
    }
    args = ([frozenset(g) for g in gold], np.zeros(n, dtype=bool), options, ["s"] * n)
    worst = flag_heads_selection.choose_decisions(*args, 0.02, 0.02)
    mean = flag_heads_selection.choose_decisions(*args, 0.02, 0.02, rank="mean")
    assert worst is not None and mean is not None
    # worst-type first: (0.6, 1, 0.6); mean first: (1, 1, 0.3), mean 0.77 > 0.73
    assert worst[0] == {
        "legal": (0.0, 0.0, 0.9),
        "churn": (0.0, 0.0, 0.5),
        "urgent": (0.0, 0.0, 0.5),
    }
    assert mean[0] == {
        "legal": (0.0, 0.0, 0.5),
        "churn": (0.0, 0.0, 0.5),
        "urgent": (0.0, 0.0, 0.9),
    }
    assert worst[1]["false_alarms"] == mean[1]["false_alarms"] == 1

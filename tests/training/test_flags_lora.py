"""Round 10's flag-classifier training: the survey answers used as negatives, the plain floor of
the thresholds (worked out by hand), the sets it trains and chooses on, and the shared LoRA loop
with k outputs."""

import json

import numpy as np
import pytest

from nlp_service.analysis.flags import FlagType
from training import flag_thresholds, flags_lora
from training.datasets import Example
from training.flag_sets import SETS


def _answer(text: str) -> Example:
    return Example(text, "negative", "de", "test")


def test_survey_answers_are_negatives_only_for_types_whose_cues_they_lack() -> None:
    texts, mask = flags_lora.survey_negatives(
        [
            _answer("Die Pizza war kalt."),  # no cue: a negative for every type
            _answer("Nie wieder bei denen."),  # may be churn: not a churn negative
            _answer("Das geht an meinen Anwalt."),  # may be legal
            _answer("Seit heute kein Strom."),  # may be urgent
            Example("Le colis est arrivé.", "neutral", "fr", "test"),  # not de/en: left out
        ]
    )
    assert texts[0] == "Die Pizza war kalt." and len(texts) == 4
    order = [t.value for t in flags_lora.TYPES]
    assert order == ["legal", "churn", "urgent"]
    np.testing.assert_array_equal(mask, [[1, 1, 1], [1, 0, 1], [0, 1, 1], [1, 1, 0]])
    assert flags_lora.plain_answers([_answer("Die Pizza war kalt."), _answer("Ich kündige.")]) == [
        "Die Pizza war kalt."
    ]


def test_the_plain_floor_raises_a_threshold_the_flag_sets_alone_would_allow() -> None:
    # One type. Flag set: 100 ordinary answers at 0.1, positives at 0.5 and 0.9.
    probabilities = np.array([[0.9], [0.5]] + [[0.1]] * 100)
    labels = np.array([[1], [1]] + [[0]] * 100)
    ordinary = np.array([False, False] + [True] * 100)
    choices, _ = flag_thresholds.choose_thresholds(probabilities, labels, ordinary, budget=0.0)
    assert choices[0].recall == 1.0  # just above 0.1
    # 100 plain survey answers, one of them at 0.6; a budget of 1% lets one through ...
    plain = np.array([[0.6]] + [[0.0]] * 99)
    choices, _ = flag_thresholds.choose_thresholds(
        probabilities, labels, ordinary, budget=0.0, plain=plain, plain_budget=0.01
    )
    assert choices[0].recall == 1.0
    # ... none at 0.5%: the threshold rises above 0.6 and the positive at 0.5 is lost
    choices, _ = flag_thresholds.choose_thresholds(
        probabilities, labels, ordinary, budget=0.0, plain=plain, plain_budget=0.005
    )
    assert choices[0].threshold > 0.6 and choices[0].recall == 0.5


def test_it_never_trains_or_chooses_on_a_measuring_set() -> None:
    chosen = set(flags_lora.TRAIN_SETS) | set(flags_lora.THRESHOLD_SETS)
    assert {"eval", "train_v10"}.isdisjoint(chosen)
    assert set(flags_lora.TRAIN_SETS).isdisjoint(flags_lora.THRESHOLD_SETS)
    assert chosen <= set(SETS)


def test_label_matrix_and_ordinary_answers() -> None:
    from training.flag_sets import FlagExample

    examples = [
        FlagExample("1", "a", "de", frozenset({"churn", "abuse"})),
        FlagExample("2", "b", "de", frozenset()),
        FlagExample("3", "c", "en", frozenset({"abuse"})),
    ]
    np.testing.assert_array_equal(
        flag_thresholds.label_matrix(examples), [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    )
    # an abuse-only answer is not ordinary: a flag on it is no false alarm
    np.testing.assert_array_equal(flag_thresholds.ordinary_mask(examples), [False, True, False])


@pytest.mark.slow
def test_the_shared_loop_returns_the_initial_heads_when_no_epoch_beats_them(tmp_path) -> None:
    from training.lora_finetune import finetune_heads

    k, dim = 3, 384
    init_w = np.linspace(-1, 1, k * dim, dtype=np.float32).reshape(k, dim)
    init_b = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    calls: list[tuple[int, int]] = []

    def dev_score(logits) -> dict:
        out = logits(["Ich kündige.", "Alles gut."])
        calls.append(out.shape)
        return {"auc": 0.5}

    log = tmp_path / "log.jsonl"
    result = finetune_heads(
        ["Ich kündige.", "Alles gut."],
        np.array([[0, 1, 0], [0, 0, 0]], dtype=np.float32),
        np.ones((2, k), dtype=np.float32),
        init_w,
        init_b,
        dev_score,
        tmp_path / "ck",
        epochs=2,
        max_minutes=0,
        log_path=log,
    )
    assert calls == [(2, k), (2, k)]
    events = [json.loads(line)["event"] for line in log.read_text().splitlines()]
    assert events == ["dev", "time budget spent", "dev"]
    assert result.best_epoch == 0
    np.testing.assert_allclose(result.weight, init_w, atol=1e-6)
    np.testing.assert_allclose(result.bias, init_b, atol=1e-6)
    assert (tmp_path / "ck" / "epoch-1" / "h.st").exists()
    assert FlagType.CHURN in flags_lora.TYPES

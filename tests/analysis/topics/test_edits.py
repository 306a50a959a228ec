"""Codebook edits as pure transforms: each kind, replay on a refitted model, conflicts, pins.
Hand-built 4-dimensional models, so every centroid below is computed by hand."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from nlp_service.analysis.codebook import prototype
from nlp_service.analysis.topics import Theme, TopicModel
from nlp_service.analysis.topics.edits import (
    Edit,
    apply_edit,
    pins,
    replay,
)
from nlp_service.errors import InvalidInput


def theme(i: int, label: str, size: int, source: str = "emergent", status: str = "active") -> Theme:
    return Theme(i, label, (label.lower(),), size, (f"{label} example",), None,
                 labels={"de": f"{label}-de", "en": label}, source=source,  # type: ignore[arg-type]
                 status=status)  # type: ignore[arg-type]  # fmt: skip


def model(version: str = "v1") -> TopicModel:
    eye = np.eye(4, dtype=np.float32)
    themes = [theme(0, "Delivery", 3, "codebook"), theme(1, "Parcel", 1),
              theme(2, "Price", 5), theme(3, "Staff", 2, status="new")]  # fmt: skip
    return TopicModel("t", version, "emb", eye, themes, 0.3, next_id=4)


def test_rename_sets_labels_per_language_and_protects_an_emergent_theme() -> None:
    m = model()
    out, res = apply_edit(m, Edit("rename", {"theme_id": 2, "labels": {"de": "Preis"}}))
    t = out.by_id[2]
    assert t.labels == {"de": "Preis", "en": "Price"}
    assert t.label == "Price"  # the default label was the English one, which did not change
    assert t.source == "seeded" and res.outcome == "honoured" and res.changed
    assert res.before["labels"] == {"de": "Price-de", "en": "Price"}
    assert res.after["labels"]["de"] == "Preis"
    assert m.by_id[2].labels["de"] == "Price-de"  # the input model is untouched
    out2, _ = apply_edit(out, Edit("rename", {"theme_id": 2, "labels": {"en": "Pricing"}}))
    assert out2.by_id[2].label == "Pricing" and out2.by_id[2].label_history == ("Price",)
    again, res3 = apply_edit(out2, Edit("rename", {"theme_id": 2, "labels": {"en": "Pricing"}}))
    assert again is out2 and res3.outcome == "honoured" and not res3.changed


def test_merge_is_the_size_weighted_mean_and_records_the_absorbed() -> None:
    out, res = apply_edit(model(), Edit("merge", {"theme_ids": [0, 1], "into": 0}))
    assert [t.id for t in out.themes_] == [0, 2, 3]
    # sizes 3 and 1: (3, 1, 0, 0) / sqrt(10)
    expected = np.array([3, 1, 0, 0]) / math.sqrt(10)
    np.testing.assert_allclose(out.centroid_of(0), expected, atol=1e-6)
    assert out.by_id[0].size == 4
    assert [r.id for r in out.retired] == [1]
    assert set(res.params["absorbed"]) == {"1"}
    assert res.before["themes"][1]["id"] == 1 and res.after["theme"]["id"] == 0
    _, bad = apply_edit(model(), Edit("merge", {"theme_ids": [0, 9], "into": 9}))
    assert bad.outcome == "conflict" and bad.field == "into" and "not in version v1" in bad.reason
    with pytest.raises(InvalidInput) as err:
        apply_edit(model(), Edit("merge", {"theme_ids": [0, 1], "into": 2}))
    assert err.value.field == "into"


def test_split_keeps_the_id_for_the_first_part_and_records_the_others() -> None:
    a, b = [1, 0.2, 0, 0], [1, -0.2, 0, 0]
    parts = [
        {"centroid": a, "labels": {"de": "Lieferzeit", "en": "Delivery time"}, "size": 2},
        {"centroid": b, "labels": {"de": "Zusteller", "en": "Courier"}, "size": 1},
    ]
    out, res = apply_edit(model(), Edit("split", {"theme_id": 0, "parts": parts}))
    assert res.params["ids"] == [4] and out.next_id == 5
    assert out.by_id[0].labels["en"] == "Delivery time" and out.by_id[4].label == "Courier"
    assert out.by_id[4].source == "seeded" and out.by_id[0].source == "codebook"
    np.testing.assert_allclose(out.centroid_of(4), np.array(b) / np.linalg.norm(b), atol=1e-6)
    # Replayed on a model where the refit lost part 4 (and allocated ids up to 6): same id.
    refit = replace(model("v2"), next_id=7)
    again, res2 = apply_edit(refit, Edit("split", res.params), replaying=True)
    assert res2.params["ids"] == [4] and 4 in again.by_id and again.next_id == 7
    np.testing.assert_allclose(again.centroid_of(0), np.array(a) / np.linalg.norm(a), atol=1e-6)
    # Replayed where the refit kept both parts: nothing to do.
    _, res3 = apply_edit(out, Edit("split", res.params), replaying=True)
    assert res3.outcome == "honoured" and not res3.changed


def test_retire_add_accept_and_move() -> None:
    out, res = apply_edit(model(), Edit("retire", {"theme_id": 2}))
    assert 2 not in out.by_id and out.retired[-1].id == 2 and res.before["id"] == 2
    _, res2 = apply_edit(out, Edit("retire", res.params), replaying=True)
    assert res2.outcome == "honoured" and res2.reason == "already gone"
    _, first = apply_edit(out, Edit("retire", {"theme_id": 2}))  # not a replay: nothing to retire
    assert first.outcome == "conflict" and "retired in version v1" in (first.reason or "")

    vec = [0, 0, 0.6, 0.8]
    params = {"labels": {"de": "Verpackung"}, "phrases": ["a", "b", "c"], "centroid": vec}
    added, res3 = apply_edit(model(), Edit("add", params))
    assert res3.params["theme_id"] == 4 and added.by_id[4].source == "seeded"
    assert added.by_id[4].label == "Verpackung" and added.next_id == 5
    fixed, _ = apply_edit(model(), Edit("add", {"labels": {"en": "X"}, "centroid": vec,
                                                "theme_id": 40}))  # fmt: skip
    assert 40 in fixed.by_id and fixed.next_id == 41
    _, clash = apply_edit(model(), Edit("add", {"labels": {"en": "X"}, "centroid": vec,
                                                "theme_id": 2}))  # fmt: skip
    assert clash.outcome == "conflict"

    accepted, res4 = apply_edit(model(), Edit("accept", {"theme_id": 3}))
    assert accepted.by_id[3].status == "active" and accepted.by_id[3].source == "seeded"
    assert res4.before["status"] == "new"

    params = {"answer_ids": ["ans_1"], "from_theme": 1, "to_theme": 9}
    _, moved = apply_edit(model(), Edit("move", params))
    assert moved.outcome == "conflict" and moved.field == "to_theme"


def test_replay_after_a_refit_honours_or_reports_every_edit() -> None:
    edits = [
        Edit("rename", {"theme_id": 2, "labels": {"de": "Preis", "en": "Price level"}}, 1),
        Edit("merge", {"theme_ids": [0, 1], "into": 0}, 2),
        Edit("retire", {"theme_id": 3}, 3),
        Edit("rename", {"theme_id": 1, "labels": {"en": "Parcels"}}, 4),  # merged away by edit 2
        Edit("move", {"answer_ids": ["ans_9"], "from_theme": 2, "to_theme": 1}, 5),
    ]
    edited = model()
    for e in edits[:3]:
        edited, res = apply_edit(edited, e)
        edits[edits.index(e)] = replace(e, params=res.params)
    # The refit: theme 2's label regenerated (emergent fits relabel), and the merged-away parcel
    # theme found again as a new theme 7 next to where theme 1 was.
    cents = np.vstack([edited.centroids, np.array([[0.05, 1, 0, 0]], dtype=np.float32)])
    themes = [*(replace(t, label="price cost") if t.id == 2 else t for t in edited.themes_),
              theme(7, "parcel box", 4, status="new")]  # fmt: skip
    refit = replace(edited, version="v2", centroids=cents, themes_=themes, next_id=8)
    out, outcomes = replay(refit, edits)
    by_edit = {o.edit_id: o for o in outcomes}
    assert out.by_id[2].labels["en"] == "Price level" and out.by_id[2].label == "Price level"
    assert 7 not in out.by_id and by_edit[2].reason and "found again" in by_edit[2].reason
    assert by_edit[3].outcome == "honoured"
    assert by_edit[4].outcome == "conflict" and "merged into 0 by edit 2" in by_edit[4].reason
    # The move to theme 1 follows its merge into 0.
    assert by_edit[5].outcome == "honoured"
    pinned, conflicts = pins(edits, out)
    assert pinned[0].to_theme == 0 and not conflicts
    assert len(outcomes) == len(edits)


def test_an_edit_on_a_theme_a_later_edit_retired_is_a_conflict_on_replay() -> None:
    edits = [Edit("accept", {"theme_id": 3}, 1), Edit("retire", {"theme_id": 3}, 2)]
    m = model()
    for i, e in enumerate(edits):
        m, res = apply_edit(m, e)
        edits[i] = replace(e, params=res.params)
    refit = replace(m, version="v2")  # the refit did not bring theme 3 back
    _, outcomes = replay(refit, edits)
    assert outcomes[0].outcome == "conflict"
    assert outcomes[0].reason == "theme 3 was retired by edit 2"
    assert outcomes[1].outcome == "honoured"


def test_prototype_weights_labels_like_phrases() -> None:
    phrases = np.array([[1, 0, 0, 0], [0, 1, 0, 0]], dtype=np.float32)
    label = np.array([[0, 0, 2, 0]], dtype=np.float32)  # normalised to (0, 0, 1, 0) first
    got = prototype(phrases, label, weight=2.0)
    np.testing.assert_allclose(got, np.array([1, 1, 2, 0]) / math.sqrt(6), atol=1e-6)


def test_label_only_edits_keep_every_assignment_and_report_what_was_relabelled() -> None:
    # The service skips the reassignment for these kinds: ids, centroids and threshold stay.
    from nlp_service.analysis.topics.edits import LABEL_ONLY_KINDS, relabelled

    m = model()
    edits = {"rename": {"theme_id": 2, "labels": {"de": "Preis"}}, "accept": {"theme_id": 3}}
    assert set(edits) == LABEL_ONLY_KINDS
    for kind, params in edits.items():
        out, res = apply_edit(m, Edit(kind, params))  # type: ignore[arg-type]
        assert res.changed
        assert [t.id for t in out.themes()] == [t.id for t in m.themes()]
        assert np.array_equal(out.centroids, m.centroids) and out.threshold == m.threshold
        x = np.array([[1, 0.2, 0, 0], [0, 0, 1, 0], [0, 0, 0.1, 1]], dtype=np.float32)
        assert out.assign_ids(x)[0].tolist() == m.assign_ids(x)[0].tolist() == [0, 2, 3]
        renamed = [t.id for t in relabelled(m, out)]
        assert renamed == ([2] if kind == "rename" else [])

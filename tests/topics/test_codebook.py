"""The starter codebook: file validation, calibration (worked out by hand), assignment with the
real embedder, labels in the answer's language, the built artifact, and the pipeline default."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlp_service.analysis.codebook import (
    build_codebook,
    calibrate,
    held_out_similarities,
    load_codebook_model,
    resolve_codebook_folder,
)
from nlp_service.analysis.codebook_schema import load_codebook, parse_codebook
from nlp_service.analysis.topics import TopicModel, TopicRegistry
from nlp_service.analysis.topics.model import MANIFEST_FILE
from nlp_service.config import Settings
from nlp_service.errors import InvalidInput, ModelError, NotFound
from nlp_service.paths import MODELS_DIR

SHIPPED = MODELS_DIR / "codebooks" / "cx-starter"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    folder = resolve_codebook_folder("cx-starter", MODELS_DIR)
    return json.loads((folder / "codebook.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def model() -> TopicModel:
    return load_codebook_model("cx-starter", MODELS_DIR)


# --- the file --------------------------------------------------------------------------------
def test_shipped_codebook_has_the_30_fixed_themes(raw: dict[str, Any]) -> None:
    codebook = parse_codebook(raw)
    assert [t.id for t in codebook.themes] == list(range(1, 31))
    assert codebook.theme(1).labels == {"de": "Lieferzeit", "en": "Delivery time"}
    assert codebook.theme(16).labels["de"] == "App-Stabilität"
    for theme in codebook.themes:
        assert min(len(theme.examples["de"]), len(theme.examples["en"])) >= 12, theme.key


def _error(data: dict[str, Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_codebook(data)
    return info.value


def test_validation_names_the_field(raw: dict[str, Any]) -> None:
    few = copy.deepcopy(raw)
    few["themes"][2]["examples"]["de"] = few["themes"][2]["examples"]["de"][:5]
    err = _error(few)
    assert err.field == "themes.2.examples" and "at least 12" in err.message

    no_en = copy.deepcopy(raw)
    del no_en["themes"][0]["examples"]["en"]
    assert _error(no_en).field == "themes.0.examples.en"

    duplicate = copy.deepcopy(raw)
    duplicate["themes"][4]["id"] = duplicate["themes"][3]["id"]
    err = _error(duplicate)
    assert err.field == "themes.4.id" and "duplicate" in err.message

    polar = copy.deepcopy(raw)
    polar["themes"][5]["labels"]["de"] = "Unfreundliches Personal"
    assert _error(polar).field == "themes.5.labels"
    polar["themes"][5]["labels"]["de"] = "Schlechte Lieferung"  # inflected polarity word
    assert _error(polar).field == "themes.5.labels"
    long_label = copy.deepcopy(raw)
    long_label["themes"][0]["labels"]["en"] = "how long the delivery of parcels takes"
    assert "1-4 words" in _error(long_label).message

    wrong_format = {**copy.deepcopy(raw), "format": "something/2"}
    assert _error(wrong_format).field == "format"
    unknown = {**copy.deepcopy(raw), "colour": "blue"}
    assert _error(unknown).field == "colour"


def test_a_compound_with_a_polarity_word_inside_is_a_fine_label(raw: dict[str, Any]) -> None:
    ok = copy.deepcopy(raw)
    ok["themes"][27]["labels"]["de"] = "Gutscheine"  # contains "gut", carries no polarity
    assert parse_codebook(ok).themes[27].labels["de"] == "Gutscheine"


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_codebook(tmp_path / "missing.json")
    bad = tmp_path / "codebook.json"
    bad.write_text('{"format": ', encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_codebook(tmp_path)  # a folder means its codebook.json
    assert info.value.code == "invalid_json"


# --- calibration, by hand -------------------------------------------------------------------
def test_held_out_calibration_matches_hand_computation() -> None:
    # Theme 1: a=(1,0), b=(0.8,0.6); theme 2: c=(0,1), d=(0.6,0.8); one language, so every
    # example is its own hold-out group. Sums: S1=(1.8,0.6), S2=(0.6,1.8), |S|=sqrt(3.6)=1.8974.
    # a: own centroid without a = b -> 0.8; other S2/|S2| -> 0.6/1.8974 = 0.3162 -> right.
    # b: own without b = a -> 0.8; other: (0.48+1.08)/1.8974 = 0.8222 -> wrong (theme 2).
    # c, d mirror a, b. Held-out accuracy 2/4.
    x = np.array([[1, 0], [0.8, 0.6], [0, 1], [0.6, 0.8]], dtype=np.float32)
    ids = np.array([1, 1, 2, 2])
    groups = np.array([0, 1, 0, 1])
    sims = held_out_similarities(x, ids, groups, [1, 2])
    assert sims[0] == pytest.approx([0.8, 0.3162], abs=1e-4)
    assert sims[1] == pytest.approx([0.8, 0.8222], abs=1e-4)

    full = calibrate(x, ids, groups, [1, 2], coverage=1.0)
    assert full.threshold == pytest.approx(0.8, abs=1e-4)  # lowest best similarity
    assert (full.held_out_accuracy, full.coverage, full.precision) == (0.5, 1.0, 0.5)
    # Keeping a quarter: the 0.75 quantile ("lower") of [0.8, 0.8, 0.8222, 0.8222] is 0.8222;
    # b and d reach it, both wrong.
    strict = calibrate(x, ids, groups, [1, 2], coverage=0.25)
    assert strict.threshold == pytest.approx(0.8222, abs=1e-4)
    assert (strict.coverage, strict.precision) == (0.5, 0.0)


def test_translations_are_held_out_together() -> None:
    # Theme 1 holds an example and its exact "translation"; left in, it would score 1.0.
    x = np.array([[1, 0], [1, 0], [0.6, 0.8], [0.6, 0.8], [0, 1], [0, 1]], dtype=np.float32)
    ids = np.array([1, 1, 1, 1, 2, 2])
    groups = np.array([0, 0, 1, 1, 0, 0])  # de and en at the same position share a group
    sims = held_out_similarities(x, ids, groups, [1, 2])
    assert sims[0, 0] == pytest.approx(0.6)  # only the other pair (0.6, 0.8) remains


# --- assignment with the real embedder --------------------------------------------------------
CLEAR = [  # written for this test; none of them is a codebook example
    ("de", 1, "Meine Bestellung ist nach zwölf Tagen immer noch nicht da."),
    ("de", 4, "Über eine Stunde in der Warteschleife, bevor jemand abgenommen hat."),
    ("de", 16, "Die Banking-App stürzt beim Überweisen jedes Mal ab."),
    ("de", 6, "Der Schaffner war ausgesprochen unhöflich zu uns."),
    ("de", 10, "Auf der Rechnung wurde mir ein Gerät berechnet, das ich nie bestellt habe."),
    ("en", 1, "The order came three days later than promised."),
    ("en", 16, "The app crashes whenever I open my statements."),
    ("en", 6, "The receptionist was really rude to us."),
    ("en", 24, "My broadband drops out several times every evening."),
    ("en", 12, "Still no money back for the shoes I returned a month ago."),
    ("de", -1, "Danke, passt alles."),
    ("en", -1, "Thanks, all fine."),
]


def test_clear_answers_get_their_theme_in_their_language(model: TopicModel, embedder) -> None:
    texts = [text for _, _, text in CLEAR]
    for text in texts:
        assert all(text not in t.examples for t in model.themes())
    got = model.assign(embedder.encode(texts), [lang for lang, _, _ in CLEAR])
    assert [a.id for a in got] == [theme for _, theme, _ in CLEAR]
    assert got[0].label == "Lieferzeit" and got[5].label == "Delivery time"
    assert got[2].label == "App-Stabilität" and got[6].label == "App stability"
    assert got[-1].label == "" and got[-1].confidence < model.threshold


def test_the_issue_example_is_about_staff_not_an_airline_keyword_list(
    model: TopicModel, embedder
) -> None:
    (got,) = model.assign(
        embedder.encode(["Die Mitarbeiterin am Telefon war sehr kompetent und freundlich"]), ["de"]
    )
    assert (got.id, got.label) == (6, "Freundlichkeit Personal")


def test_label_language_choice(model: TopicModel) -> None:
    row = model.centroid_of(8)[None, :]
    rows = np.repeat(row, 4, axis=0)
    labels = [a.label for a in model.assign(rows, ["de", "en", "fr", None])]
    assert labels == ["Preis-Leistung", "Price and value", "Price and value", "Price and value"]
    assert [a.label for a in model.assign(row)] == ["Price and value"]  # no languages: default
    assert model.label_for(8, "de") == "Preis-Leistung"
    with pytest.raises(InvalidInput) as info:
        model.assign(rows, ["de"])
    assert info.value.field == "languages"


# --- the artifact ---------------------------------------------------------------------------
def _small_codebook(raw: dict[str, Any], folder: Path, n_themes: int = 4) -> Path:
    small = {**copy.deepcopy(raw), "name": "tiny", "version": "v1",
             "themes": copy.deepcopy(raw["themes"][:n_themes])}  # fmt: skip
    folder.mkdir(parents=True)
    (folder / "codebook.json").write_text(json.dumps(small, ensure_ascii=False), "utf-8")
    return folder


def test_artifact_round_trip(raw: dict[str, Any], embedder, tmp_path: Path) -> None:
    folder = _small_codebook(raw, tmp_path / "codebooks" / "tiny" / "v1")
    with pytest.raises(ModelError, match="not built"):
        load_codebook_model(str(folder), tmp_path)
    built, cal = build_codebook(folder, embedder, coverage=0.9)
    assert built.threshold == cal.threshold and 0.8 <= cal.coverage <= 1.0
    assert built.embedder_id == embedder.id and built.next_id == 5

    loaded = load_codebook_model("tiny:v1", tmp_path)  # no embedder involved in loading
    assert np.allclose(loaded.centroids, built.centroids)
    assert loaded.threshold == built.threshold
    assert [(t.id, t.labels, t.source, t.status, t.description) for t in loaded.themes()] == [
        (t.id, t.labels, "codebook", "active", t.description) for t in built.themes()
    ]
    vectors = embedder.encode(["Die Lieferung hat fast zwei Wochen gedauert."])
    assert loaded.assign(vectors, ["de"]) == built.assign(vectors, ["de"])
    assert loaded.assign(vectors, ["de"])[0].label == "Lieferzeit"
    # The registry reads the same folder (a codebook is a topic model version).
    assert TopicRegistry(tmp_path / "codebooks").load("tiny", "v1").version == "v1"


def test_manifests_without_the_new_theme_fields_still_load(model: TopicModel, tmp_path) -> None:
    model.save(tmp_path)
    data = json.loads((tmp_path / MANIFEST_FILE).read_text(encoding="utf-8"))
    for theme in data["themes"]:
        for key in ("labels", "description", "source", "status"):
            del theme[key]
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(data), encoding="utf-8")
    old = TopicModel.load(tmp_path)
    assert old.theme(1).source == "emergent" and old.theme(1).labels == {}
    assert old.label_for(1, "de") == "Delivery time"  # no German label: the default one


def test_unknown_codebook_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        resolve_codebook_folder("nope", tmp_path)


# --- the pipeline default --------------------------------------------------------------------
@pytest.mark.slow
def test_pipeline_defaults_to_the_codebook_not_the_airline_demo() -> None:
    from nlp_service.analysis.answer_input import AnswerInput
    from nlp_service.analysis.pipeline import Pipeline

    pipeline = Pipeline.from_settings(Settings(threads=2))
    topics = pipeline.topics
    assert isinstance(topics, TopicModel)
    assert topics.name == "cx-starter" and topics.name != "demo"
    assert {t.source for t in topics.themes()} == {"codebook"}
    de, en = pipeline.analyze_batch([
        AnswerInput.create("Die Mitarbeiterin am Telefon war sehr kompetent und freundlich"),
        AnswerInput.create("The staff member on the phone was very competent and friendly"),
    ])  # fmt: skip
    assert [t.label for t in de.themes] == ["Freundlichkeit Personal"]
    assert [t.label for t in en.themes] == ["Staff friendliness"]
    assert de.topic_model_version == topics.version

    assert Pipeline.from_settings(Settings(threads=2, default_codebook="")).topics is None


def test_default_codebook_for_another_embedder_is_ignored() -> None:
    from nlp_service.analysis.codebook import default_codebook

    settings = Settings(threads=2)
    assert default_codebook(settings, "some-other-embedder") is None
    assert default_codebook(settings, load_codebook_model("cx-starter", MODELS_DIR).embedder_id)


def test_shipped_folder_layout() -> None:
    version = (SHIPPED / "ACTIVE").read_text(encoding="utf-8").strip()
    names = {p.name for p in (SHIPPED / version).iterdir()}
    assert {"codebook.json", "README.md", "manifest.json", "topics.safetensors"} <= names


def test_evaluation_figures_match_hand_counts() -> None:
    from training.codebook import EvalAnswer, score_answers

    answers = [
        EvalAnswer("a", "", "de", (1, 4), 1),  # predicted 4 (best), 1: both right, top-1 wrong
        EvalAnswer("b", "", "de", (2,), 2),  # nothing predicted
        EvalAnswer("c", "", "de", (), None),  # no theme, but 7 predicted: a false theme
        EvalAnswer("d", "", "de", (5,), 5),  # 5 predicted: right
    ]
    predicted = [[(4, 0.6), (1, 0.5)], [], [(7, 0.4)], [(5, 0.9)]]
    f = score_answers(answers, predicted)
    assert f.themed == 3
    assert f.top1 == pytest.approx(1 / 3)  # only d
    assert f.primary_found == pytest.approx(2 / 3)  # a and d
    assert f.assigned == pytest.approx(2 / 3)  # a and d of the themed a, b, d
    assert f.predicted == 4 and f.precision == pytest.approx(3 / 4)  # 4, 1, 5 right; 7 wrong
    assert f.recall == pytest.approx(3 / 4)  # gold 1, 4, 2, 5: all but 2 found
    assert f.unthemed_assigned == 1.0  # c

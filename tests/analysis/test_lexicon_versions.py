"""The lexicon layer by version: v5, v6 and v7 (analysis/lexicon.py, one frozen rule set per
version in `RULE_SETS`; v5 with its own entry files data/sentiment/v5/) on a fixed list of texts
written for this test (none from an evaluation set). A version's scores never change once a model
ships with it: a change that moves a v5 or v6 value here breaks that model. The v7 rules get
their own tests below."""

from dataclasses import fields

import numpy as np
import pytest

from nlp_service.analysis.lexicon import lexicon_score
from nlp_service.analysis.lexicon_blend import (
    CONCESSION_FACTOR,
    CONTRAST_BOOST,
    BlendParams,
    contrast_weights,
)
from nlp_service.analysis.lexicon_rules import (
    ADVERSATIVE_BEFORE,
    ADVERSATIVE_FLIP,
    DECLINE_VALUE,
    DURABLE_VALUE,
    NOT_EVEN_VALUE,
    RESOLVED_VALUE,
    RULE_SETS,
    RuleSet,
)
from nlp_service.analysis.sentiment import _blend_params, apply_segment_rules
from nlp_service.errors import ModelError

# (text, v5, v6, v7): lexicon scores, None = no hit.
PINNED: list[tuple[str, float | None, float | None, float | None]] = [
    ("Die Jacke sieht gut aus, wärmt aber kaum.", 0.6, 0.6, -0.3),
    (
        "Die Jacke sieht gut aus, hält aber nach einer Woche schon nicht mehr zusammen.",
        0.3,
        0.3,
        -0.09,
    ),
    ("The app looks nice but crashes every day.", -0.05, -0.05, -0.4075),
    ("Der Preis ist hoch, lohnt sich aber.", 0.6, 0.6, 0.6),
    ("Freundlich waren sie aber.", 0.6, 0.6, 0.6),
    ("Null Service.", None, None, None),
    ("Null Probleme.", -0.4, -0.4, 0.2),
    ("Zero effort from support.", None, None, None),
    ("Der Rückruf klappt nie.", None, None, None),
    ("Nicht einmal eine Antwort auf meine Mail.", None, None, -0.5),
    ("Nicht mal schlecht.", 0.35, 0.35, 0.35),
    ("Not even a reply to my email.", None, None, -0.5),
    ("Die Qualität lässt leider stark nach.", -0.45, -0.45, -1.0),
    ("Der Akku hält jetzt schon seit acht Monaten.", None, None, 0.45),
    ("Der Akku hält seit acht Monaten nicht mehr.", -0.3, -0.3, -0.3),
    ("Still works after three years.", 0.3, 0.3, 0.9),
    ("Der Fehler wurde gleich behoben, ohne dass ich nachfragen musste.", -0.45, 0.15, 0.6),
    ("Der Fehler wurde nicht behoben.", -0.45, -0.93, -0.93),
    ("Toll, eine Antwort gab es nie.", 0.8, 0.8, -0.8),
    ("Toll, kein Problem beim Umtausch.", 1.0, 1.0, 1.0),
    ("Kein Vergleich zur Konkurrenz, hier ist alles schneller.", 0.75, 0.03, 0.75),
    (
        "Seit dem Umzug nur Ärger mit dem Netz, in der alten Wohnung lief es stabil.",
        -0.1,
        -0.1,
        -0.82,
    ),
    ("Früher war der Kundendienst besser.", -0.3, -0.75, -0.75),
    ("Ich habe mich über die Rechnung geärgert.", None, None, -0.7),
    ("Wir waren positiv überrascht.", None, None, None),
    ("Die Lieferung kam wie versprochen.", None, 0.5, 0.5),
    ("Das Essen war nicht gerade berauschend.", None, None, -0.48),
    ("Pleasantly surprised by the new menu.", None, None, 0.8),
    ("Hätte schneller gehen können.", 0.4, -0.6, -0.6),
    ("Sehr enttaeuscht.", None, -0.975, -0.975),
    ("Das Paket kam nie an.", None, -0.75, -0.75),
    ("Immer noch nicht erstattet.", -0.88, -0.88, -0.88),
    ("Nicht so toll.", -0.55, -0.55, -0.55),
    ("Wann öffnet die Filiale am Samstag?", None, None, None),
    ("Bitte schicken Sie mir eine Rechnung.", None, None, None),
    ("Super Beratung, sehr freundlich.", 1.0, 1.0, 1.0),
    ("Lieferung zwei Tage zu spät.", -0.52, -0.65, -0.65),
    ("Great service, thank you!", 1.0, 1.0, 1.0),
    ("The delivery was late and nobody called back.", -0.45, -0.45, -0.45),
    ("Het was prima.", None, None, None),
]


@pytest.mark.parametrize(("text", "v5", "v6", "v7"), PINNED)
def test_each_version_keeps_its_scores(
    text: str, v5: float | None, v6: float | None, v7: float | None
) -> None:
    for version, expected in ((5, v5), (6, v6), (7, v7)):
        got = lexicon_score(text, version)[0]
        if expected is None:
            assert got is None, (version, text, got)
        else:
            assert got == pytest.approx(expected, abs=1e-4), (version, text, got)


def test_v6_is_the_default_and_each_version_adds_its_rules() -> None:
    assert lexicon_score("Null Probleme.") == lexicon_score("Null Probleme.", 6)
    flags = [f.name for f in fields(RuleSet) if f.name != "version"]
    v6_rules = [f for f in flags if getattr(RULE_SETS[6], f)]
    assert v6_rules and not any(getattr(RULE_SETS[5], f) for f in flags)
    v7_rules = [f for f in flags if getattr(RULE_SETS[7], f)]
    assert set(v6_rules) < set(v7_rules) < set(flags)
    assert all(getattr(RULE_SETS[8], f) for f in flags)


def score7(text: str) -> float | None:
    return lexicon_score(text, 7)[0]


def test_v7_after_an_adversative_word_the_evaluation_turns() -> None:
    # hits after "aber"/"but": what came before counts ADVERSATIVE_BEFORE of its value
    assert score7("Das Hotel ist schön, liegt aber leider direkt an der Straße.") == pytest.approx(
        0.6 * ADVERSATIVE_BEFORE - 0.45
    )
    # nothing scored after it: the contrast is against what came before
    assert score7("Das Display ist gut, spiegelt aber stark.") == pytest.approx(
        -0.6 * ADVERSATIVE_FLIP
    )
    assert score7("The room was lovely but tiny.") is not None
    assert score7("The room was lovely but tiny.") < 0  # type: ignore[operator]
    # "aber" as a particle at the end, or with nothing after it, changes nothing
    assert score7("Nett sind sie aber.") == pytest.approx(lexicon_score("Nett sind sie aber.")[0])


def test_v7_null_and_clause_final_never_deny() -> None:
    assert score7("Null Freundlichkeit an der Kasse.") < 0  # type: ignore[operator]
    assert lexicon_score("Null Ärger beim Umtausch.", 6)[0] == pytest.approx(-0.5)
    assert score7("Null Ärger beim Umtausch.") == pytest.approx(0.5 * 0.5)
    v6, v7 = (
        lexicon_score("Der Drucker funktioniert leider nie.", 6)[0],
        score7("Der Drucker funktioniert leider nie."),
    )
    assert v6 is not None and v7 is not None and v7 < v6


def test_v7_a_missing_minimum_is_a_complaint() -> None:
    assert score7("Nicht einmal ein Rückruf.") == pytest.approx(NOT_EVEN_VALUE)
    assert score7("Not even a receipt.") == pytest.approx(NOT_EVEN_VALUE)
    assert score7("Nicht mal teuer.") > 0  # type: ignore[operator]  # the negated hit wins


def test_v7_separable_decline_and_durability() -> None:
    assert score7("Der Geschmack lässt nach.") == pytest.approx(DECLINE_VALUE)
    assert score7("Die Sohle hält schon seit zwei Jahren.") == pytest.approx(DURABLE_VALUE)
    assert score7("Die Sohle hält seit zwei Jahren nicht mehr.") is None or (
        score7("Die Sohle hält seit zwei Jahren nicht mehr.") <= 0  # type: ignore[operator]
    )
    assert score7("The blender still runs after four years.") == pytest.approx(DURABLE_VALUE)


def test_v7_a_solved_problem_is_praise_and_ohne_does_not_block_it() -> None:
    assert score7("Die Störung wurde geklärt, ohne dass ich nochmal anrufen musste.") == (
        pytest.approx(RESOLVED_VALUE)
    )
    assert score7("Die Störung wurde bis heute nicht geklärt.") is None or (
        score7("Die Störung wurde bis heute nicht geklärt.") < 0  # type: ignore[operator]
    )


def test_v7_irony_opener_before_a_denial() -> None:
    assert score7("Prima, Rückmeldung kam keine.") < 0  # type: ignore[operator]
    assert score7("Prima, kein Ärger mit dem Umtausch.") > 0  # type: ignore[operator]


def test_v7_past_or_rival_only_in_its_own_clause() -> None:
    # the rival in another clause than the comparative: praise of the present
    assert score7("Verglichen mit der Konkurrenz, hier alles viel günstiger.") is not None
    # praise of the old provider next to a complaint about the present is a complaint
    assert score7("Jetzt ständig Ausfälle, beim alten Anbieter lief es zuverlässig.") < 0  # type: ignore[operator]


def test_v7_contrast_weights_across_segments() -> None:
    texts = ["Das Frühstück war reichlich", "aber das Personal war unfreundlich.",
             "Zwar etwas teuer", "obwohl wir lange warten mussten", "But the staff were rude.",
             "Alles bestens."]  # fmt: skip
    w = contrast_weights(texts)
    assert list(w) == [1.0, CONTRAST_BOOST, CONCESSION_FACTOR, CONCESSION_FACTOR,
                       CONTRAST_BOOST, 1.0]  # fmt: skip
    # a concession holding its own turn keeps its weight: the adversative rule weighed it
    assert contrast_weights(["Zwar hübsch aber unbequem."])[0] == 1.0
    # applied after the blend, v7 only; clipped to [-1, 1]
    head = np.array([0.4, -0.8])
    v6 = apply_segment_rules(head, texts[:2], False, BlendParams(0.8, 8.0, 6))
    v7 = apply_segment_rules(head, texts[:2], False, BlendParams(0.8, 8.0, 7))
    assert v7[0] == pytest.approx(v6[0])
    assert v7[1] == pytest.approx(max(-1.0, v6[1] * CONTRAST_BOOST))


def test_model_cards_name_a_known_layer_version() -> None:
    assert _blend_params({"weight": 0.8, "full_words": 8, "version": 7}) == BlendParams(0.8, 8, 7)
    assert _blend_params({"weight": 0.9, "full_words": 3}) == BlendParams(0.9, 3, 5)
    assert _blend_params({"weight": 0.8, "full_words": 8, "version": 8}) == BlendParams(0.8, 8, 8)
    with pytest.raises(ModelError):
        _blend_params({"weight": 0.8, "full_words": 8, "version": 9})


def test_v7_regret_words_are_never_denied() -> None:
    # v6 flips "leider" with the clause-final "nie" into praise; v7 keeps the regret
    text = "Der Drucker funktioniert leider nie."
    v6, v7 = lexicon_score(text, 6)[0], score7(text)
    assert v6 == pytest.approx(-0.45 + 0.3)
    assert v7 is not None and v7 < v6
    assert score7("Unfortunately the charger never works.") < 0  # type: ignore[operator]


def test_v7_as_never_before_and_a_bad_thing_declining() -> None:
    # "wie (noch) nie" praises; only a bare clause-final "nie" denies
    assert score7("Die Bahn war pünktlich wie nie.") == pytest.approx(
        lexicon_score("Die Bahn war pünktlich wie nie.", 6)[0]
    )
    assert score7("Die Bahn war leider nie pünktlich.") < 0  # type: ignore[operator]
    # "lässt nach" of a bad thing is no complaint about decline ("leider" is no bad thing)
    assert score7("Der Ärger lässt langsam nach.") == pytest.approx(
        lexicon_score("Der Ärger lässt langsam nach.", 6)[0]
    )
    assert score7("Die Frische lässt leider nach.") == pytest.approx(
        max(-1.0, -0.45 + DECLINE_VALUE)
    )

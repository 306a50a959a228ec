"""The v5 evaluative lexicon (analysis/lexicon.py) and its blend with a head's segment scores.
Expected values are the lexicon entries worked through by hand (data/sentiment/lexicon_*.txt)."""

import json

import numpy as np
import pytest

from nlp_service.analysis.lexicon import lexicon_score
from nlp_service.analysis.lexicon_blend import BlendParams, blend
from nlp_service.analysis.lexicon_entries import guess_language, lexicon, parse_lexicon, tokens
from nlp_service.analysis.lexicon_rules import (
    COUNTERFACTUAL_MIN,
    INTENSIFIER_FACTOR,
    NEGATED_NEGATIVE_FACTOR,
    NEGATED_POSITIVE_FACTOR,
    QUICK_VALUE,
)
from nlp_service.analysis.sentiment import PolarityHead, apply_segment_rules
from nlp_service.errors import ModelError


def score(text: str) -> float | None:
    return lexicon_score(text)[0]


def test_packaged_lexicons_are_several_hundred_entries_and_parse() -> None:
    for language, minimum in (("de", 400), ("en", 300)):
        lex = lexicon(language)
        n = len(lex.words) + len(lex.prefixes) + len(lex.suffixes)
        n += sum(len(v) for v in lex.phrases.values())
        n += sum(len(v) for _, v in lex.prefix_phrases)
        assert n >= minimum, (language, n)
        values = list(lex.words.values()) + [v for _, v in lex.prefixes]
        assert all(-1.0 <= v <= 1.0 for v in values)


def test_bare_evaluative_words_and_hedges() -> None:
    assert score("Miserabel") == pytest.approx(-0.9)
    assert score("Ausbaufähig.") == pytest.approx(-0.6)
    assert score("Könnte besser sein.") == pytest.approx(-0.5)  # the phrase, not "besser"
    assert score("Spitze!") == pytest.approx(0.9)
    assert score("Heute ist Dienstag.") is None


def test_negation_flips_with_asymmetric_strength() -> None:
    # "schlecht" -0.7 denied: mildly positive; "gut" 0.6 denied: clearly negative.
    assert score("Nicht schlecht.") == pytest.approx(0.7 * NEGATED_NEGATIVE_FACTOR)
    assert score("Das war nicht gut.") == pytest.approx(-0.6 * NEGATED_POSITIVE_FACTOR)
    assert score("The staff were not helpful.") == pytest.approx(-0.65 * NEGATED_POSITIVE_FACTOR)
    # A negator more than three words before does not reach the word.
    assert score("Nicht dass ich wüsste, war gut.") == pytest.approx(0.6)
    # "ohne" reaches two words only; a German segment ending in "nicht" denies what came before.
    assert score("Ohne große Probleme.") == pytest.approx(0.4 * NEGATED_NEGATIVE_FACTOR)
    assert score("Ohne viel Papierkram erledigt.") == pytest.approx(0.35)
    assert score("Überzeugt hat mich das nicht.") == pytest.approx(-0.65 * NEGATED_POSITIVE_FACTOR)
    # A phrase that holds its own negation is not flipped again.
    assert score("Nicht zu empfehlen.") == pytest.approx(-0.8)


def test_intensifiers_strengthen_and_are_capped() -> None:
    assert score("sehr gut") == pytest.approx(0.6 * INTENSIFIER_FACTOR)
    assert score("total enttäuschend") == pytest.approx(-0.75 * INTENSIFIER_FACTOR)
    assert score("absolut perfekt") == pytest.approx(1.0)  # 0.9 * 1.3 capped


def test_inflected_forms_match_one_entry() -> None:
    for text in ("enttäuscht", "Enttäuschend", "Die enttäuschte Kundin", "Enttäuschung pur"):
        assert score(text) == pytest.approx(-0.75), text
    # Adjective endings are stripped for plain entries: schlecht -> schlechte, schlechten.
    assert score("schlechte Ware") == pytest.approx(-0.7)
    assert score("mit schlechten Kabeln") == pytest.approx(-0.7)


def test_german_compounds_by_suffix() -> None:
    assert score("Die Lieferkatastrophe geht weiter.") == pytest.approx(-0.9)
    assert score("Versandchaos") == pytest.approx(-0.65)
    assert score("Kundenunfreundlich") == pytest.approx(-0.75)  # the longer ending wins
    assert score("kundenfreundlich") == pytest.approx(0.55)
    # At least three letters before the ending: "Chaos" alone is the word entry, not a compound.
    assert score("Chaos") == pytest.approx(-0.65)


def test_english_only_words_do_not_fire_on_german_text() -> None:
    # "Bad" (bathroom), "Kind" (child), "Gift" (poison) are German words.
    assert score("Das Bad war sauber.") == pytest.approx(0.5)  # only "sauber"
    assert score("Mein Kind war begeistert.") == pytest.approx(0.85)  # only "begeistert"
    assert score("Das Bad") is None
    assert score("Bad") is None  # no signal word: the English homographs stay silent
    # ... while English text reads them.
    assert score("The room was bad.") == pytest.approx(-0.7)
    assert score("The guide was so kind.") == pytest.approx(0.5 * INTENSIFIER_FACTOR)


def test_dutch_and_french_segments_get_no_lexicon() -> None:
    assert guess_language(tokens("Weer storing bij iDEAL, het is niet te doen")) == "nl"
    assert score("Weer storing bij iDEAL, het is niet te doen") is None
    assert score("Le service est super.") is None
    assert guess_language(tokens("Miserabel")) is None


def test_phrases_longest_first_and_blockers() -> None:
    assert score("Gerne wieder!") == pytest.approx(0.8)
    assert score("Nichts zu meckern.") == pytest.approx(0.65)
    assert score("Danke für gar nichts.") == pytest.approx(-0.85)
    # "on top of" is a blocker (0): no hit, not a pull towards zero.
    assert score("It cost £27 on top of everything else.") is None
    # Hits add up, clipped to [-1, 1].
    assert score("Leider nicht zu empfehlen.") == pytest.approx(-1.0)


def test_parse_rejects_bad_lines() -> None:
    with pytest.raises(ValueError, match="outside"):
        parse_lexicon(["gut\t1.5"])
    with pytest.raises(ValueError, match="tab"):
        parse_lexicon(["gut 0.5"])
    lex = parse_lexicon(["# comment", "", "kaputt\t-0.8", "*desaster\t-0.9", "ärger*\t-0.5"])
    assert lex.words == {"kaputt": -0.8}
    # entries are stored folded (umlauts spelled out), as tokens are matched
    assert lex.suffixes == (("desaster", -0.9),) and lex.prefixes == (("aerger", -0.5),)


def test_blend_arithmetic_by_hand() -> None:
    params = BlendParams(weight=0.9, full_words=3.0)
    texts = [
        "Miserabel",  # 1 word, lexicon -0.9, w = 0.9
        "Die Naht ist nach zwei Wochen gerissen.",  # 7 words, lexicon -0.6, w = 0.9 * 3 / 7
        "Heute ist Dienstag.",  # no hit: the head's score
    ]
    out = blend(np.array([0.2, 0.14, 0.33]), texts, params)
    assert out[0] == pytest.approx(0.1 * 0.2 + 0.9 * -0.9)  # -0.79
    w = 0.9 * 3 / 7
    assert out[1] == pytest.approx((1 - w) * 0.14 + w * -0.6)  # -0.1454
    assert out[1] == pytest.approx(-0.145429, abs=1e-5)
    assert out[2] == pytest.approx(0.33)


def test_segment_rules_blend_then_negated_negative_minimum() -> None:
    params = BlendParams(weight=0.9, full_words=3.0)
    texts = ["Zahlung lief problemlos.", "Nicht gut."]
    head = np.array([-0.87, 0.5])
    out = apply_segment_rules(head, texts, True, params)
    # "problemlos" +0.6 over 3 words: 0.1 * -0.87 + 0.9 * 0.6 = 0.453 (above the rule's 0.3)
    assert out[0] == pytest.approx(0.1 * -0.87 + 0.9 * 0.6)
    # "nicht gut" -0.48 over 2 words: 0.1 * 0.5 + 0.9 * -0.48 = -0.382
    assert out[1] == pytest.approx(0.1 * 0.5 + 0.9 * -0.48)
    assert np.array_equal(apply_segment_rules(head, texts, False, None), head)
    with pytest.raises(ModelError, match="segment texts"):
        apply_segment_rules(head, texts[:1], False, params)


def test_polarity_head_card_enables_the_lexicon(tmp_path) -> None:
    head = PolarityHead(
        np.array([1.0, 0.0]), 0.0, "test:e", "v5-test", 0.16, None, True, None,
        BlendParams(0.9, 3.0),
    )  # fmt: skip
    head.save(tmp_path / "v5-test", {})
    card = json.loads((tmp_path / "v5-test" / "model_card.json").read_text())
    assert card["lexicon"] == {"weight": 0.9, "full_words": 3.0, "version": 6}
    loaded = PolarityHead.load(tmp_path / "v5-test", "test:e")
    assert loaded.lexicon == BlendParams(0.9, 3.0)
    x = np.array([[0.0, 0.0]], np.float32)  # head score 0
    (s,) = loaded.predict(x, ["Miserabel"])
    assert s.score == pytest.approx(0.9 * -0.9, abs=1e-4) and s.label == "negative"
    plain = PolarityHead(np.array([1.0, 0.0]), 0.0, "test:e", "v4-test", 0.16)
    plain.save(tmp_path / "v4-test", {})
    assert PolarityHead.load(tmp_path / "v4-test").lexicon is None


# --- v6: spelling, clauses, counterfactuals, comparisons with the past, irony, complaint facts --


def test_umlauts_spelled_out_and_stretched_letters_match() -> None:
    assert score("sehr enttaeuscht") == score("sehr enttäuscht") == pytest.approx(-0.975)
    assert score("war schoen") == score("war schön") == pytest.approx(0.6)
    assert score("kein Aerger") == score("kein Ärger")
    assert score("suuuper") == pytest.approx(0.8)
    assert score("ueberragend") == pytest.approx(0.9)


def test_adjectives_in_el_and_er_keep_their_entry_when_inflected() -> None:
    assert score("Miserable Qualität.") == pytest.approx(-0.9)  # miserabel
    assert score("Die teure Lampe") == pytest.approx(-0.45)  # teuer


def test_an_and_also_do_not_make_a_german_segment_english() -> None:
    assert score("Paket kam beschädigt an") == pytest.approx(-0.7)


def test_negation_stays_in_its_clause() -> None:
    assert score("Kann man nichts sagen, alles gut.") == pytest.approx(0.6)
    # "X, mehr nicht" keeps X; "niemand" at the end denies its clause.
    assert score("Mittelmaß, mehr nicht.") == pytest.approx(-0.5)
    assert score("Geholfen hat mir niemand.") == pytest.approx(-0.55 * 0.8 - 0.35)


def test_counterfactuals_turn_the_wish_into_a_complaint() -> None:
    assert score("Hätte schneller gehen können.") == pytest.approx(-COUNTERFACTUAL_MIN)
    assert score("Könnte freundlicher sein.") == pytest.approx(-COUNTERFACTUAL_MIN)
    assert score("Die Wartezeit könnte kürzer sein.") == pytest.approx(-1.0)
    # negation and counterfactual cancel; a worse past that did not happen is mild praise
    assert score("Besser hätte es nicht laufen können.") == pytest.approx(COUNTERFACTUAL_MIN)
    assert score("Hätte schlimmer sein können.") == pytest.approx(0.7)
    assert score("Couldn't have gone better.") == pytest.approx(COUNTERFACTUAL_MIN)
    # a phrase holding its own modal is taken as written
    assert score("Könnte besser sein.") == pytest.approx(-0.5)


def test_praise_of_the_past_or_a_competitor_is_a_complaint() -> None:
    assert score("Früher war der Service deutlich besser.") < -0.5
    assert score("Die Konkurrenz ist günstiger.") < 0
    assert score("Letztes Jahr war die Qualität noch gut.") < 0
    # ... but not a comparison in favour of now
    assert score("Deutlich schneller als früher.") == pytest.approx(0.7)


def test_bare_praise_opening_a_complaint_is_irony() -> None:
    assert score("Super, drei Wochen Wartezeit.") == pytest.approx(-1.0)
    assert score("Toll, schon wieder kein Empfang.") == pytest.approx(-0.8)
    assert score("Super, gerne wieder!") == pytest.approx(1.0)


def test_solved_problems_and_quick_service_stated_as_facts() -> None:
    assert score("Der Fehler war nach einem Anruf behoben.") == pytest.approx(0.6)
    assert score("Problem nicht gelöst.") < 0
    assert score("Nach zwei Minuten war jemand dran.") == pytest.approx(QUICK_VALUE)
    assert score("Paket war am nächsten Morgen da.") == pytest.approx(QUICK_VALUE)
    assert score("Erst nach drei Tagen da.") == pytest.approx(-0.5)
    assert score("Nach zwei Tagen kaputt.") == pytest.approx(-0.75)


def test_complaint_facts_without_evaluative_words() -> None:
    for text in (
        "Akku hält nur zwei Stunden.",
        "Mir wurde doppelt abgebucht.",
        "Der Techniker kam nie.",
        "Der Monteur kam vier Stunden später als vereinbart.",
        "Geld nie zurückbekommen.",
    ):
        assert (score(text) or 0.0) < -0.4, text


def test_the_v5_layer_is_frozen_for_the_v5_model() -> None:
    # v5's card has no lexicon version: it keeps the layer it was selected with.
    assert lexicon_score("sehr enttaeuscht", 5)[0] is None
    assert lexicon_score("Hätte schneller gehen können.", 5)[0] == pytest.approx(0.4)
    v5 = BlendParams(0.9, 3.0, 5)
    texts = ["Hätte schneller gehen können."]
    assert apply_segment_rules(np.array([0.0]), texts, False, v5)[0] == pytest.approx(
        0.9 * 3 / 4 * 0.4
    )
    assert apply_segment_rules(np.array([0.0]), texts, False, BlendParams(0.9, 3.0))[
        0
    ] == pytest.approx(0.9 * 3 / 4 * -COUNTERFACTUAL_MIN)

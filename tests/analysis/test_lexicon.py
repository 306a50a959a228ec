"""The v5 evaluative lexicon (analysis/lexicon.py) and its blend with a head's segment scores.
Expected values are the lexicon entries worked through by hand (data/sentiment/lexicon_*.txt)."""

import json

import numpy as np
import pytest

from nlp_service.analysis.lexicon import (
    INTENSIFIER_FACTOR,
    NEGATED_NEGATIVE_FACTOR,
    NEGATED_POSITIVE_FACTOR,
    BlendParams,
    blend,
    guess_language,
    lexicon,
    lexicon_score,
    parse_lexicon,
    tokens,
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
    assert lex.suffixes == (("desaster", -0.9),) and lex.prefixes == (("ärger", -0.5),)


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
    assert card["lexicon"] == {"weight": 0.9, "full_words": 3.0}
    loaded = PolarityHead.load(tmp_path / "v5-test", "test:e")
    assert loaded.lexicon == BlendParams(0.9, 3.0)
    x = np.array([[0.0, 0.0]], np.float32)  # head score 0
    (s,) = loaded.predict(x, ["Miserabel"])
    assert s.score == pytest.approx(0.9 * -0.9, abs=1e-4) and s.label == "negative"
    plain = PolarityHead(np.array([1.0, 0.0]), 0.0, "test:e", "v4-test", 0.16)
    plain.save(tmp_path / "v4-test", {})
    assert PolarityHead.load(tmp_path / "v4-test").lexicon is None

"""Lexicon layer v8 (analysis/lexicon.py, `RULE_SETS[8]`): dialect negators, "zu + adjective"
fragments, intensifiers that are praise words, ironic openers after an intensifier,
counterfactuals per clause, umlauts typed as bare vowels. Texts written for this test (none from
an evaluation or dev set)."""

import pytest

from nlp_service.analysis.lexicon import lexicon_score
from nlp_service.analysis.lexicon_rules import TOO_MAX_WORDS, TOO_VALUE


def score(text: str, version: int = 8) -> float | None:
    return lexicon_score(text, version)[0]


def test_v8_dialect_denials() -> None:
    assert score("ned schlecht") > 0  # type: ignore[operator]
    assert score("ned schlecht", 7) < 0  # type: ignore[operator]
    assert score("Des Essen war net gut") < 0  # type: ignore[operator]
    assert score("Kann man niemandem empfehlen") < 0  # type: ignore[operator]
    assert score("Hilft einem nimmer weiter") is None or score("Hilft einem nimmer weiter") <= 0  # type: ignore[operator]


def test_v8_des_is_no_french_signal() -> None:
    assert score("des taugt nix", 7) is None
    assert score("des taugt nix") < 0  # type: ignore[operator]


def test_v8_too_adjective_is_a_complaint_in_short_segments_only() -> None:
    assert score("Portion zu klein") == pytest.approx(TOO_VALUE)
    assert score("Die Ärmel sind zu kurze") == pytest.approx(TOO_VALUE)
    assert score("Portion zu klein", 7) is None
    assert score("Nicht zu laut, angenehm.") > 0  # type: ignore[operator]
    long = (
        "Der Techniker hat gemerkt, dass der Wert zu hoch eingestellt war und es gleich angepasst."
    )
    assert len(long.split()) > TOO_MAX_WORDS
    assert score(long) is None
    assert score("Gut zu erreichen") == score("Gut zu erreichen", 7)  # an infinitive: no rule


def test_v8_intensifier_that_praises_only_intensifies() -> None:
    assert score("mega umständlich", 7) > -0.2  # type: ignore[operator]
    assert score("mega umständlich") < -0.6  # type: ignore[operator]
    assert score("Mega!") > 0  # type: ignore[operator]


def test_v8_irony_after_an_intensifier() -> None:
    assert score("Echt toll, jetzt ist es wieder kaputt.") < 0  # type: ignore[operator]
    assert score("Echt toll, vielen Dank!") > 0  # type: ignore[operator]
    assert score("Super gemacht, die Heizung ist schon wieder kalt.") < 0  # type: ignore[operator]


def test_v8_counterfactual_stays_in_its_clause() -> None:
    assert score("Hätte etwas früher kommen können, sonst prima.", 7) < 0  # type: ignore[operator]
    assert score("Hätte etwas früher kommen können, sonst prima.") > 0  # type: ignore[operator]
    assert score("Hätte besser laufen können.") < 0  # type: ignore[operator]


def test_v8_umlauts_as_bare_vowels() -> None:
    assert score("sehr gunstig") == pytest.approx(score("sehr günstig"))  # type: ignore[arg-type]
    assert score("total enttauscht") == pytest.approx(score("total enttäuscht"))  # type: ignore[arg-type]
    assert score("schon wieder") == score("schon wieder", 7)  # "schon" is not "schön"


def test_v8_colloquial_entries() -> None:
    for text in ("Alles paletti", "tiptop", "basst", "Auf den ist Verlass", "astrein"):
        assert score(text) > 0, text  # type: ignore[operator]
    for text in ("pfui", "Saftladen", "für die Tonne", "ewig in der Warteschleife", "mäh"):
        assert score(text) < 0, text  # type: ignore[operator]


def test_v8_nix_matches_the_nichts_entries() -> None:
    assert score("Da gibts nix zu bemängeln") == pytest.approx(score("nichts zu bemängeln"))  # type: ignore[arg-type]
    assert score("Das Ladekabel taugt nix") < 0  # type: ignore[operator]
    assert score("Das Ladekabel taugt nix", 7) is None


def test_v8_a_judged_waiting_time_follows_its_judgment() -> None:
    assert score("Wartezeit okay") > 0  # type: ignore[operator]
    assert score("Wartezeit okay", 7) < 0  # type: ignore[operator]
    assert score("Wartezeiten gering") > 0  # type: ignore[operator]
    assert score("Wartezeit") < 0  # type: ignore[operator]
    assert score("Wartezeit viel zu lang") < 0  # type: ignore[operator]


def test_v8_a_word_stretched_by_one_letter_finds_its_entry() -> None:
    assert score("Suuper") == pytest.approx(score("super"))  # type: ignore[arg-type]
    assert score("Suuper", 7) is None
    assert score("schlechtt") == pytest.approx(score("schlecht"))  # type: ignore[arg-type]
    assert score("Wasser") is None  # a real double letter without an entry stays unscored


def test_v8_dialect_is_and_a_do_not_make_an_answer_english() -> None:
    assert score("is a Katastrophe") < 0  # type: ignore[operator]
    assert score("is a Katastrophe", 7) is None
    assert score("The app is a mess") == score("The app is a mess", 7)
    assert score("Leiwand") > 0  # type: ignore[operator]

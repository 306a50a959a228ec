import pytest

from nlp_service.analysis.language import LanguageDetector

SENTENCES = [
    ("Die Lieferung kam viel zu spät und der Support war unfreundlich.", "de"),
    ("Ich bin mit der Beratung in der Filiale sehr zufrieden.", "de"),
    ("Die App stürzt ständig ab, seit dem letzten Update.", "de"),
    ("The delivery was late and the support agent was rude.", "en"),
    ("I love the new app, it is fast and easy to use.", "en"),
    ("Waited forty minutes on hold before anyone picked up.", "en"),
]


@pytest.fixture(scope="module", params=["fasttext", "langdetect"])
def detector(request: pytest.FixtureRequest) -> LanguageDetector:
    return LanguageDetector(request.param, ("de", "en", "fr", "it", "es", "nl"))


def test_full_sentences(detector: LanguageDetector) -> None:
    for text, lang in SENTENCES:
        result = detector.detect(text)
        assert (result.language, result.source) == (lang, "detector"), text
        assert 0.5 < result.confidence <= 1.0


def test_hint_wins_on_short_answers(detector: LanguageDetector) -> None:
    for text in ["Mehr Homeoffice", "Super!", "ok", "Preis"]:
        assert detector.detect(text, hint="de").language == "de", text
    assert detector.detect("Super!", hint="en").language == "en"


def test_hint_does_not_override_a_clear_long_text() -> None:
    detector = LanguageDetector("fasttext", ("de", "en"))
    result = detector.detect(SENTENCES[3][0], hint="de")
    assert (result.language, result.source) == ("en", "detector")


def test_hint_is_normalised() -> None:
    detector = LanguageDetector("fasttext", ("de", "en"))
    assert detector.detect("Danke", hint="DE-at").language == "de"


def test_no_words() -> None:
    detector = LanguageDetector("fasttext", ("de", "en"))
    assert detector.detect("!!! ???").language is None
    assert detector.detect("   ").confidence == 0.0
    assert detector.detect("...", hint="de").language == "de"


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown language backend"):
        LanguageDetector("nope")

"""Readable theme labels from hand-written German and English segments: the expected noun phrase,
never a polarity word, language fallback, handles/hashtags/URLs removed, and the hook into
`describe_themes`. HanTa's real German and English models run (they load in well under a second).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from nlp_service.analysis.topics.describe import describe_themes
from nlp_service.analysis.topics.labels import (
    LabelParams,
    Member,
    dominant_language,
    guess_language,
    nominalise,
    theme_labels,
)
from nlp_service.analysis.topics.phrases import (
    LANGUAGES,
    clean_for_labels,
    is_polar,
    polarity_words,
    segment_phrases,
    tag,
)


def members(texts: list[str], language: str | None) -> list[Member]:
    """Segments in the given order of centrality (first = most central)."""
    return [Member(t, language, 1.0 - i / 100) for i, t in enumerate(texts)]


HOTLINE_DE = [
    "Die Wartezeit der Hotline ist eine Zumutung.",
    "Wartezeit der Hotline: 40 Minuten, unfassbar schlecht.",
    "Ewige Wartezeit der Hotline, super nervig!!",
    "Die Wartezeit an der Hotline war wieder extrem lang.",
    "Hotline nie erreichbar, Wartezeit ohne Ende.",
    "Wartezeit der Hotline geht gar nicht",
]
STAFF_DE = [
    "Das Personal an der Kasse war total unfreundlich.",
    "Freundlichkeit des Personals lässt zu wünschen übrig.",
    "Super nettes Personal, sehr hilfsbereit!",
    "Unfreundliches Personal, nie wieder.",
    "Die Freundlichkeit des Personals war toll.",
    "Personal war schlecht gelaunt und unhöflich.",
]
DELAY_EN = [
    "My flight was delayed 3 hours, worst airline ever.",
    "Another flight delayed, great job @united http://t.co/abc",
    "flight delayed again #fail",
    "The flight was delayed and nobody told us anything.",
    "Terrible! Flight delayed twice today.",
    "They delayed our flight by two hours, so bad.",
]
BAGGAGE_EN = [
    "They lost my baggage, super annoying.",
    "Lost baggage again, unacceptable!",
    "Where is my baggage?? Awful service.",
    "baggage claim took forever, really bad",
    "Still no baggage after three days.",
    "My baggage arrived broken and late.",
]
DELIVERY_DE = [
    "Die Lieferung kam viel zu spät.",
    "Lieferung nach zwei Wochen immer noch nicht da.",
    "Schnelle Lieferung, danke!",
    "Die Lieferung war pünktlich.",
    "Lieferung hat ewig gedauert.",
    "Lieferung super schnell, top!",
]
DELIVERY_EN_FEW = ["The delivery was late.", "delivery took two weeks"]


def test_german_and_english_themes_get_the_expected_noun_phrase() -> None:
    hotline, staff, delay, baggage = theme_labels(
        [members(HOTLINE_DE, "de"), members(STAFF_DE, "de"), members(DELAY_EN, "en"),
         members(BAGGAGE_EN, "en")]
    )  # fmt: skip
    # "Wartezeit der Hotline" (4 of 6 segments) outranks its head word "Wartezeit" (6 of 6) and
    # reads as a researcher writes it; "Personal" is in all six staff segments.
    assert hotline["de"] == "Wartezeit Hotline"
    assert staff["de"] == "Personal"
    # "delayed" becomes "delay" only where the corpus uses that noun (next test); these segments
    # never do, so their noun phrase is "flight". Polarity words ("worst", "great") never win.
    assert delay["en"] == "flight"
    assert baggage["en"] == "baggage"
    # Themes without German segments borrow the English label, and vice versa.
    assert hotline["en"] == "Wartezeit Hotline" and baggage["de"] == "baggage"


def test_events_become_the_noun_the_corpus_uses() -> None:
    delay = [*DELAY_EN, "a two hour delay is normal now", "delay after delay"]
    (labels,) = theme_labels([members(delay, "en")])
    assert labels["en"] == "flight delay"
    nouns = {"cancellation": 3, "booking": 2, "delay": 5, "Verspätung": 2}
    assert nominalise("cancel", "en", Counter(nouns)) == "cancellation"
    assert nominalise("book", "en", Counter(nouns)) == "booking"
    assert nominalise("delay", "en", Counter(nouns)) == "delay"
    assert nominalise("lose", "en", Counter(nouns)) is None  # "loss" is no regular derivation
    assert nominalise("verspätet", "de", Counter(nouns)) == "Verspätung"
    # "late" and "spät" report the same event as "delayed" and "verspätet".
    assert ("delay", "flight") in segment_phrases(
        tag("The flight was late again", "en"), "en"
    ).events
    assert ("verspäten", None) in segment_phrases(
        tag("Die Lieferung kam zu spät", "de"), "de"
    ).events
    assert nominalise("verspäten", "de", Counter(nouns)) == "Verspätung"


def test_polarity_words_never_appear() -> None:
    # Every segment praises or curses; only the topic nouns may be named.
    rude = ["staff rude", "rude staff, worst airline", "So rude!! staff awful", "rude rude rude",
            "RUDE STAFF", "staff were unhelpful and rude"]  # fmt: skip
    praise = ["Awesome, thanks!", "great great great", "love you guys", "super toll!", "wow",
              "best ever!!"]  # fmt: skip
    labels = theme_labels(
        [members(HOTLINE_DE, "de"), members(STAFF_DE, "de"), members(DELAY_EN, "en"),
         members(BAGGAGE_EN, "en"), members(rude, "en"), members(praise, "en")]
    )  # fmt: skip
    for theme in labels:
        for lang, label in theme.items():
            assert not any(is_polar(w, lang) for w in label.split()), label
            for word in label.lower().split():
                assert word not in polarity_words("en") | polarity_words("de"), label
    assert labels[4]["en"] == "staff"
    # Nothing but praise: a theme of verdicts, named as such (was {}: a keyword label).
    assert labels[5] == {"de": "Gesamteindruck", "en": "Overall impression"}


def test_polarity_list_covers_inflections_and_compounds() -> None:
    assert {"rude", "worst", "great", "super"} <= polarity_words("en")
    assert {"schlecht", "toll", "unfreundlich", "super"} <= polarity_words("de")
    assert is_polar("unfreundlichen", "de") and is_polar("schlechteste", "de")
    assert is_polar("Super-Service", "de") and is_polar("RUDE", "en")
    assert not is_polar("Lieferung", "de") and not is_polar("delay", "en")


def test_language_fallback_and_threshold() -> None:
    mixed = members(DELIVERY_DE, "de") + members(DELIVERY_EN_FEW, "en")
    (labels,) = theme_labels([mixed])
    # Two English segments are below min_segments (5), but both name the delivery: English
    # names the theme itself (it borrowed the German label before).
    assert labels == {"de": "Lieferung", "en": "delivery"}
    # One English segment, or two without a shared phrase: English borrows the German label.
    (one,) = theme_labels([members(DELIVERY_DE, "de") + members(DELIVERY_EN_FEW[:1], "en")])
    assert one == {"de": "Lieferung", "en": "Lieferung"}
    unrelated = members(DELIVERY_DE, "de") + members(["The box was late.", "Took two weeks."], "en")
    assert theme_labels([unrelated])[0] == {"de": "Lieferung", "en": "Lieferung"}
    (own,) = theme_labels([mixed], LabelParams(min_segments=2))
    assert own == {"de": "Lieferung", "en": "delivery"}
    assert dominant_language(mixed) == "de"


def test_unknown_language_is_guessed_from_function_words() -> None:
    assert guess_language("Die Lieferung war nicht pünktlich und der Fahrer unfreundlich") == "de"
    assert guess_language("The parcel was late and the driver was rude") == "en"
    assert guess_language("Hotline") is None
    # Segments that show no language ("Schnelle Lieferung, danke!") follow the theme's majority.
    (labels,) = theme_labels([members(DELIVERY_DE, None)])
    assert labels == {"de": "Lieferung", "en": "Lieferung"}


def test_handles_hashtags_and_urls_are_removed() -> None:
    text = "@united #baggagefail lost baggage again https://t.co/xyz www.example.com a@b.de [EMAIL]"
    cleaned = clean_for_labels(text)
    for gone in ("@united", "#baggagefail", "baggagefail", "https", "t.co", "example", "a@b.de",
                 "EMAIL"):  # fmt: skip
        assert gone not in cleaned
    found = segment_phrases(tag(text, "en"), "en").phrases
    assert ("baggage",) in found and ("lost", "baggage") in found
    assert not any("united" in w or "baggagefail" in w for p in found for w in p)
    # A theme whose segments all name the same handle/hashtag/URL is not labelled by it.
    spam = [f"@JetBlue #fleek lol http://t.co/{n} seat {n}" for n in range(6)]
    (labels,) = theme_labels([members(spam, "en")])
    assert labels["en"] == "seat"


def test_lemmatised_noun_phrases() -> None:
    found = segment_phrases(tag("Die Wartezeiten der Hotlines sind zu lang", "de"), "de").phrases
    assert ("Wartezeit", "Hotline") in found and ("Wartezeit",) in found
    found = segment_phrases(tag("Preis-Leistungen stimmen nicht", "de"), "de").phrases
    assert ("Preis-Leistung",) in found
    found = segment_phrases(tag("The customer service line was busy", "en"), "en").phrases
    assert ("customer", "service", "line") in found and ("customer", "service") in found
    # Shouted words are read in lower case; short all-caps words stay acronyms.
    found = segment_phrases(tag("LOST BAGGAGE, and the ATM ate my card", "en"), "en").phrases
    assert ("lost", "baggage") in found and ("ATM",) in found and ("card",) in found


def test_larger_theme_keeps_a_contested_label() -> None:
    big = ["Lost baggage again.", "My baggage never arrived.", "baggage claim chaos", "baggage",
           "where is my baggage", "no baggage after 3 days"]  # fmt: skip
    small = ["baggage fees are high", "baggage fee of 50 dollars", "the baggage fee again",
             "fee for baggage", "baggage fee"]  # fmt: skip
    first, second = theme_labels([members(big, "en"), members(small, "en")])
    assert first["en"] == "baggage"
    assert second["en"] == "baggage fee"


def test_describe_themes_gives_labels_per_language() -> None:
    texts = HOTLINE_DE + DELAY_EN + ["Wartezeit der Hotline", "hotline wait"]
    languages = ["de"] * 6 + ["en"] * 6 + ["de", "en"]
    members_ = [np.array([0, 1, 2, 3, 4, 5, 12, 13]), np.array([6, 7, 8, 9, 10, 11])]
    sims = np.linspace(1.0, 0.5, len(texts))
    keywords = [["wartezeit", "hotline"], ["flight", "delayed"]]
    hotline, delay = describe_themes(texts, members_, keywords, 2, languages, sims)
    assert hotline.label == "Wartezeit Hotline"  # dominant language: German
    assert hotline.labels == {"de": "Wartezeit Hotline", "en": "Wartezeit Hotline"}
    assert delay.labels["en"] == delay.label and delay.label.startswith("flight")
    assert hotline.keywords == ("wartezeit", "hotline")  # keywords stay a separate field
    assert set(hotline.labels) == set(LANGUAGES)


def test_segments_without_a_noun_phrase_give_no_label() -> None:
    noise = ["", "   ", "!!!", "12345", "lol omg", "wow!!", "great, thanks", "ok ok", "so so bad"]
    # Interjections and verdicts without a subject: a theme of verdicts (was {}).
    assert theme_labels([members(noise, "en")]) == [
        {"de": "Gesamteindruck", "en": "Overall impression"}
    ]
    # No text at all, or none in German or English: no label (the caller keeps its keywords).
    assert theme_labels([members(["", "   "], "en"), members(["Le colis"], "fr")]) == [{}, {}]
    # The same theme with one repeated topic noun is labelled by it.
    assert theme_labels([members([f"{t} seat" for t in noise], "en")]) == [
        {"de": "seat", "en": "seat"}
    ]


def test_other_languages_do_not_vote() -> None:
    french = [f"Le colis {n} est arrivé en retard, livraison lente" for n in range(6)]
    theme = members(DELIVERY_DE, "de") + members(french, "fr") + members(["Lieferung!"], None)
    (labels,) = theme_labels([theme])
    assert labels == {"de": "Lieferung", "en": "Lieferung"}
    assert dominant_language(members(french, "fr")) is None

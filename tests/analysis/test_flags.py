"""Moderation flags: abuse, churn, urgency/legal threats, personal data; reasons and ordering."""

from importlib.resources import files

import pytest

from nlp_service.analysis.flags import Flag, FlagType, detect_flags
from nlp_service.analysis.privacy import redact


def _reasons(text: str, flag_type: FlagType) -> list[str]:
    return [f.reason for f in detect_flags(text) if f.type == flag_type]


# --- abuse ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Ihr seid doch alle Vollidioten.", "Vollidioten"),
        ("Das ist ein Scheißladen!", "Scheißladen"),
        ("SCHEISSE, schon wieder kaputt", "SCHEISSE"),
        ("So eine Scheisse", "Scheisse"),
        ("Der Verkäufer ist ein Arschloch", "Arschloch"),
        ("Ihr Hurensöhne", "Hurensöhne"),
        ("Was für ein Drecksladen", "Drecksladen"),
        ("Volltrottel am Telefon", "Volltrottel"),
        ("Wichser!!", "Wichser"),
    ],
)
def test_german_abuse(text: str, reason: str) -> None:
    assert _reasons(text, FlagType.ABUSE) == [reason]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("What a fucking joke.", "fucking"),
        ("You are all idiots", "idiots"),
        ("fuck off", "fuck off"),
        ("what a bunch of wankers", "wankers"),
        ("This is bullshit", "bullshit"),
        ("the manager is an asshole", "asshole"),
    ],
)
def test_english_abuse(text: str, reason: str) -> None:
    assert _reasons(text, FlagType.ABUSE) == [reason]


@pytest.mark.parametrize(
    "text",
    [
        "A classic case: the assistant read Dickens.",
        "Die Analyse der Geschichte war gut.",
        "Scunthorpe, Essex and Sussex branches; great cocktail menu.",
        "Der Marsch war lang, der Barsch frisch, das Zimmer sauber.",
        "Wir waren in Passau, Lieferung kam schlampig verpackt.",
        "Die App ist idiotensicher.",
        "Das Licht ist hell, der Teppich dick, ich habe keine Lust mehr zu warten.",
        "Sauerkraut, Rum-Kugeln und eine Orgel (organ) im Reich der Mitte.",
        "The therapist suggested grape juice; the button on the pussycat toy fell off.",
        "Therapy for Spastik patients; Mist im Garten; kill switch; God bless.",
    ],
)
def test_scunthorpe_words_do_not_flag(text: str) -> None:
    assert _reasons(text, FlagType.ABUSE) == []


# --- churn ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Ich kündige meinen Vertrag.", "kündige"),
        ("Hiermit reiche ich die Kündigung ein.", "Kündigung"),
        ("Wir werden kündigen.", "kündigen"),
        ("Kuendigung folgt", "Kuendigung"),
        ("Ich wechsle zu Vodafone.", "Ich wechsle zu"),
        ("Nie wieder bestelle ich hier!", "Nie wieder"),
        ("Ich will meinen Vertrag beenden.", "Vertrag beenden"),
        ("I want to cancel my account now", "cancel my account"),
        ("Please cancel my subscription.", "cancel my subscription"),
        ("I'm switching to another provider.", "I'm switching to"),
        ("After this, I'm leaving.", "I'm leaving"),
        ("Close my account please", "Close my account"),
        ("Never again.", "Never again"),
    ],
)
def test_churn(text: str, reason: str) -> None:
    assert _reasons(text, FlagType.CHURN) == [reason]


@pytest.mark.parametrize(
    "text",
    [
        "Ich werde nicht kündigen.",
        "Keine Sorge, wir wollen keine Kündigung.",
        "I won't cancel my subscription.",
        "I don't want to cancel my account.",
        "We will never cancel my subscription, love it",
        "I'm leaving a review because the support was great.",
    ],
)
def test_negated_or_harmless_churn_does_not_flag(text: str) -> None:
    assert _reasons(text, FlagType.CHURN) == []


def test_negation_only_counts_in_the_same_clause() -> None:
    assert _reasons("Keine Lust mehr, ich kündige", FlagType.CHURN) == ["kündige"]


def test_being_unable_to_cancel_is_still_churn() -> None:
    assert _reasons("Ich kann meinen Vertrag nicht kündigen!", FlagType.CHURN) == ["kündigen"]


# --- urgency and legal threats ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Mein Anwalt meldet sich.", "Anwalt"),
        ("Ich schalte einen Rechtsanwalt ein", "Rechtsanwalt"),
        ("Ich gehe zur Verbraucherzentrale", "Verbraucherzentrale"),
        ("Ich werde Anzeige erstatten", "Anzeige erstatten"),
        ("Ich leite rechtliche Schritte ein", "rechtliche Schritte"),
        ("My lawyer will contact you", "lawyer"),
        ("I will sue you", "sue you"),
        ("Expect legal action", "legal action"),
        ("See you in small claims", "small claims"),
        ("I filed a chargeback", "chargeback"),
    ],
)
def test_legal_threats_are_urgent_with_top_severity(text: str, reason: str) -> None:
    flags = [f for f in detect_flags(text) if f.type == FlagType.URGENT]
    assert [(f.reason, f.severity) for f in flags] == [(reason, 3)]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Bitte dringend zurückrufen", "dringend"),
        ("Das muss sofort repariert werden", "sofort"),
        ("Please fix this immediately", "immediately"),
        ("URGENT: no heating", "URGENT"),
        ("Die Frist läuft ab", "Frist"),
    ],
)
def test_plain_urgency_has_low_severity(text: str, reason: str) -> None:
    flags = [f for f in detect_flags(text) if f.type == FlagType.URGENT]
    assert [(f.reason, f.severity) for f in flags] == [(reason, 1)]


@pytest.mark.parametrize("text", ["Das ist nicht dringend.", "Not urgent, just a note."])
def test_negated_urgency_does_not_flag(text: str) -> None:
    assert _reasons(text, FlagType.URGENT) == []


def test_nothing_in_neutral_feedback() -> None:
    assert detect_flags("Lieferung kam pünktlich, gerne wieder. Great product!") == []


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(text: str) -> None:
    assert detect_flags(text) == []


# --- reasons, personal data, ordering ---------------------------------------------------------


def test_reasons_are_the_matched_spans() -> None:
    text = "Ihr Vollidioten, ich kündige! Mein Anwalt meldet sich dringend. Cancel my account."
    flags = detect_flags(text)
    assert flags
    for flag in flags:
        assert flag.start is not None and flag.end is not None
        assert text[flag.start : flag.end] == flag.reason


def test_personal_data_flag_from_pii_types() -> None:
    flags = detect_flags("Ruft mich an", ["phone", "email", "phone"])
    assert flags == [Flag(FlagType.PERSONAL_DATA, "email,phone", 2)]
    assert detect_flags("Ruft mich an", []) == []


def test_personal_data_from_redaction() -> None:
    text = "Mail max@example.de oder 0171 1234567"
    flags = detect_flags(text, redact(text).entity_types)
    assert [(f.type, f.reason) for f in flags] == [(FlagType.PERSONAL_DATA, "email,phone")]


def test_sorted_by_severity_then_position() -> None:
    text = "Dringend! Ich kündige, ihr Idioten. Mein Anwalt meldet sich."
    flags = detect_flags(text, ["email"])
    assert [(f.type, f.reason, f.severity) for f in flags] == [
        (FlagType.ABUSE, "Idioten", 3),
        (FlagType.URGENT, "Anwalt", 3),
        (FlagType.PERSONAL_DATA, "email", 2),
        (FlagType.CHURN, "kündige", 2),
        (FlagType.URGENT, "Dringend", 1),
    ]
    assert [f.severity for f in flags] == sorted((f.severity for f in flags), reverse=True)


def test_one_flag_per_type_and_reason() -> None:
    flags = detect_flags("Idiot! Idiot! idiot. Ich kündige, ich kündige.")
    assert [(f.type, f.reason) for f in flags] == [
        (FlagType.ABUSE, "Idiot"),
        (FlagType.CHURN, "kündige"),
    ]
    assert flags[0].start == 0


def test_flag_to_dict() -> None:
    flag = detect_flags("Scheiße")[0]
    assert flag.to_dict() == {
        "type": "abuse",
        "reason": "Scheiße",
        "severity": 3,
        "start": 0,
        "end": 7,
    }


def test_long_text() -> None:
    text = ("Der Service war okay, aber die Lieferung kam zu spät. " * 2000)[:99_000]
    text += " Ihr Idioten, ich kündige."
    flags = detect_flags(text)
    assert [(f.type, f.reason) for f in flags] == [
        (FlagType.ABUSE, "Idioten"),
        (FlagType.CHURN, "kündige"),
    ]


# --- word lists ship as package data ----------------------------------------------------------


def test_word_lists_are_package_data() -> None:
    folder = files("nlp_service.analysis").joinpath("data").joinpath("flags")
    for name in ("abuse_de.txt", "abuse_en_extra.txt", "churn.txt", "threat.txt", "urgent.txt"):
        assert folder.joinpath(name).is_file(), name
    german = [
        line
        for line in folder.joinpath("abuse_de.txt").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert 60 <= len(german) <= 150

"""Redaction of personal data: recall per entity type, precision on look-alikes, offsets."""

import dataclasses

import pytest

from nlp_service.analysis.privacy import PLACEHOLDERS, PiiSpan, Redaction, redact


def _found(text: str) -> list[tuple[str, str]]:
    """(type, original substring) for every span."""
    return [(s.type, text[s.start : s.end]) for s in redact(text).spans]


def _rebuild(text: str, spans: tuple[PiiSpan, ...]) -> str:
    out, pos = [], 0
    for span in spans:
        out += [text[pos : span.start], PLACEHOLDERS[span.type]]
        pos = span.end
    return "".join([*out, text[pos:]])


# --- recall -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "max.mustermann@example.com",
        "jürgen.müller@beispiel.de",
        "first+tag@sub.example.co.uk",
        "SUPPORT_team-1@Firma.DE",
    ],
)
def test_email_is_redacted(email: str) -> None:
    text = f"Schreibt mir an {email}, danke."
    result = redact(text)
    assert result.text == "Schreibt mir an [EMAIL], danke."
    assert _found(text) == [("email", email)]


@pytest.mark.parametrize(
    "phone",
    [
        "0171 1234567",
        "+49 (0)30 123456-78",
        "030/1234567",
        "+1 415 555 2671",
        "(089) 12 34 56",
        "+49 171 1234567",
        "0049 171 1234567",
        "0171-1234567",
        "0 171 123 45 67",
    ],
)
def test_phone_is_redacted(phone: str) -> None:
    text = f"Ruft mich bitte unter {phone} zurück."
    assert redact(text).text == "Ruft mich bitte unter [PHONE] zurück."
    assert _found(text) == [("phone", phone)]


@pytest.mark.parametrize(
    "phone",
    ["Telefonnummer: 0171 1234567", "Kundenhotline 0800 1234567", "Tel. +49 30 1234567"],
)
def test_phone_after_phone_words_is_redacted(phone: str) -> None:
    assert [kind for kind, _ in _found(phone)] == ["phone"]


@pytest.mark.parametrize(
    "iban",
    [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "de89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
    ],
)
def test_iban_is_redacted(iban: str) -> None:
    text = f"Bitte auf {iban} überweisen."
    assert redact(text).text == "Bitte auf [IBAN] überweisen."
    assert _found(text) == [("iban", iban)]


def test_iban_followed_by_bic_keeps_bic() -> None:
    text = "IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX"
    assert redact(text).text == "IBAN [IBAN] BIC COBADEFFXXX"


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5555 5555 5555 4444",
        "3782 822463 10005",  # Amex 4-6-5
    ],
)
def test_card_is_redacted(card: str) -> None:
    text = f"Meine Karte {card} wurde doppelt belastet."
    assert redact(text).text == "Meine Karte [CARD] wurde doppelt belastet."
    assert _found(text) == [("card", card)]


def test_card_next_to_phone_is_not_taken_for_a_phone() -> None:
    text = "+49 171 1234567 4111 1111 1111 1111"
    assert redact(text).text == "[PHONE] [CARD]"


def test_card_between_other_numbers() -> None:
    assert redact("12 4111 1111 1111 1111 2024").text == "12 [CARD] 2024"


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.de/reset?token=abc123",
        "https://api.example.com/v1/data?api_key=k3y&format=json",
        "https://example.com/account?session=xyz",
        "https://cdn.example.com/file.pdf?sig=ab12cd&expires=1700000000",
        "https://login.example.com/cb?code=4/0AfJ",
        "http://example.com/login?user=max&password=hunter2",
        "https://x.de/r/3f9a8c7e2b1d4e6f9a0b1c2d",
        "www.example.de/order/550e8400-e29b-41d4-a716-446655440000",
        "https://app.example.com/#access_token=abc&state=1",
        "https://max:geheim@ftp.example.com/",
    ],
)
def test_secret_url_is_redacted(url: str) -> None:
    text = f"Link: {url} funktioniert nicht."
    assert redact(text).text == "Link: [URL] funktioniert nicht."


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.de/produkte",
        "https://shop.de/sommer-angebote-2024-fuer-die-familie",
        "https://example.de/suche?q=schuhe&page=2",
        "www.example.com/help/contact-us",
    ],
)
def test_plain_url_stays(url: str) -> None:
    text = f"Siehe {url}."
    assert redact(text) == Redaction(text, ())


def test_url_trailing_punctuation_is_not_redacted() -> None:
    text = "Hier (https://shop.de/reset?token=abc123)."
    assert redact(text).text == "Hier ([URL])."


def test_digits_inside_plain_url_are_not_phones() -> None:
    text = "https://www.example.de/produkte/01711234567"
    assert redact(text).spans == ()


# --- precision --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Bestellnummer 123456789",
        "order #4711-2023-88",
        "Kundennummer 0123456789",
        "Kundennr. 0301234567",
        "Ticket 04711234567",
        "Auftrag: 0891234567",
        "Artikel 0815-4711",
        "Rechnung 2024/123456",
        "ISBN 978-3-16-148410-0",
        "Tracking 00340434161234567890",
        "Geliefert am 12.03.2024, bestellt 2024-03-12.",
        "am 01.02.2023 um 10:00 Uhr",
        "Öffnungszeiten 08:00-18:00 Uhr",
        "kostet 49,99 € oder 1.299,00 EUR",
        "Preis 0,99 EUR",
        "80331 München",
        "PLZ 01067 Dresden",
        "Wir waren 12345678 Mal da",
    ],
)
def test_numbers_that_are_not_personal_data(text: str) -> None:
    assert redact(text) == Redaction(text, ())


def test_iban_with_bad_checksum_is_not_an_iban() -> None:
    text = "IBAN DE88 3704 0044 0532 0130 00"
    assert "iban" not in redact(text).entity_types
    assert redact("DE88370400440532013000").spans == ()


def test_iban_glued_to_letters_is_not_redacted() -> None:
    assert redact("DE89370400440532013000XYZ").spans == ()


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # Luhn fails
        "4111111111111112",
        "1234 5678 9012 3456",  # Luhn fails, no issuer prefix
        "Bestellung 0000000000000000",
    ],
)
def test_digits_that_are_not_cards(text: str) -> None:
    assert "card" not in redact(text).entity_types


def test_email_lookalikes_stay() -> None:
    for text in ["@max auf Twitter", "Preis @ 5 Euro", "a@b", "mail an info@"]:
        assert redact(text).spans == (), text


# --- structure, offsets, edge cases -----------------------------------------------------------


def test_several_entities_offsets_and_placeholders() -> None:
    text = (
        "Kontakt: jürgen.müller@beispiel.de oder 0171/1234567, "
        "IBAN DE89 3704 0044 0532 0130 00, Karte 4111 1111 1111 1111, "
        "Link https://shop.de/reset?token=abc123 – Bestellnummer 123456789."
    )
    result = redact(text)
    assert result.text == (
        "Kontakt: [EMAIL] oder [PHONE], IBAN [IBAN], Karte [CARD], "
        "Link [URL] – Bestellnummer 123456789."
    )
    assert _found(text) == [
        ("email", "jürgen.müller@beispiel.de"),
        ("phone", "0171/1234567"),
        ("iban", "DE89 3704 0044 0532 0130 00"),
        ("card", "4111 1111 1111 1111"),
        ("url", "https://shop.de/reset?token=abc123"),
    ]
    assert result.entity_types == ["card", "email", "iban", "phone", "url"]
    starts = [s.start for s in result.spans]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in zip(result.spans, result.spans[1:], strict=False))
    assert _rebuild(text, result.spans) == result.text


def test_entity_types_are_unique_and_sorted() -> None:
    result = redact("a@b.de, c@d.de und 0171 1234567")
    assert result.entity_types == ["email", "phone"]
    assert [s.type for s in result.spans] == ["email", "email", "phone"]


@pytest.mark.parametrize("text", ["", " ", "   \n\t  "])
def test_empty_and_whitespace(text: str) -> None:
    assert redact(text) == Redaction(text, ())
    assert redact(text).entity_types == []


def test_text_without_personal_data_is_unchanged() -> None:
    text = "Der Versand war schnell, die Ware gut verpackt. 5 Sterne!"
    assert redact(text) == Redaction(text, ())


def test_unicode_offsets() -> None:
    text = "😀 Grüße aus Köln – ruf 0171 1234567 an oder schreib an zoë@café.de 🙏"
    result = redact(text)
    assert _found(text) == [("phone", "0171 1234567"), ("email", "zoë@café.de")]
    assert result.text == "😀 Grüße aus Köln – ruf [PHONE] an oder schreib an [EMAIL] 🙏"


def test_result_is_frozen() -> None:
    result = redact("a@b.de")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.spans[0].start = 3  # type: ignore[misc]


def test_long_text_is_redacted_completely() -> None:
    chunk = (
        "Bestellung 123456789 vom 12.03.2024 für 49,99 €. Mail: max@example.de, "
        "Tel. 0171 1234567, IBAN DE89 3704 0044 0532 0130 00, Karte 4111 1111 1111 1111. "
    )
    redacted_chunk = (
        "Bestellung 123456789 vom 12.03.2024 für 49,99 €. Mail: [EMAIL], "
        "Tel. [PHONE], IBAN [IBAN], Karte [CARD]. "
    )
    repeats = 100_000 // len(chunk) + 1
    text = (chunk * repeats)[:100_000]
    whole = 100_000 // len(chunk)
    result = redact(text)
    assert result.text.startswith(redacted_chunk * whole)
    for kind in ("email", "phone", "iban", "card"):
        assert sum(s.type == kind for s in result.spans) >= whole
    assert _rebuild(text, result.spans) == result.text

from nlp_service.analysis.segments import split_segments


def texts(text: str, lang: str = "de", max_chars: int = 1_000) -> list[str]:
    return [s.text for s in split_segments(text, lang, max_chars)]


def test_single_sentence_is_one_segment() -> None:
    assert texts("Super freundliche Beratung, gerne wieder!") == [
        "Super freundliche Beratung, gerne wieder!"
    ]


def test_contrastive_clause_becomes_its_own_aspect() -> None:
    assert texts("Lieferung schnell, aber die Hotline ist eine Katastrophe") == [
        "Lieferung schnell",
        "aber die Hotline ist eine Katastrophe",
    ]
    assert texts("Great app, but checkout fails.", "en") == ["Great app", "but checkout fails."]


def test_sentences_and_abbreviations() -> None:
    assert texts("Dr. Müller hat mich z.B. gut beraten. Danke.") == [
        "Dr. Müller hat mich z.B. gut beraten.",
        "Danke.",
    ]
    assert texts("Fast delivery. Friendly driver!\nApp is slow", "en") == [
        "Fast delivery.",
        "Friendly driver!",
        "App is slow",
    ]


def test_offsets_point_into_the_text() -> None:
    text = "  Die Ware kam pünktlich.  Der Preis ist zu hoch, jedoch fair.  "
    for seg in split_segments(text, "de"):
        assert text[seg.start : seg.end] == seg.text


def test_long_text_is_chunked_not_truncated() -> None:
    text = " ".join(["wort"] * 3_000)  # 14,999 characters, no sentence end
    segs = split_segments(text, "de", max_chars=1_000)
    assert all(len(s.text) <= 1_000 for s in segs)
    assert sum(s.text.count("wort") for s in segs) == 3_000


def test_punctuation_only_pieces_are_dropped_but_something_remains() -> None:
    assert texts("!!!") == ["!!!"]
    assert texts("Gut. ... Schlecht.") == ["Gut.", "Schlecht."]


def test_cap_merges_neighbours_instead_of_dropping() -> None:
    from nlp_service.analysis.segments import cap_segments

    text = " ".join(f"Satz {i} ist da." for i in range(100))
    segs = split_segments(text, "de")
    assert len(segs) == 100
    capped = cap_segments(segs, text, max_chars=200, cap=20)
    assert len(capped) <= 20
    assert " ".join(s.text for s in capped) == text
    import pytest

    with pytest.raises(ValueError, match="the cap is 2"):
        cap_segments(segs, text, max_chars=50, cap=2)

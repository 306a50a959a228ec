"""Phone-typed training copies (training/typing_noise.py): they keep
every word of the answer, differ from it, and are drawn reproducibly from the German texts."""

from __future__ import annotations

import random
import re

import pytest

from training.typing_noise import HABITS, phone_copy, phone_typed, typed_on_phone

ANSWERS = [
    "Die Lieferung kam einen Tag früher als angekündigt, super!",
    "Zimmer blitzsauber, Frühstück üppig.",
    "Wie wär's mal mit einem Fahrplan, der auch stimmt?",
    "Produktqualität hat stark nachgelassen, die Naht ist nach zwei Wochen gerissen.",
    "Größte Enttäuschung überhaupt.",
    "Nie wieder.",
]


_TRANSLIT = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
_BARE = {"ä": "a", "ö": "o", "ü": "u", "ß": "s"}


def _spellings(word: str) -> set[str]:
    """How a phone typist may spell `word` (lower case; umlauts as written, transliterated or
    bare), before a slip."""
    w = word.lower()
    return {w, "".join(_TRANSLIT.get(c, c) for c in w), "".join(_BARE.get(c, c) for c in w)}


def _one_swap_apart(a: str, b: str) -> bool:
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]


def _same_words(copy: str, text: str) -> bool:
    """Every word of `text` is in `copy`, in order, spelled as a phone typist may, with at most
    one pair of neighbouring letters swapped in the whole copy."""
    words, copied = re.findall(r"[^\W_]+", text), re.findall(r"[^\W_]+", copy.lower())
    if len(words) != len(copied):
        return False
    slips = 0
    for word, typed in zip(words, copied, strict=True):
        spellings = _spellings(word)
        if typed in spellings:
            continue
        if not any(len(s) == len(typed) and _one_swap_apart(s, typed) for s in spellings):
            return False
        slips += 1
    return slips <= 1


@pytest.mark.parametrize("seed", range(25))
def test_a_phone_typed_copy_differs_but_keeps_every_word(seed: int) -> None:
    rng = random.Random(seed)
    for text in ANSWERS:
        copy = typed_on_phone(text, rng)
        assert copy != text
        assert _same_words(copy, text), (text, copy)


def test_the_habits_are_the_ones_named() -> None:
    rng = random.Random(0)
    copies = [typed_on_phone(ANSWERS[0], rng) for _ in range(400)]
    assert any(c == c.lower() for c in copies)  # lower case
    assert any("frueher" in c.lower() for c in copies)  # ü -> ue
    assert any("fruher" in c.lower() for c in copies)  # ü -> u
    assert any("angekündigt super" in c.lower() for c in copies)  # comma dropped
    assert any(c.endswith("super") for c in copies)  # exclamation mark dropped
    assert any("spuer" in c.lower() or "agnekündigt" in c.lower() for c in copies)  # a slip
    # the commonest copy is not the only one: the habits are drawn independently
    assert len(set(copies)) > 20


def test_short_words_never_slip() -> None:
    rng = random.Random(3)
    for _ in range(200):
        assert typed_on_phone("Nie wieder gut.", rng).lower().split()[0:1] in (["nie"],)


def test_phone_typed_draws_the_share_from_the_named_languages_only_and_reproducibly() -> None:
    texts = [f"Antwort Nummer {i}, alles prima." for i in range(40)]
    texts += [f"Answer number {i}, all fine." for i in range(20)]
    languages = ["de"] * 40 + ["en"] * 20
    typed = phone_typed(texts, languages, 0.25, seed=1)
    changed = [i for i, (a, b) in enumerate(zip(typed, texts, strict=True)) if a != b]
    assert len(changed) == 10  # a quarter of the 40 German texts
    assert all(languages[i] == "de" for i in changed)
    assert phone_typed(texts, languages, 0.25, seed=1) == typed
    assert phone_typed(texts, languages, 0.25, seed=2) != typed
    both = phone_typed(texts, languages, 0.5, seed=1, typed_languages=("de", "en"))
    assert sum(a != b for a, b in zip(both, texts, strict=True)) == 30
    assert phone_typed(texts, languages, 0.0, seed=1) == texts
    with pytest.raises(ValueError, match="phone_share"):
        phone_typed(texts, languages, 1.5, seed=1)


def test_each_habit_alone() -> None:
    text = "Die Lieferung kam früher, super! Wie geht das? Ich bin zufrieden."
    assert HABITS["lower"](text) == text.lower()
    assert HABITS["ae"](text) == text.replace("ü", "ue")
    assert (
        HABITS["nostops"](text) == "Die Lieferung kam früher super! Wie geht das? Ich bin zufrieden"
    )
    assert HABITS["nostops"]("Preis: 9.99 Euro.") == "Preis 9.99 Euro"  # a decimal point stays


def test_phone_copy_of_a_set_depends_on_its_name_only() -> None:
    copy = phone_copy(ANSWERS, "blind13")
    assert copy == phone_copy(ANSWERS, "blind13")
    assert copy != phone_copy(ANSWERS, "blind12")
    assert all(_same_words(c, t) for c, t in zip(copy, ANSWERS, strict=True))

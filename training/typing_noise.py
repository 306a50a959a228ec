"""How real survey answers are typed on a phone: the same answer in lower case, without umlauts
or punctuation, with a slip of the thumb. Every project-written training text is typed
cleanly, while real exports are full of "zimmer sauber fruehstueck gut"; a model that only
ever saw the clean spelling reads the messy one as a different, weaker text. `typed_on_phone`
makes a messy copy that keeps the answer's meaning (no word is replaced, none dropped, the
question and exclamation marks that can carry irony or a rhetorical question are kept more
often than not)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

# German umlauts the way people type them without a German keyboard or in a hurry: the
# transliteration (ae) or the bare vowel (a).
_UMLAUTS = {"ä": ("ae", "a"), "ö": ("oe", "o"), "ü": ("ue", "u"), "ß": ("ss", "s")}
_UMLAUT_RE = re.compile("[äöüßÄÖÜ]")
_SOFT_PUNCT_RE = re.compile(r"[.,;:]+(?=\s|$)")
_WORD_RE = re.compile(r"[^\W\d_]{5,}")


def _fold_umlauts(text: str, bare: bool) -> str:
    def one(m: re.Match[str]) -> str:
        ch = m.group(0)
        out = _UMLAUTS[ch.lower()][1 if bare else 0]
        return out.capitalize() if ch.isupper() else out

    return _UMLAUT_RE.sub(one, text)


def drop_soft_punctuation(text: str) -> str:
    """Full stops, commas, colons and semicolons gone (not ? or !), as in a hurried reply."""
    return re.sub(r"\s+", " ", _SOFT_PUNCT_RE.sub("", text)).strip()


# Each habit alone, applied to every answer: which of them costs a model most
# (benchmarks/flags_phone_typing.py --habits, benchmarks/sentiment_phone_typing.py --habits).
HABITS: dict[str, Callable[[str], str]] = {
    "lower": str.lower,
    "ae": lambda text: _fold_umlauts(text, bare=False),
    "nostops": drop_soft_punctuation,
}


def _slip(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters inside one longer word (a thumb slip); words under five
    letters are left alone so that a short word never turns into another word."""
    pairs = [  # inside a word, first and last letters kept, two different letters
        i
        for m in _WORD_RE.finditer(text)
        for i in range(m.start() + 1, m.end() - 2)
        if text[i].lower() != text[i + 1].lower()
    ]
    if not pairs:
        return text
    i = rng.choice(pairs)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def typed_on_phone(text: str, rng: random.Random) -> str:
    """A messy copy of `text`: each habit independently with the probability real exports
    suggest (lower case and dropped full stops are the commonest, slips the rarest). The copy
    always differs from `text` when any habit can apply."""
    out = text
    for _ in range(10):  # draw again when the habits drawn changed nothing
        out = text
        if rng.random() < 0.6:
            out = out.lower()
        if _UMLAUT_RE.search(out) and rng.random() < 0.6:
            out = _fold_umlauts(out, bare=rng.random() < 0.3)
        if rng.random() < 0.6:
            out = _SOFT_PUNCT_RE.sub("", out)
        if rng.random() < 0.15:
            out = out.replace("!", "").replace("?", "")
        if rng.random() < 0.25:
            out = _slip(out, rng)
        out = re.sub(r"\s+", " ", out).strip()
        if out != text:
            break
    return out


# The seed of the phone-typed copies the benchmarks score (benchmarks/*_phone_typing.py).
PHONE_SEED = 7


def phone_copy(texts: Sequence[str], key: str, seed: int = PHONE_SEED) -> list[str]:
    """One phone-typed copy per text, seeded by `key` (a set's name), so that a set's copy does
    not depend on which other sets are typed in the same run."""
    rng = random.Random(f"{seed}:{key}")
    return [typed_on_phone(t, rng) for t in texts]


def phone_typed(
    texts: Sequence[str],
    languages: Sequence[str],
    share: float,
    seed: int,
    typed_languages: Sequence[str] = ("de",),
) -> list[str]:
    """The training text of each answer: for a seeded draw of `share` of those in
    `typed_languages`, the messy copy `typed_on_phone` makes, else the text as written."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"phone_share must lie in [0, 1], got {share}")
    rng = random.Random(seed)
    eligible = [i for i, lang in enumerate(languages) if lang in typed_languages]
    chosen = set(rng.sample(eligible, round(share * len(eligible))))
    return [typed_on_phone(t, rng) if i in chosen else t for i, t in enumerate(texts)]

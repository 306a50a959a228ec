"""The lexicon files of the sentiment lexicon layer (analysis/lexicon.py): their entry syntax, the
parsed `Lexicon`, and the folding, tokenising and language guess that entries and texts share.

Entry syntax (one per line, `term<TAB>value`, value in [-1, 1]):
- `word` matches the word, and the word without a German adjective ending (-e, -en, -er, -es,
  -em) or English -s; `stem*` matches every word starting with `stem` (inflection:
  "enttäusch*" -> enttäuscht, enttäuschende); `*tail` matches a compound ending in `tail` with
  at least three letters before it ("*katastrophe" -> Lieferkatastrophe);
- a phrase of several words matches those consecutive words (each may end in `*`);
- the longest phrase wins, and words inside a matched phrase are not scored again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files

# Survey answers are typed without umlauts ("schoen", "enttaeuscht", "Aerger") and with
# stretched letters ("suuuper", "sooo schlecht"); entries and tokens are both folded (ä -> ae,
# ö -> oe, ü -> ue, ß -> ss; a run of three or more equal letters -> one), so either spelling
# matches (v6 error analysis).
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_RUN = re.compile(r"(\w)\1{2,}", re.UNICODE)


def fold(word: str) -> str:
    """`word` as the lexicon matches it: lower case, umlauts spelled out, letter runs cut."""
    return _RUN.sub(r"\1", word.lower().replace("’", "'").translate(_FOLD))


def words(text: str) -> frozenset[str]:
    """The space-separated words of `text` (word lists written as prose), folded."""
    return frozenset(fold(w) for w in text.split())


def raw_token(word: str) -> str:
    """`word` as layer v5 matched it: lower case only (no umlaut or letter-run folding)."""
    return word.lower().replace("’", "'")


def normalise(word: str, folded: bool) -> str:
    return fold(word) if folded else raw_token(word)


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
# A comma, semicolon or colon ends a clause: negation does not reach across it ("Kann man nichts
# sagen, alles gut.") and a clause-final "nicht" denies only its own clause.
_WORD_OR_BREAK = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|[,;:]", re.UNICODE)
BREAK = ","

# Words that mark a segment as German or English (function words only), as written.
_SIGNAL_TEXT = {
    "de": "der die das und ist nicht ich wir sie es ein eine einen war sind hat haben mit für auf "
    "bei sehr auch aber noch nur wie zu im vom zum beim mein meine mir mich man wurde "
    "kein keine nie schon immer alles leider gar",
    # not "an"/"also" from v6 on: German words too ("Paket kam beschädigt an" is German)
    "en": "the and is not i we you it a was are has have with for on at very but only "
    "too my me this that of to were been no never all always would could",
    # Dutch and French segments are left to the head (no lexicon of theirs; "iDEAL" is no praise).
    "nl": "het een en niet geen nooit ik wij we mijn bij van voor met maar ook nog weer al heel "
    "erg zijn was heb hebben wordt",
    "fr": "le la les un une et est pas ne je nous vous il elle mon ma mes avec pour sur mais "
    "très aussi du des au aux été c'est j'ai",
}
_SIGNAL = {lang: words(text) for lang, text in _SIGNAL_TEXT.items()}
# Layer v5 (no folding; "an" and "also" counted as English).
_SIGNAL_V5 = {lang: frozenset(text.split()) for lang, text in _SIGNAL_TEXT.items()}
_SIGNAL_V5["en"] = _SIGNAL_V5["en"] | {"an", "also"}
# English entries that are ordinary German words: read only in a segment that looks English.
GERMAN_HOMOGRAPHS = words(
    "bad kind hell gift fast mist rot arm also will war hat bald rat art brand handy fad fade lack"
)
_ENDINGS_DE = ("em", "en", "er", "es", "e")
_DOUBLE = re.compile(r"(\w)\1", re.UNICODE)


def with_singled(lex: Lexicon) -> Lexicon:
    """`lex` that also finds words stretched by one letter (lexicon layer v8): a map from each
    single-word entry with every double letter made single to its value, kept only where that
    form is unambiguous."""
    singled: dict[str, float] = {}
    clash: set[str] = set()
    for word, value in lex.words.items():
        key = _DOUBLE.sub(r"\1", word)
        if key in singled and singled[key] != value:
            clash.add(key)
        singled[key] = value
    for key in clash:
        del singled[key]
    return replace(lex, singled=singled)


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, float]
    prefixes: tuple[tuple[str, float], ...]  # "stem*", longest first
    suffixes: tuple[tuple[str, float], ...]  # "*tail", longest first
    phrases: dict[str, tuple[tuple[tuple[str, ...], float], ...]]  # first word -> phrases
    prefix_phrases: tuple[tuple[str, tuple[tuple[tuple[str, ...], float], ...]], ...]  # "stem*"
    # v6 on: an inflected -el/-er adjective finds its entry ("miserable" -> miserabel)
    el_er: bool = True
    # v8: a word stretched by one letter ("suuper", "Priima", "gutt") finds its entry when
    # both, with every double letter made single, are the same (only words without a match)
    singled: dict[str, float] | None = None

    def word_value(self, token: str) -> float | None:
        value = self.words.get(token)
        if value is not None:
            return value
        for end in _ENDINGS_DE:
            if token.endswith(end) and len(token) - len(end) >= 3:
                stem = token[: -len(end)]
                value = self.words.get(stem)
                if value is None and self.el_er and stem[-1] in "lr":
                    # adjectives in -el/-er lose that e when inflected: miserable, teure, teurer
                    value = self.words.get(stem[:-1] + "e" + stem[-1])
                if value is not None:
                    return value
        if token.endswith("s") and len(token) > 4:
            value = self.words.get(token[:-1])
            if value is not None:
                return value
        for stem, v in self.prefixes:
            if token.startswith(stem):
                return v
        for tail, v in self.suffixes:
            if token.endswith(tail) and len(token) - len(tail) >= 3:
                return v
        if self.singled is not None and len(token) >= 4:
            single = _DOUBLE.sub(r"\1", token)
            if single != token:
                return self.singled.get(single)
        return None


def _token_matches(pattern: str, token: str) -> bool:
    if pattern.endswith("*"):
        return token.startswith(pattern[:-1])
    return token == pattern or any(token == pattern + end for end in _ENDINGS_DE)


def parse_lexicon(lines: Sequence[str], folded: bool = True) -> Lexicon:
    """The entries of `lines`; `folded` False keeps them as layer v5 read them (lower case)."""
    words: dict[str, float] = {}
    prefixes: list[tuple[str, float]] = []
    suffixes: list[tuple[str, float]] = []
    phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    prefix_phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        term, _, value_text = line.rpartition("\t")
        if not term:
            raise ValueError(f"lexicon line without a tab-separated value: {raw!r}")
        value = float(value_text)
        if not -1.0 <= value <= 1.0:
            raise ValueError(f"lexicon value outside [-1, 1]: {raw!r}")
        parts = tuple(normalise(p, folded) for p in term.strip().split())
        if len(parts) > 1:
            target = prefix_phrases if parts[0].endswith("*") else phrases
            target.setdefault(parts[0].rstrip("*"), []).append((parts, value))
        elif parts[0].startswith("*"):
            suffixes.append((parts[0][1:], value))
        elif parts[0].endswith("*"):
            prefixes.append((parts[0][:-1], value))
        else:
            words[parts[0]] = value

    def longest_first(
        groups: dict[str, list[tuple[tuple[str, ...], float]]],
    ) -> dict[str, tuple[tuple[tuple[str, ...], float], ...]]:
        return {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in groups.items()}

    return Lexicon(
        words,
        tuple(sorted(prefixes, key=lambda p: -len(p[0]))),
        tuple(sorted(suffixes, key=lambda p: -len(p[0]))),
        longest_first(phrases),
        tuple(longest_first(prefix_phrases).items()),
        folded,
    )


@cache
def lexicon(language: str, version: int = 6) -> Lexicon:
    """The packaged lexicon of `language` ("de", "en", or "en-safe": English without German
    homographs) for lexicon layer `version`: v5 reads the frozen `v5/lexicon_<language>.txt`
    unfolded; v6 `lexicon_<language>.txt`; v7 adds the entries of `v7/lexicon_<language>_add.txt`
    (a later version only adds files, so an earlier version's entries and scores stay fixed)."""
    if language == "en-safe":
        full = lexicon("en", version)
        return Lexicon(
            {w: v for w, v in full.words.items() if w not in GERMAN_HOMOGRAPHS},
            full.prefixes,
            full.suffixes,
            full.phrases,
            full.prefix_phrases,
            full.el_er,
            full.singled,
        )
    folder = files("nlp_service.analysis").joinpath("data", "sentiment")
    if version == 5:
        text = folder.joinpath("v5", f"lexicon_{language}.txt").read_text(encoding="utf-8")
        return parse_lexicon(text.splitlines(), folded=False)
    lines = folder.joinpath(f"lexicon_{language}.txt").read_text(encoding="utf-8").splitlines()
    for v in (7, 8):
        if version >= v:
            add = folder.joinpath(f"v{v}", f"lexicon_{language}_add.txt")
            lines += add.read_text(encoding="utf-8").splitlines()
    if version >= 8:
        lines += dotless_variants(lines) + nix_variants(lines)
        return with_singled(parse_lexicon(lines))
    return parse_lexicon(lines)


# v8: survey answers typed without umlauts AND without the "e" ("gunstig", "zuverlassig",
# "enttauscht"): every entry with an umlaut also matches with the bare vowel, unless that form
# is an entry of its own or a common word ("schön" -> "schon", "drücken" -> "drucken").
_DOTLESS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "Ä": "A", "Ö": "O", "Ü": "U"})
_DOTLESS_STOP = words(
    "schon schone schonen schoner schones wurde wurden konnte konnten hatte hatten musste "
    "mussten fur uber zuruck drucken drucke druckt zahlen zahlt warme bar zugig trage kurzer "
    "halt kundig"
)


def nix_variants(lines: Sequence[str]) -> list[str]:
    """Lines for the colloquial "nix" of every entry with "nichts" ("taugt nix", "nix zu
    beanstanden"; lexicon layer v8)."""
    out = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        term, _, value = line.rpartition("\t")
        words_ = term.split()
        if "nichts" in words_ and "nix" not in words_:
            out.append(" ".join("nix" if w == "nichts" else w for w in words_) + f"\t{value}")
    return out


def dotless_variants(lines: Sequence[str]) -> list[str]:
    """Lines for the umlaut-less spellings of the entries in `lines` (lexicon layer v8)."""
    terms = set()
    parsed = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        term, _, value = line.rpartition("\t")
        if term:
            terms.add(fold(term.strip()))
            parsed.append((term.strip(), value))
    out = []
    for term, value in parsed:
        bare = term.translate(_DOTLESS)
        if bare == term or fold(bare) in terms:
            continue
        if any(w.lower().strip("*") in _DOTLESS_STOP for w in bare.split()):
            continue
        terms.add(fold(bare))
        out.append(f"{bare}\t{value}")
    return out


def tokens(text: str, folded: bool = True) -> list[str]:
    return [normalise(t, folded) for t in _WORD.findall(text)]


def clause_tokens(text: str) -> list[str]:
    """The folded words with BREAK where a comma, semicolon or colon stood."""
    return [BREAK if t in ",;:" else fold(t) for t in _WORD_OR_BREAK.findall(text)]


def guess_language(toks: Sequence[str], v5: bool = False) -> str | None:
    """ "de", "en", "nl", "fr" (the most function words of that language, ties resolved in
    that order) or None (no function word of any)."""
    signal = _SIGNAL_V5 if v5 else _SIGNAL
    counts = {lang: sum(t in words for t in toks) for lang, words in signal.items()}
    best = max(counts.values())
    if best == 0:
        return None
    tied = [lang for lang in ("de", "en", "nl", "fr") if counts[lang] == best]
    if "de" in tied and "en" in tied:
        return None
    return tied[0]


def phrase_at(lex: Lexicon, toks: Sequence[str], i: int) -> tuple[int, float] | None:
    token = toks[i]
    firsts = [token] + [token[: -len(e)] for e in _ENDINGS_DE if token.endswith(e)]
    cands = [c for f in firsts for c in lex.phrases.get(f, ())]
    cands += [c for stem, group in lex.prefix_phrases if token.startswith(stem) for c in group]
    best: tuple[int, float] | None = None
    for parts, value in cands:
        n = len(parts)
        if (
            (best is None or n > best[0])
            and i + n <= len(toks)
            and all(_token_matches(p, t) for p, t in zip(parts, toks[i : i + n], strict=True))
        ):
            best = (n, value)
    return best

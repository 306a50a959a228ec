"""Reading the maintained word lists and rule files (package data in `analysis/data/flags/`)."""

import importlib.util
import re
from collections.abc import Iterator, Sequence
from importlib.resources import files
from pathlib import Path

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_UMLAUT_PATTERNS = {"ä": "(?:ä|ae)", "ö": "(?:ö|oe)", "ü": "(?:ü|ue)", "ß": "(?:ß|ss)"}
_WORD = re.compile(r"[^\W_]+")


def _lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def _read_list(name: str) -> list[str]:
    resource = files("nlp_service.analysis").joinpath("data").joinpath("flags").joinpath(name)
    return list(_lines(resource.read_text("utf-8")))


def _fold_de(word: str) -> str:
    """Spelling-independent form: Scheiße, Scheisse and SCHEISSE all become `scheisse`."""
    return word.lower().translate(_UMLAUTS)


def _phrase_key(entry: str) -> str:
    """`ass-fucker` and `f.u.c.k` become the token sequences `ass fucker` and `f u c k`."""
    return " ".join(_WORD.findall(entry.lower()))


def _better_profanity_words() -> list[str]:
    # Located without importing: the package builds its slow censor on import.
    spec = importlib.util.find_spec("better_profanity")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("better-profanity is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "profanity_wordlist.txt"
    return list(_lines(path.read_text("utf-8")))


def _regex(lines: Sequence[str]) -> re.Pattern[str] | None:
    """One alternation of whole-word regexes; umlauts also match their ae/oe/ue/ss spelling."""
    if not lines:
        return None
    patterns = ["".join(_UMLAUT_PATTERNS.get(ch, ch) for ch in line) for line in lines]
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)

"""Language identification accuracy: full sentences and 1-3 word answers, with and without the
survey's language as a hint, for each backend. One run, one table.

    python -m benchmarks.language
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from nlp_service.analysis.language import LanguageDetector
from training.datasets import survey_fixture

SHORT = Path(__file__).resolve().parent / "data" / "short_answers.jsonl"


def main() -> None:
    sentences = [(e.text, e.language) for e in survey_fixture() if len(e.text.split()) > 3]
    short = [(d["text"], d["language"]) for d in map(json.loads, SHORT.read_text().splitlines())]
    print(
        f"sentences: {len(sentences)} (project-written survey answers > 3 words), "
        f"short answers: {len(short)} (1-3 words)"
    )
    header = ["backend", "set", "no hint", "hint", "wrong hint kept", "texts/s"]
    print("{:12s} {:10s} {:>8s} {:>8s} {:>16s} {:>9s}".format(*header))
    for backend in ("fasttext", "langdetect"):
        det = LanguageDetector(backend, ("de", "en", "fr", "it", "es", "nl", "pl", "tr"))
        for name, data in (("sentences", sentences), ("1-3 words", short)):
            start = time.perf_counter()
            plain = sum(det.detect(t).language == lang for t, lang in data)
            rate = len(data) / (time.perf_counter() - start)
            hinted = sum(det.detect(t, hint=lang).language == lang for t, lang in data)
            # A wrong hint (German survey, English answer): how often long texts resist it.
            other = {"de": "en", "en": "de"}
            resist = sum(det.detect(t, hint=other[lang]).language == lang for t, lang in data)
            print(
                f"{backend:12s} {name:10s} {plain / len(data):8.3f} {hinted / len(data):8.3f} "
                f"{resist / len(data):16.3f} {rate:9.0f}"
            )


if __name__ == "__main__":
    main()

"""Emergent theme labels of the refit benchmark (`benchmarks/refits.py`), before and after a change
of the labeller.

    HF_HUB_OFFLINE=1 python benchmarks/labels_refits.py --save before   (on the old labeller)
    HF_HUB_OFFLINE=1 python benchmarks/labels_refits.py --before before \
        > benchmarks/results/labels_refits.txt

Each first refit of `benchmarks/refits.py` (starter codebook as `previous`, service params; 200
answers x 5 samples, 1,000 x 3, 10,000 x 1 by default) is run once; the inputs of its
`describe_themes` call (segment texts, each theme's members and similarities, keywords, languages)
and which themes came out emergent are kept under data/benchmarks/labels_refits/ (vectors come
from the refit benchmark's cache, data/benchmarks/refits/). The labeller then runs on the kept
inputs, so before and after see exactly the same themes. `--save NAME` stores the emergent labels
as data/benchmarks/labels_refits/NAME.json; `--before NAME` prints them next to the current ones.

Failure classes of a label (a theme's label in its dominant language):
  none      no noun phrase: "theme 36"
  keywords  keyword fallback (a comma list of c-TF-IDF terms: "Bewertung, leid, tut")
  polar     contains a polarity/intensity word (package lists)
  verb      contains a word HanTa does not tag as a noun in the label's language (verbs,
            adjectives, adverbs: "passt", "braucht", "obwohl")
  generic   a single generic or evaluative noun ("Bewertung", "service", "Gefühl", "experience")
  long      more than 4 words
Both languages: share of emergent themes whose de and en labels are both noun phrases of their own
language (not the other language's label copied over).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.refits import Vectors, project_pool, refit, sample, tweet_pool  # noqa: E402

STORE = ROOT / "data" / "benchmarks" / "labels_refits"
# Generic or evaluative nouns that name no theme on their own (checked in lower case).
GENERIC = frozenset(
    {"bewertung", "service", "gefühl", "erfahrung", "experience", "problem", "sache", "thema",
     "eindruck", "feedback", "review", "kunde", "customer", "company", "firma", "unternehmen",
     "airline", "flight", "thing", "issue", "insgesamt", "leid", "people", "stern", "star"}
)  # fmt: skip


def capture(sizes: list[int], samples: dict[int, int]) -> list[dict[str, Any]]:
    """Inputs of `describe_themes` per first refit, from disk when kept, else by running it."""
    import nlp_service.analysis.topics.fit as fit_module
    from nlp_service.analysis.codebook import default_codebook
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import Settings
    from nlp_service.services.refits import parse_params

    STORE.mkdir(parents=True, exist_ok=True)
    out: list[dict[str, Any]] = []
    todo = [(size, seed) for size in sizes for seed in range(1, samples.get(size, 1) + 1)]
    missing = [(s, k) for s, k in todo if not (STORE / f"{s}-{k}.pkl").exists()]
    if missing:
        settings = Settings()
        params = parse_params(settings, None)
        embedder = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size)
        codebook = default_codebook(settings, embedder.id)
        assert codebook is not None
        project, tweets = project_pool(), tweet_pool()
        store = Vectors(embedder, project + tweets)
        original = fit_module.describe_themes
        for size, seed in missing:
            kept: dict[str, Any] = {}

            def spy(texts, members, keywords, n_examples, languages=None, similarities=None,  # type: ignore[no-untyped-def]
                    kept=kept):  # fmt: skip
                kept.update(texts=list(texts), members=[np.asarray(m) for m in members],
                            keywords=[list(k) for k in keywords], n_examples=n_examples,
                            languages=list(languages) if languages is not None else None,
                            similarities=similarities)  # fmt: skip
                return original(texts, members, keywords, n_examples, languages, similarities)

            fit_module.describe_themes = spy  # type: ignore[assignment]
            try:
                result = refit(store.of(sample(size, seed, project, tweets)), codebook, params,
                               embedder.id)  # fmt: skip
            finally:
                fit_module.describe_themes = original
            kept["emergent"] = [t.source == "emergent" for t in result.model.themes_]
            kept["ids"] = [t.id for t in result.model.themes_]
            (STORE / f"{size}-{seed}.pkl").write_bytes(pickle.dumps(kept))
            print(f"captured {size}-{seed}", file=sys.stderr, flush=True)
    for size, seed in todo:
        kept = pickle.loads((STORE / f"{size}-{seed}.pkl").read_bytes())
        kept.update(size=size, seed=seed)
        out.append(kept)
    return out


def label_all(runs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Emergent themes' labels per run (key "size-seed"), with what is needed to judge them."""
    from nlp_service.analysis.topics.describe import describe_themes
    from nlp_service.analysis.topics.labels import Member, dominant_language

    out: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        texts, langs, sim = run["texts"], run["languages"], run["similarities"]
        desc = describe_themes(texts, run["members"], run["keywords"], run["n_examples"], langs,
                               sim)  # fmt: skip
        rows = []
        for i, d in enumerate(desc):
            if not run["emergent"][i]:
                continue
            rows_i = run["members"][i]
            group = [Member(texts[r], langs[r], float(sim[r])) for r in rows_i]
            n_lang = Counter(langs[r] for r in rows_i)
            rows.append({
                "id": run["ids"][i], "size": len(rows_i),
                "label": d.label or f"theme {run['ids'][i]}",
                "labels": d.labels, "dominant": dominant_language(group) or "en",
                "de": n_lang.get("de", 0), "en": n_lang.get("en", 0),
                "keywords": list(d.keywords[:5]),
            })  # fmt: skip
        out[f"{run['size']}-{run['seed']}"] = rows
    return out


def _noun(word: str, last: bool) -> bool:
    """A German noun (capitalised, tagged NN) or an English one (tagged as a noun after "the",
    not a German function word or inflected verb: "obwohl", "braucht"); an English modifier
    before the last word may be an adjective or participle ("delayed flight")."""
    from nlp_service.analysis.topics.phrases import tag
    from nlp_service.analysis.topics.text import stop_words

    de = tag(word, "de")
    if word[:1].isupper() and de and de[0].pos == "NOUN":
        return True
    low = word.lower()
    en = tag(f"the {low}", "en")[-1].pos
    german_verb = bool(de) and de[0].pos != "NOUN" and de[0].lemma.lower() != low
    if low in stop_words() or german_verb:
        return False
    return en in (("NOUN",) if last else ("NOUN", "ADJ", "PART"))


def classify(label: str, keywords: list[str], lang: str) -> list[str]:
    """Failure classes of one label (empty = a good label); see the module docstring."""
    from nlp_service.analysis.topics.phrases import is_polar

    if not label or label.startswith("theme "):
        return ["none"]
    out = []
    if "," in label:
        out.append("keywords")
    words = label.replace(",", " ").split()
    if any(is_polar(w, "de") or is_polar(w, "en") for w in words):
        out.append("polar")
    if any(not _noun(w, i == len(words) - 1) for i, w in enumerate(words)):
        out.append("verb")
    if len(words) == 1 and label.lower() in GENERIC:
        out.append("generic")
    if len(words) > 4:
        out.append("long")
    return out


def both_languages(labels: dict[str, str], de: int, en: int) -> bool:
    """de and en labels that differ (each its language's own phrase), or the same word where that
    word is written alike in both (a name, "Hotel")."""
    return bool(labels.get("de")) and bool(labels.get("en")) and labels["de"] != labels["en"]


def summary(name: str, labelled: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = []
    for size in sorted({int(k.split("-")[0]) for k in labelled}):
        rows = [r for k, v in labelled.items() if int(k.split("-")[0]) == size for r in v]
        classes = Counter(c for r in rows for c in set(classify(r["label"], r["keywords"],
                                                                 r["dominant"])))  # fmt: skip
        bad = sum(1 for r in rows if classify(r["label"], r["keywords"], r["dominant"]))
        both = sum(both_languages(r["labels"], r["de"], r["en"]) for r in rows)
        mixed = [r for r in rows if min(r["de"], r["en"]) >= 5]
        both_mixed = sum(both_languages(r["labels"], r["de"], r["en"]) for r in mixed)
        lines.append(
            f"  {name:<6} {size:>6} answers: {len(rows):>3} emergent themes, {bad:>3} with a "
            f"failure ({', '.join(f'{c} {n}' for c, n in sorted(classes.items())) or '-'}); "
            f"de and en labels of their own: {both}/{len(rows)} "
            f"({both / max(1, len(rows)):.0%}), of themes with >= 5 segments in each language "
            f"{both_mixed}/{len(mixed)}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1_000, 10_000])
    parser.add_argument("--save", help="store the current labels as NAME.json")
    parser.add_argument("--before", help="print NAME.json's labels next to the current ones")
    args = parser.parse_args()
    print(__doc__)
    print(f"load average at start: {os.getloadavg()} (2 cores shared with other jobs)")
    runs = capture(args.sizes, {200: 5, 1_000: 3})
    started = time.perf_counter()
    now = label_all(runs)
    print(f"labelling (describe_themes) of {len(runs)} refits took "
          f"{time.perf_counter() - started:.1f} s\n")  # fmt: skip
    if args.save:
        (STORE / f"{args.save}.json").write_text(json.dumps(now, ensure_ascii=False, indent=1))
    before = json.loads((STORE / f"{args.before}.json").read_text()) if args.before else None

    print(
        "size-seed  id  size   de/en seg  before -> after label (dominant language)   "
        "after de | after en   [failure classes before -> after]"
    )
    for key, rows in now.items():
        old = {r["id"]: r for r in (before or {}).get(key, [])}
        for r in rows:
            o = old.get(r["id"])
            cls_now = ",".join(classify(r["label"], r["keywords"], r["dominant"])) or "ok"
            cls_old = (",".join(classify(o["label"], o["keywords"], o["dominant"])) or "ok"
                       if o else "")  # fmt: skip
            lab_old = f"{o['label']} -> " if o else ""
            print(
                f"{key:>9} {r['id']:>3} {r['size']:>5} {r['de']:>5}/{r['en']:<5} "
                f"{lab_old}{r['label']} ({r['dominant']})   {r['labels'].get('de', '-')} | "
                f"{r['labels'].get('en', '-')}   [{cls_old + ' -> ' if o else ''}{cls_now}]"
            )
    print()
    if before:
        print("\n".join(summary("before", before)))
    print("\n".join(summary("after", now)))
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()

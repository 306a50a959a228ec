"""Report texts of a new data file that equal or nearly equal a text elsewhere in the project.

Compares every `text` of the new JSONL file, after lowercasing, umlaut folding and stripping
punctuation, with every string value of the other `training/data/*.jsonl` files, the lines of
the data cards (`training/data/*.md`) and every string literal and data-file line under
`tests/`, by `difflib.SequenceMatcher.ratio()`. Prints only the new file's ids, the ratio and
where the match is (never the other text, so a blind-set author need not read it), and also
near-duplicates inside and between the new files. Exit code 1 if anything reaches the threshold.

Usage: python training/data/check_near_duplicates.py [--threshold 0.85] NEW.jsonl [NEW2.jsonl ...]
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Run by path (training/data is not a package): the shared normalisation lives in training/.
sys.path.insert(0, str(ROOT))
from training.data_text import json_strings, normal  # noqa: E402

DATA = ROOT / "training" / "data"
TESTS = ROOT / "tests"


def _jsonl_strings(path: Path) -> Iterator[str]:
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            try:
                yield from json_strings(json.loads(line))
            except json.JSONDecodeError:
                yield line


def _python_strings(path: Path) -> Iterator[str]:
    try:
        tree = ast.parse(path.read_text("utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def others(new: list[Path]) -> Iterator[tuple[str, str]]:
    """(where, text) for every comparable string outside the new files."""
    resolved = {p.resolve() for p in new}
    for path in sorted(DATA.glob("*.jsonl")):
        if path.resolve() not in resolved:
            for text in _jsonl_strings(path):
                yield path.name, text
    for path in sorted(DATA.glob("*.md")):
        if path.stem in {p.stem for p in new}:
            continue  # a new file's own card
        for line in path.read_text("utf-8").splitlines():
            yield path.name, line
    for path in sorted(TESTS.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        where = str(path.relative_to(ROOT))
        if path.suffix == ".py":
            for text in _python_strings(path):
                yield where, text
        elif path.suffix == ".jsonl":
            for text in _jsonl_strings(path):
                yield where, text
        elif path.suffix in {".json", ".txt", ".csv", ".md"}:
            for line in path.read_text("utf-8", errors="replace").splitlines():
                yield where, line


def _close(a: str, b: str, threshold: float) -> float:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return 0.0
    return matcher.ratio()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, nargs="+")
    parser.add_argument("--threshold", type=float, default=0.85)
    args = parser.parse_args()
    rows = [
        json.loads(x)
        for path in args.new
        for x in path.read_text("utf-8").splitlines()
        if x.strip()
    ]
    mine = [(row["id"], normal(row["text"])) for row in rows]
    pool: dict[str, str] = {}
    for where, text in others(args.new):
        norm = normal(text)
        if len(norm) >= 8:
            pool.setdefault(norm, where)
    hits = 0
    for ident, text in mine:
        for other, where in pool.items():
            ratio = _close(text, other, args.threshold)
            if ratio >= args.threshold:
                hits += 1
                print(f"{ident}\t{ratio:.2f}\t{where}")
    for i, (ident, text) in enumerate(mine):
        for other_id, other in mine[i + 1 :]:
            ratio = _close(text, other, args.threshold)
            if ratio >= args.threshold:
                hits += 1
                print(f"{ident}\t{ratio:.2f}\t{other_id} (new files)")
    print(f"{len(mine)} texts checked against {len(pool)} strings: {hits} at >= {args.threshold}")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark corpora made from real text that packages ship plus the project's written fixtures."""

from __future__ import annotations

import random

from training.datasets import survey_fixture, tweets


def feedback_answers(n: int, seed: int = 0) -> list[str]:
    """n answers: real English tweets (customer feedback incl. airline service) mixed with the
    project's German/English survey answers (about one in five German), shuffled."""
    rng = random.Random(seed)
    fixture = [e.text for e in survey_fixture()]
    pool = [e.text for e in tweets()]
    rng.shuffle(pool)
    out = pool[: n - n // 5] + [fixture[i % len(fixture)] for i in range(n // 5)]
    rng.shuffle(out)
    return out[:n]

"""(answer, theme) pairs: an answer counts once per theme; negative wins over positive."""

import numpy as np

from nlp_service.store.insights import collapse


def test_collapse_counts_an_answer_once_per_theme() -> None:
    seq = np.array([5, 5, 5, 6, 6, 7], dtype=np.int64)
    theme = np.array([1, 1, 2, 1, 1, 1], dtype=np.int64)
    sign = np.array([1, -1, 0, 0, 1, 0], dtype=np.int8)
    links = collapse(seq, theme, sign)
    got = sorted(zip(links.seq.tolist(), links.theme.tolist(), links.sign.tolist(), strict=True))
    # (5, 1): + and - -> -1; (5, 2): 0; (6, 1): 0 and + -> +1; (7, 1): 0
    assert got == [(5, 1, -1), (5, 2, 0), (6, 1, 1), (7, 1, 0)]
    # with sentences: each pair keeps its sentence closest to the theme centre
    segment = np.array([50, 51, 52, 60, 61, 70], dtype=np.int64)
    conf = np.array([0.2, 0.9, 0.5, 0.7, 0.3, 0.1])
    best = collapse(seq, theme, sign, segment, conf)
    assert best.segment is not None and best.confidence is not None
    assert sorted(
        zip(best.seq.tolist(), best.theme.tolist(), best.segment.tolist(), strict=True)
    ) == [
        (5, 1, 51),
        (5, 2, 52),
        (6, 1, 60),
        (7, 1, 70),
    ]
    empty = collapse(seq[:0], theme[:0], sign[:0])
    assert len(empty.seq) == 0

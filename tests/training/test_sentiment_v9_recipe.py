"""The v9 recipe's fit on synthetic vectors: dev sets are one source each, left out when
excluded, and blind_weight 0 is the v7/v8 recipe."""

import numpy as np

from training.datasets import Example
from training.sentiment.polarity_v9 import V8_POINT, V9_GRID, V9_RECIPE, V9Data, fit_v9
from training.sentiment.v9_loso import pos_neg


def _examples(n: int, dataset: str, rng: np.random.Generator) -> tuple[list[Example], np.ndarray]:
    labels = ["positive", "negative", "neutral"]
    ex = [Example(f"{dataset} {i}", labels[i % 3], "de", dataset) for i in range(n)]
    sign = np.array([{"positive": 1.0, "negative": -1.0, "neutral": 0.0}[e.label] for e in ex])
    X = rng.normal(size=(n, 6)).astype(np.float32)
    X[:, 0] += 2 * sign
    return ex, X


def _data() -> V9Data:
    rng = np.random.default_rng(0)
    fb, Xf = _examples(60, "feedback", rng)
    sh, Xs = _examples(30, "short6", rng)
    dev = {name: _examples(30, name, rng) for name in ("blind_short", "blind2_short")}
    dev["blind2_short"][1][:, 1] += 3.0  # an author whose answers sit elsewhere
    pkg_t, Xt = _examples(30, "tweets", rng)
    pkg_d, Xd = _examples(30, "drug_reviews", rng)
    return V9Data(fb + sh, np.vstack([Xf, Xs]), dev, pkg_t + pkg_d, np.vstack([Xt, Xd]))


def test_fit_v9_sources() -> None:
    data = _data()
    no_dev = V9Data(data.written, data.Xw, {}, data.pkg, data.Xp)
    c8, b8 = fit_v9(data, V8_POINT)
    c0, b0 = fit_v9(no_dev, V8_POINT)
    np.testing.assert_allclose(c8, c0, atol=1e-4)
    assert abs(b8 - b0) < 1e-4
    point = {**V8_POINT, "blind_weight": 1.0}
    c_all, _ = fit_v9(data, point)
    c_ex, _ = fit_v9(data, point, exclude={"blind2_short"})
    assert abs(c_all[1] - c_ex[1]) > 1e-3  # the left-out author's set is not in the fit
    c_one, _ = fit_v9(V9Data(data.written, data.Xw, {"blind_short": data.dev["blind_short"]},
                             data.pkg, data.Xp), point)  # fmt: skip
    np.testing.assert_allclose(c_ex, c_one, atol=1e-4)  # the weight is shared among sets present
    assert c_all[0] > 0  # positive answers sit at +x0
    assert {k: V9_RECIPE[k] for k in V9_GRID[0]} in list(V9_GRID)


def test_pos_neg_ignores_neutral() -> None:
    ex = [Example("a", "positive", "de", "x"), Example("b", "negative", "de", "x"),
          Example("c", "neutral", "de", "x")]  # fmt: skip
    assert pos_neg(ex, np.array([0.5, 0.2, -0.9])) == (0.5, 2)

"""/v1/insights through the real app on SQLite and PostgreSQL.

The corpus is stored directly (answers with known KPI scores, sentiments and theme sentences), so
every figure below is worked out by hand from the table in `CORPUS`; ids 1 and 2 are themes of
the starter codebook the app gives new tenants. One test also goes through `POST /v1/answers`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from nlp_service.services.insights import CACHE
from tests.conftest import TenantKey
from tests.helpers.answers import seed_corpus

NEG, NEU, POS = "negative", "neutral", "positive"
# name, touchpoint, (kpi type, score), answer sentiment, [(theme, sentence sentiment, confidence)],
# day (November 2026), hidden, language
CORPUS = [
    ("a1", "hotline", ("nps", 2), NEG, [(1, NEG, 0.9)], 2, False, "de"),
    ("a2", "hotline", ("nps", 3), NEG, [(1, NEG, 0.8), (1, NEU, 0.5)], 3, False, "de"),
    ("a3", "hotline", ("nps", 6), NEG, [(1, NEU, 0.7), (2, NEG, 0.6)], 10, False, "de"),
    ("a4", "hotline", ("nps", 9), POS, [(2, POS, 0.9)], 10, False, "de"),
    ("a5", "hotline", ("nps", 10), POS, [], 11, False, "de"),
    ("a6", "hotline", ("nps", 0), NEG, [(1, NEG, 0.95)], 2, True, "de"),  # hidden
    ("b1", "delivery", ("nps", 10), POS, [(2, POS, 0.85)], 3, False, "de"),
    ("b2", "delivery", ("nps", 9), POS, [], 4, False, "de"),
    ("b3", "delivery", ("nps", 7), NEU, [(1, NEG, 0.4)], 12, False, "en"),
    ("b4", "delivery", ("nps", 8), NEU, [], 12, False, "de"),
    ("b5", "delivery", ("csat", 2), NEG, [(1, NEG, 0.3)], 17, False, "de"),
]


@pytest.fixture
def corpus(
    db_url: str, tenant: Callable[..., TenantKey]
) -> Iterator[tuple[TenantKey, dict[str, str]]]:
    key = tenant()
    yield key, seed_corpus(db_url, key.id, CORPUS)
    CACHE.clear()


def get(client: TestClient, key: TenantKey, path: str, **params: object) -> dict:
    r = client.get(path, params=params, headers=key.headers)
    assert r.status_code == 200, r.text
    return r.json()


def theme(body: dict, theme_id: int) -> dict:
    return next(t for t in body["themes"] if t["id"] == theme_id)


def nps_by_hand(scores: list[float]) -> float:
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def test_themes_figures_by_hand(client: TestClient, corpus: tuple[TenantKey, dict]) -> None:
    key, _ = corpus
    body = get(client, key, "/v1/insights/themes", sort="volume")
    # 10 visible answers (a6 is hidden); 9 with NPS, so NPS is the KPI; a5, b2, b4 have no theme
    assert (body["answers"], body["answers_with_kpi"], body["kpi_type"]) == (10, 9, "nps")
    assert body["answers_without_theme"] == 3
    # NPS 2 3 6 9 10 10 9 7 8: 4 promoters, 3 detractors -> 100 / 9
    assert body["overall"]["kpi"]["nps"]["score"] == pytest.approx(100 / 9)
    assert [t["id"] for t in body["themes"]] == [1, 2]
    t0 = theme(body, 1)
    # a1 a2 a3 b3 b5 (a2's two sentences count once); signs - - 0 - -
    assert (t0["count"], t0["share"]) == (5, 0.5)
    assert t0["sentiment"] == {"positive": 0.0, "neutral": 0.2, "negative": 0.8, "net": -80.0}
    # its NPS answers 2 3 6 7: -75; interval: P 0, D .75, Var (.75 - .5625) / 4 = .046875
    assert t0["nps"] == pytest.approx(-75.0) and t0["kpi_mean"] is None
    assert t0["interval"]["low"] == -100.0
    assert t0["interval"]["high"] == pytest.approx(-75 + 100 * 1.959964 * 0.216506, abs=1e-3)
    # without theme 0: 9 10 10 9 8 -> 80; 100/9 - 80 = -68.889 = 4 * (-75 - 100/9) / (9 - 4)
    assert t0["removal_impact"] == pytest.approx(100 / 9 - 80)
    assert t0["nps_impact"] == pytest.approx(4 * (-75 - 100 / 9) / 5)
    t1 = theme(body, 2)
    # a3 (-), a4 (+), b1 (+): NPS of 6 9 10 = 33.3; without: 2 3 10 9 7 8 -> 0
    assert t1["count"] == 3 and t1["sentiment"]["net"] == pytest.approx(100 / 3)
    assert t1["nps"] == pytest.approx(100 / 3)
    assert t1["removal_impact"] == pytest.approx(100 / 9)
    assert t1["nps_impact"] == pytest.approx(3 * (100 / 3 - 100 / 9) / 6)
    # drivers are computed (few answers: marked, not hidden); NPS answers with theme 0:
    # a1 a2 b3 negative, a3 otherwise
    assert t0["driver"]["too_few"] is True
    assert (t0["driver"]["negative"]["n"], t0["driver"]["other"]["n"]) == (3, 1)
    assert body["driver_model"]["n"] == 9 and body["driver_model"]["covariance"] == "HC3"
    # quotes: closest to the centre first, the hidden a6 (0.95) never
    assert [q["confidence"] for q in t0["quotes"]] == [0.9, 0.8, 0.7]
    assert all("a6" not in q["text"] for q in t0["quotes"])
    assert [t["id"] for t in get(client, key, "/v1/insights/themes")["themes"]] == [1, 2]
    by_sentiment = get(client, key, "/v1/insights/themes", sort="sentiment")
    assert [t["id"] for t in by_sentiment["themes"]] == [1, 2]


def test_quotes_follow_the_language_filter(
    client: TestClient, corpus: tuple[TenantKey, dict]
) -> None:
    key, ids = corpus
    body = get(client, key, "/v1/insights/themes", language="en")
    assert body["answers"] == 1
    assert [q["answer_id"] for q in theme(body, 1)["quotes"]] == [ids["b3"]]


def test_reconciliation_with_the_answers_list(
    client: TestClient, corpus: tuple[TenantKey, dict]
) -> None:
    """A theme's NPS in the insights equals the NPS recomputed from `GET /v1/answers`."""
    key, _ = corpus
    for filters in (
        {},
        {"touchpoint": "hotline"},
        {"touchpoint": "delivery"},
        {"from": "2026-11-05T00:00:00Z"},
        {"kpi_type": "nps"},
        {"kpi_type": "csat"},
        {"survey_id": "s1", "question_id": "q1", "language": "de"},
    ):
        insights = get(client, key, "/v1/insights/themes", **filters)
        for theme_id in (1, 2):
            listed = get(client, key, "/v1/answers", theme=str(theme_id), limit=500, **filters)
            scores = [
                a["kpi"]["score"] for a in listed["items"] if a["kpi"] and a["kpi"]["type"] == "nps"
            ]
            row = next((t for t in insights["themes"] if t["id"] == theme_id), None)
            if not scores:
                assert row is None or row["nps"] is None
                continue
            assert row is not None and row["count"] == len(listed["items"])
            assert row["nps"] == pytest.approx(nps_by_hand(scores)), (filters, theme_id)
    assert get(client, key, "/v1/answers", survey_id="other")["items"] == []
    assert get(client, key, "/v1/insights/themes", survey_id="other")["answers"] == 0
    # by hand, too: hotline theme 0 = a1 a2 a3 (2 3 6) -> -100
    assert theme(get(client, key, "/v1/insights/themes", touchpoint="hotline"), 1)["nps"] == -100.0


def test_touchpoints_by_hand(client: TestClient, corpus: tuple[TenantKey, dict]) -> None:
    key, _ = corpus
    body = get(client, key, "/v1/insights/touchpoints")
    assert body["kpi_type"] == "nps" and body["overall"]["answers"] == 10
    hotline, delivery = body["touchpoints"]
    assert hotline["touchpoint"] == "hotline" and delivery["touchpoint"] == "delivery"
    # hotline: 2 3 6 9 10 -> -20; sentiment - - - + + -> net -20
    assert hotline["answers"] == 5 and hotline["kpi"]["nps"]["score"] == pytest.approx(-20.0)
    assert hotline["sentiment"]["net"] == pytest.approx(-20.0)
    # priority: 5/9 * (100/9 + 20); delivery (NPS 50) is above the overall level: 0
    assert hotline["priority"]["score"] == pytest.approx(5 / 9 * (100 / 9 + 20))
    assert hotline["priority"]["rank"] == 1 and delivery["priority"]["score"] == 0.0
    assert delivery["priority"]["kpi_gap"] == pytest.approx(100 / 9 - 50)
    # delivery: NPS 10 9 7 8 -> 50, CSAT 2 -> mean 2, top-2-box 0
    assert delivery["kpi"]["nps"]["score"] == pytest.approx(50.0)
    assert delivery["kpi"]["csat"]["mean"] == 2.0 and delivery["kpi"]["csat"]["top2box"] == 0.0
    # hotline: theme 0 net -66.7 (negative), theme 1 net 0 (neither)
    assert [t["id"] for t in hotline["top_negative_themes"]] == [1]
    assert hotline["top_positive_themes"] == []
    assert [t["id"] for t in delivery["top_positive_themes"]] == [2]


def test_theme_detail_trend_and_distribution(
    client: TestClient, corpus: tuple[TenantKey, dict]
) -> None:
    key, ids = corpus
    body = get(client, key, "/v1/insights/themes/1", quote_limit=2)
    assert body["theme"]["count"] == 5 and body["children"] == []
    # weeks from Monday: 2 Nov: a1 a2 (of a1 a2 b1 b2); 9 Nov: a3 b3 (of 5); 16 Nov: b5 (of 1)
    points = body["trend"]["points"]
    assert [(p["period"], p["count"], p["answers"]) for p in points] == [
        ("2026-11-02", 2, 4),
        ("2026-11-09", 2, 5),
        ("2026-11-16", 1, 1),
    ]
    assert [p["net_sentiment"] for p in points] == [-100.0, -50.0, -100.0]
    assert [p["kpi"] for p in points] == [-100.0, -50.0, None]
    # NPS scores of the theme's answers: 2 3 6 7
    assert body["kpi_distribution"] == [{"score": s, "count": 1} for s in (2.0, 3.0, 6.0, 7.0)]
    assert [q["answer_id"] for q in body["quotes"]["items"]] == [ids["a1"], ids["a2"]]
    nxt = get(
        client,
        key,
        "/v1/insights/themes/1",
        quote_limit=2,
        quote_cursor=body["quotes"]["next_cursor"],
    )
    # a3 (0.7), then a2's second sentence (0.5)
    assert [q["answer_id"] for q in nxt["quotes"]["items"]] == [ids["a3"], ids["a2"]]


def test_trends_and_emerging(client: TestClient, corpus: tuple[TenantKey, dict]) -> None:
    key, _ = corpus
    body = get(client, key, "/v1/insights/trends", theme="2", interval="month")
    # a3 a4 b1 of 10 answers in November; NPS 6 9 10 -> 33.3
    assert [(p["period"], p["count"], p["answers"]) for p in body["points"]] == [("2026-11", 3, 10)]
    assert body["points"][0]["kpi"] == pytest.approx(100 / 3)
    overall = get(client, key, "/v1/insights/trends", interval="day")
    assert sum(p["answers"] for p in overall["points"]) == 10
    em = get(client, key, "/v1/insights/emerging", to="2026-11-18T00:00:00Z", window="7d")
    # window 11-18: a5 b3 b4 b5 (4); before: a1 a2 a3 a4 b1 b2 (6)
    assert (em["window"]["answers"], em["baseline"]["answers"]) == (4, 6)
    t0 = next(t for t in em["themes"] if t["id"] == 1)
    # theme 0: 2/4 (b3 b5) against 3/6 (a1 a2 a3): z = 0, one-sided p = 0.5
    assert (t0["window_count"], t0["baseline_count"]) == (2, 3)
    assert t0["z"] == pytest.approx(0.0) and t0["p_value"] == pytest.approx(0.5)
    assert not t0["significant"]


def test_hidden_items_never_count(client: TestClient, corpus: tuple[TenantKey, dict]) -> None:
    key, ids = corpus
    assert theme(get(client, key, "/v1/insights/themes"), 1)["count"] == 5
    r = client.post(
        f"/v1/moderation/items/{ids['b3']}/decision",
        json={"action": "hide", "note": "test"},
        headers=key.headers,
    )
    assert r.status_code == 200, r.text
    # the cached table is keyed on the last moderation decision: the next request sees it
    after = get(client, key, "/v1/insights/themes")
    assert theme(after, 1)["count"] == 4 and after["answers"] == 9
    assert get(client, key, "/v1/insights/touchpoints")["overall"]["answers"] == 9


# Theme 1 of the starter codebook (models/codebooks/cx-starter/2026-11-26/manifest.json).
DELIVERY_DE, DELIVERY_EN = "Lieferzeit", "Delivery time"


def test_labels_in_the_requested_language(
    client: TestClient, corpus: tuple[TenantKey, dict]
) -> None:
    """`lang` picks the codebook label's language on every view; without it the `language`
    filter does; without either, the default label."""
    key, _ = corpus
    assert theme(get(client, key, "/v1/insights/themes", lang="de"), 1)["label"] == DELIVERY_DE
    assert theme(get(client, key, "/v1/insights/themes", lang="en"), 1)["label"] == DELIVERY_EN
    assert theme(get(client, key, "/v1/insights/themes"), 1)["label"] == DELIVERY_EN
    assert theme(get(client, key, "/v1/insights/themes", language="de"), 1)["label"] == DELIVERY_DE
    # lang wins over the language filter (an English label for the German answers)
    body = get(client, key, "/v1/insights/themes", language="de", lang="en")
    assert theme(body, 1)["label"] == DELIVERY_EN
    detail = get(client, key, "/v1/insights/themes/1", lang="de")
    assert detail["theme"]["label"] == DELIVERY_DE
    tps = get(client, key, "/v1/insights/touchpoints", lang="de")
    hotline = next(r for r in tps["touchpoints"] if r["touchpoint"] == "hotline")
    # hotline: theme 1 in a1 a2 a3, all negative -> its top negative theme
    assert hotline["top_negative_themes"][0]["id"] == 1
    assert hotline["top_negative_themes"][0]["label"] == DELIVERY_DE
    trend = get(client, key, "/v1/insights/trends", theme="1", lang="de")
    assert trend["theme"] == {"id": 1, "label": DELIVERY_DE}
    # a theme can be named by its label in either language
    assert get(client, key, "/v1/insights/trends", theme=DELIVERY_DE)["theme"]["id"] == 1
    emerging = get(client, key, "/v1/insights/emerging", to="2026-11-18T00:00:00Z", lang="de")
    assert next(t for t in emerging["themes"] if t["id"] == 1)["label"] == DELIVERY_DE
    csv_rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    "/v1/insights/themes",
                    params={"lang": "de", "format": "csv"},
                    headers=key.headers,
                ).text
            )
        )
    )
    assert next(r for r in csv_rows if r["id"] == "1")["label"] == DELIVERY_DE


def test_csv_on_every_table(client: TestClient, corpus: tuple[TenantKey, dict]) -> None:
    key, _ = corpus
    for path, rows in (
        ("/v1/insights/touchpoints", 2),
        ("/v1/insights/themes", 2),
        ("/v1/insights/themes/1", 1),
        ("/v1/insights/trends", 3),
        ("/v1/insights/emerging", None),
    ):
        r = client.get(path, params={"format": "csv"}, headers=key.headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), path
        table = list(csv.DictReader(io.StringIO(r.text)))
        if rows is not None:
            assert len(table) == rows, path
    themes_csv = client.get(
        "/v1/insights/themes", params={"format": "csv", "sort": "volume"}, headers=key.headers
    )
    first = next(csv.DictReader(io.StringIO(themes_csv.text)))
    assert first["id"] == "1" and first["count"] == "5" and float(first["nps"]) == -75.0


def test_tenant_isolation_and_roles(
    client: TestClient,
    corpus: tuple[TenantKey, dict],
    tenant: Callable[..., TenantKey],
    db_url: str,
) -> None:
    key, _ = corpus
    other = tenant()
    seed_corpus(
        db_url, other.id, [("z1", "hotline", ("nps", 10), POS, [(1, POS, 0.9)], 5, False, "de")]
    )
    mine = get(client, key, "/v1/insights/themes")
    theirs = get(client, other, "/v1/insights/themes")
    assert mine["answers"] == 10 and theirs["answers"] == 1
    assert theme(theirs, 1)["count"] == 1 and theme(mine, 1)["count"] == 5
    assert all("z1" not in q["text"] for q in theme(mine, 1)["quotes"])
    for roles in ("ingest", "moderate"):
        r = client.get("/v1/insights/themes", headers=tenant(roles=roles).headers)
        assert r.status_code == 403
    assert client.get("/v1/insights/touchpoints").status_code == 401
    assert (
        client.get("/v1/insights/touchpoints", headers=tenant(roles="research").headers).status_code
        == 200
    )


BAD_FILTERS = [
    ("/v1/insights/themes", {"kpi_type": "foo"}, "kpi_type"),
    ("/v1/insights/themes", {"from": "yesterday"}, "from"),
    ("/v1/insights/themes", {"sort": "alpha"}, "sort"),
    ("/v1/insights/touchpoints", {"from": "2026-11-05", "to": "2026-11-01"}, "from"),
    ("/v1/insights/trends", {"interval": "year"}, "interval"),
    ("/v1/insights/trends", {"theme": "99999"}, "theme"),
    ("/v1/insights/emerging", {"window": "soon"}, "window"),
    ("/v1/insights/emerging", {"alpha": "2"}, "alpha"),
    ("/v1/insights/themes/1", {"quote_cursor": "!!"}, "quote_cursor"),
    ("/v1/insights/themes", {"format": "xml"}, "format"),
    ("/v1/insights/themes", {"lang": "fr"}, "lang"),
    ("/v1/insights/touchpoints", {"lang": "DE"}, "lang"),
]


def test_bad_filters_are_422_naming_the_field_and_unknown_themes_404(
    client: TestClient, corpus: tuple[TenantKey, dict]
) -> None:
    key, _ = corpus
    for path, params, field in BAD_FILTERS:
        r = client.get(path, params=params, headers=key.headers)
        assert r.status_code == 422, (path, params, r.text)
        assert r.json()["error"]["field"] == field, (path, params)
    for ref in ("99999", "p999", "no such label"):
        assert client.get(f"/v1/insights/themes/{ref}", headers=key.headers).status_code == 404


def test_through_ingestion(client: TestClient, tenant: Callable[..., TenantKey]) -> None:
    """Answers posted through the API show up with their KPI and touchpoint."""
    key = tenant()
    for i, (score, text) in enumerate(
        [(2, "The hotline kept me waiting for an hour."), (10, "Friendly and quick help.")]
    ):
        r = client.post(
            "/v1/answers",
            json={
                "text": text,
                "language": "en",
                "touchpoint": "web",
                "external_id": f"x{i}",
                "kpi": {"type": "nps", "score": score},
            },
            headers=key.headers,
        )
        assert r.status_code == 201, r.text
    body = get(client, key, "/v1/insights/touchpoints")
    (row,) = body["touchpoints"]
    assert row["touchpoint"] == "web" and row["answers"] == 2
    assert row["kpi"]["nps"]["score"] == 0.0  # one promoter, one detractor
    themes = get(client, key, "/v1/insights/themes")
    assert themes["answers"] == 2

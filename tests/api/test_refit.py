"""Topic refit as a background job, end to end: stored vectors -> new active version ->
stored answers reassigned -> new answers use the new model."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

DELIVERY = [
    "The delivery was late again.",
    "My parcel arrived two weeks late.",
    "Shipping took far too long.",
    "Die Lieferung kam viel zu spät.",
    "Das Paket war eine Woche unterwegs.",
    "Der Versand dauert ewig.",
    "Delivery was delayed without any notice.",
    "The package arrived after ten days.",
    "Die Zustellung hat sich mehrmals verzögert.",
    "Slow shipping, the order came very late.",
    "Lieferung verspätet, schon wieder.",
    "The courier delivered my order late.",
]
SUPPORT = [
    "The support team was very friendly.",
    "Customer service solved my problem quickly.",
    "Der Kundenservice war sehr hilfsbereit.",
    "Die Hotline war freundlich und kompetent.",
    "The agent on the phone was really helpful.",
    "Great customer support, thanks.",
    "Der Support hat mir schnell geholfen.",
    "Friendly staff at the service desk.",
    "Sehr nette Beratung am Telefon.",
    "Support answered my email within an hour.",
    "Der Mitarbeiter im Service war super freundlich.",
    "Helpful and polite customer service.",
]
PRICE = [
    "The prices are far too high.",
    "Too expensive compared to other shops.",
    "Die Preise sind viel zu hoch.",
    "Das Produkt ist zu teuer.",
    "Prices went up again, too costly.",
    "Viel zu teuer für die Qualität.",
    "The subscription costs too much.",
    "Der Preis ist nicht gerechtfertigt.",
    "Overpriced products, I pay too much.",
    "Die Gebühren sind zu hoch.",
    "Way too pricey for what you get.",
    "Die Kosten sind unverschämt hoch.",
]


def wait_for(client: TestClient, job_id: str, headers: dict, timeout: float = 180.0) -> dict:
    deadline = time.monotonic() + timeout
    progress = []
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        progress.append(job["progress"])
        if job["status"] in ("succeeded", "failed"):
            assert progress == sorted(progress)  # progress never goes back
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still running after {timeout}s")


def test_refit_end_to_end(client: TestClient, tenant, db) -> None:
    key = tenant()
    h = key.headers
    texts = DELIVERY + SUPPORT + PRICE
    items = [{"external_id": f"r{i}", "text": t, "touchpoint": "shop"} for i, t in enumerate(texts)]
    batch = client.post("/v1/answers/batch", json={"items": items}, headers=h).json()
    assert batch["created"] == len(texts)
    ids = [i["answer"]["id"] for i in batch["items"]]

    r = client.post("/v1/topics/refit", json={"params": {"min_size": 5}}, headers=h)
    assert r.status_code == 202, r.text
    job = wait_for(client, r.json()["id"], h)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["version"] and result["topics"] >= 2
    assert result["segments"] == len(texts) and result["reassigned"] == len(texts)
    # One segment per answer here, so answers without a theme are exactly unassigned segments.
    assert result["answers"] == len(texts)
    assert result["unassigned_answers"] == result["unassigned_segments"]

    # Stored answers now carry the new version's themes, per sentence and per answer.
    delivery = client.get(f"/v1/answers/{ids[0]}", headers=h).json()
    assert delivery["models"]["topics"] == result["version"]
    assert delivery["themes"] and delivery["segments"][0]["theme"] is not None
    theme_id = delivery["themes"][0]["id"]
    rows = db(
        "SELECT count(*) FROM segments WHERE tenant_id = :t AND topic_id IS NULL", {"t": key.id}
    )
    assert rows[0][0] == 0
    # The refit wrote the insights' snapshot at the tenant's data version after reassigning.
    snapshot = db(
        "SELECT s.version, s.answers, v.version FROM insights_snapshots s "
        "JOIN data_versions v ON v.tenant_id = s.tenant_id WHERE s.tenant_id = :t",
        {"t": key.id},
    )
    assert snapshot == [(result["insights_snapshot"], len(texts), result["insights_snapshot"])]
    # theme= finds the answers that carry it in any sentence: mostly the delivery ones.
    page = client.get("/v1/answers", params={"theme": str(theme_id), "limit": 100}, headers=h)
    found = {a["id"] for a in page.json()["items"]}
    assert len(found & set(ids[:12])) >= 9 and len(found - set(ids[:12])) <= 3
    by_label = client.get(
        "/v1/answers", params={"theme": delivery["themes"][0]["label"]}, headers=h
    ).json()["items"]
    assert {a["id"] for a in by_label} == found

    # New answers are assigned with the tenant's new model.
    new = client.post(
        "/v1/answers",
        headers=h,
        json={"text": "Mein Paket kam wieder zu spät an.", "language": "de"},
    ).json()
    assert new["models"]["topics"] == result["version"]
    assert new["themes"] and new["themes"][0]["id"] == theme_id

    # A second refit starts from the first (stable ids) and records its predecessor.
    again = wait_for(
        client,
        client.post("/v1/topics/refit", json={"params": {"min_size": 5}}, headers=h).json()["id"],
        h,
    )
    assert again["status"] == "succeeded"
    assert again["result"]["previous_version"] == result["version"]
    same = client.get(f"/v1/answers/{ids[0]}", headers=h).json()
    assert same["themes"][0]["id"] == theme_id


def test_refit_without_data_fails_cleanly(client: TestClient, tenant) -> None:
    h = tenant().headers
    job = client.post("/v1/topics/refit", headers=h).json()
    done = wait_for(client, job["id"], h)
    assert done["status"] == "failed" and "no stored answers" in done["error"]
    bad = client.post("/v1/topics/refit", json={"params": {"min_size": 0}}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "params.min_size"

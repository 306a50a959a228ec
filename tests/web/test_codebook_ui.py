"""The Codebook screen in headless Chromium against the live server and the real codebook API:
rename a theme in German, merge two themes (after a confirmation), add a theme from example
phrases (the API's field error sits under the phrases), move an answer, and read the edit
history with the key's name as the actor.

The edits run on a tenant of their own (same server, same database), so the themes the other
browser tests read stay the starter codebook's.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from nlp_service.store import create_tenant, make_engine, make_sessionmaker, transaction
from tests.web import seed
from tests.web.conftest import NARROW, LiveServer, Page

pytestmark = [pytest.mark.slow, pytest.mark.browser]

KEY_NAME = "lena.research"
TOUCHPOINTS = ("delivery", "hotline")
# Starter codebook (models/codebooks/cx-starter) themes the seeded answers fall into.
DELIVERY_TIME, PARCEL_HANDOVER, HOTLINE_REACH, SUPPORT_SKILL, PACKAGING = 1, 3, 4, 5, 26
# Edits reassign the tenant's stored answers and a split proposal clusters them: on a loaded
# 2-core machine that takes seconds, more than expect()'s default 5 s.
SLOW = 60_000
ADDED_DE = "Gutscheine <i>und</i> Rabatte"
PHRASES = [
    "Der Gutscheincode wurde an der Kasse nicht angenommen.",
    "Mein Rabatt fehlte auf der Rechnung.",
    "The discount code did not work at checkout.",
]


@pytest.fixture(scope="module")
def codebook_key(live_server: LiveServer) -> str:
    """A research key (named KEY_NAME) of a new tenant with the delivery and hotline answers."""
    engine = make_engine(live_server.db_url)
    with transaction(make_sessionmaker(engine)) as session:
        _, key = create_tenant(
            session, f"ui-codebook-{uuid.uuid4().hex[:6]}", "ingest,research", key_name=KEY_NAME
        )
    engine.dispose()
    items = [p for p in seed.answer_payloads() if p["touchpoint"] in TOUCHPOINTS]
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=120) as http:
        got = http.post("/v1/answers/batch", json={"items": items})
        got.raise_for_status()
        assert got.json()["failed"] == 0
    return key


def _api(server: LiveServer, key: str, path: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=60)


def _row(page, theme_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f"#cb-table tr[data-theme-id='{theme_id}']")


def _open_codebook(tab: Page, key: str) -> None:
    tab.open()
    tab.sign_in(key)
    tab.page.click("#nav-codebook")
    tab.page.wait_for_selector("#view-codebook:not([hidden]) #cb-table tr[data-theme-id]")


def test_rename_merge_add_and_the_edit_history(
    chromium, live_server: LiveServer, codebook_key: str, artifacts: Path
) -> None:
    tab = Page(chromium, live_server, {"width": 1280, "height": 900}, "de-DE")
    page = tab.page
    _open_codebook(tab, codebook_key)
    assert page.url.endswith("#/codebook")
    assert page.text_content("#nav-codebook") == "Codebook"
    # The starter codebook: German labels in the German interface, English beside them.
    expect(_row(page, DELIVERY_TIME).locator("button.theme-open")).to_have_text("Lieferzeit")
    expect(_row(page, DELIVERY_TIME).locator("td.other-label")).to_have_text("Delivery time")
    assert "Start-Codebook" in page.text_content("#cb-version")

    # Rename in German: the theme table shows the new label, the English one stays.
    _row(page, DELIVERY_TIME).locator("button.theme-open").click()
    page.wait_for_selector("#cb-theme:not([hidden])")
    assert page.input_value("#cb-rename-de") == "Lieferzeit"
    page.fill("#cb-rename-de", "Lieferdauer")
    page.press("#cb-rename-de", "Enter")
    expect(_row(page, DELIVERY_TIME).locator("button.theme-open")).to_have_text(
        "Lieferdauer", timeout=SLOW
    )
    expect(_row(page, DELIVERY_TIME).locator("td.other-label")).to_have_text("Delivery time")
    expect(page.locator("#cb-theme-title")).to_have_text("Thema: Lieferdauer")
    labels = _api(live_server, codebook_key, "/v1/codebook?lang=de").json()["themes"]
    renamed = next(t for t in labels if t["id"] == DELIVERY_TIME)
    assert renamed["labels"] == {"de": "Lieferdauer", "en": "Delivery time"}
    page.click("#cb-theme-close")

    # Merge: two themes ticked, a confirmation first; cancelling changes nothing.
    _row(page, HOTLINE_REACH).locator("input.pick").check()
    _row(page, SUPPORT_SKILL).locator("input.pick").check()
    expect(page.locator("#cb-selected")).to_contain_text("2")
    page.select_option("#cb-merge-into", str(HOTLINE_REACH))
    page.click("#cb-merge")
    expect(page.locator("#cb-confirm")).to_have_attribute("open", "")
    assert "Kompetenz Support" in page.text_content("#cb-confirm-text")
    page.click("#cb-confirm-cancel")
    expect(_row(page, SUPPORT_SKILL)).to_have_count(1)
    page.click("#cb-merge")
    page.click("#cb-confirm-ok")
    expect(_row(page, SUPPORT_SKILL)).to_have_count(0, timeout=SLOW)
    expect(_row(page, HOTLINE_REACH)).to_have_count(1)

    # Add a theme: two phrases are refused, the API's message sits under the phrases.
    page.click("#cb-add-open")
    page.fill("#cb-add-de", ADDED_DE)
    page.fill("#cb-add-en", "Vouchers and discounts")
    page.fill("#cb-add-phrases", "\n".join(PHRASES[:2]))
    page.click("#cb-add-save")
    error = page.locator("#cb-add-form [data-error-for='phrases']")
    expect(error).to_be_visible(timeout=SLOW)
    assert "phrases" in error.text_content()
    assert page.get_attribute("#cb-add-phrases", "aria-invalid") == "true"
    page.fill("#cb-add-phrases", "\n".join(PHRASES))
    page.click("#cb-add-save")
    added = page.locator("#cb-table tbody tr", has_text="Gutscheine")
    expect(added).to_have_count(1, timeout=SLOW)
    # Markup in a label is text: the <i> shows as typed, no element is made.
    assert added.locator("button.theme-open").text_content() == ADDED_DE
    assert page.locator("#cb-table i").count() == 0
    assert page.is_hidden("#cb-add")

    # The history, newest first, with the key's name as the actor.
    rows = page.locator("#cb-history tbody tr[data-edit-id]")
    expect(rows).to_have_count(3)
    kinds = rows.evaluate_all("rs => rs.map(r => r.dataset.kind)")
    assert kinds == ["add", "merge", "rename"]
    assert set(rows.locator("td.actor").all_text_contents()) == {KEY_NAME}
    assert rows.nth(2).locator("td.kind").text_content() == "Umbenennung"
    change = rows.nth(2).locator("td.change").text_content()
    assert "Lieferzeit" in change and "Lieferdauer" in change
    assert page.locator("#cb-history tr.conflict").count() == 0
    tab.shot(artifacts, "codebook-1280-de.png")
    tab.close()


def test_split_a_theme_and_move_an_answer(
    tab: Page, live_server: LiveServer, codebook_key: str
) -> None:
    page = tab.page
    _open_codebook(tab, codebook_key)
    before = {t["id"]: t for t in _api(live_server, codebook_key, "/v1/codebook").json()["themes"]}

    # Split: a proposal of two parts, each with its size, keywords and examples; name, accept.
    _row(page, HOTLINE_REACH).locator("button.theme-open").click()
    page.wait_for_selector("#cb-theme:not([hidden])")
    page.click("#cb-split-open")
    page.select_option("#cb-split-parts", "2")
    page.click("#cb-split-propose")
    parts = page.locator("#cb-split-parts-list li.part")
    expect(parts).to_have_count(2, timeout=SLOW)
    sizes = [int(s) for s in parts.evaluate_all(
        "ps => ps.map(p => p.querySelector('.part-head').textContent.match(/(\\d+) answers/)[1])"
    )]  # fmt: skip
    assert sum(sizes) == before[HOTLINE_REACH]["size"] and min(sizes) >= 3
    assert parts.nth(0).locator(".chips li").count() >= 1
    assert parts.nth(0).locator(".examples li").count() >= 1
    page.fill("#cb-part-0-en", "Waiting on hold")
    page.fill("#cb-part-1-en", "Call-backs")
    page.fill("#cb-part-1-de", "Rückrufe")
    page.click("#cb-split-accept")
    expect(page.locator("#cb-table tbody tr", has_text="Call-backs")).to_have_count(1, timeout=SLOW)
    expect(_row(page, HOTLINE_REACH).locator("button.theme-open")).to_have_text("Waiting on hold")
    assert page.is_hidden("#cb-split")

    # Move: tick one answer of a theme and move it to another; it leaves the list.
    page.click("#cb-theme-close")
    _row(page, DELIVERY_TIME).locator("button.theme-open").click()
    answers = page.locator(f"#cb-answers[data-theme-id='{DELIVERY_TIME}'] li[data-answer-id]")
    expect(answers.first).to_be_visible()
    count = answers.count()
    moved = answers.first.get_attribute("data-answer-id")
    answers.first.locator("input[type=checkbox]").check()
    expect(page.locator("#cb-picked")).to_contain_text("1")
    page.select_option("#cb-move-to", str(PARCEL_HANDOVER))
    page.click("#cb-move")
    expect(page.locator(f"#cb-answers li[data-answer-id='{moved}']")).to_have_count(0, timeout=SLOW)
    expect(answers).to_have_count(count - 1)
    after = {t["id"]: t for t in _api(live_server, codebook_key, "/v1/codebook").json()["themes"]}
    assert after[DELIVERY_TIME]["size"] == before[DELIVERY_TIME]["size"] - 1
    assert after[PARCEL_HANDOVER]["size"] == before[PARCEL_HANDOVER]["size"] + 1
    kinds = page.locator("#cb-history tbody tr[data-edit-id]").evaluate_all(
        "rs => rs.slice(0, 2).map(r => r.dataset.kind)"
    )
    assert kinds == ["move", "split"]


def _research_themes(tab: Page, key: str, touchpoint: str) -> dict[str, str]:
    """Theme id -> label in the Research screen's theme table of `touchpoint`."""
    page = tab.page
    tab.open()
    tab.sign_in(key)
    page.click(f"#touchpoint-table button[data-touchpoint='{touchpoint}']")
    page.wait_for_selector("#tp-detail:not([hidden]) #theme-table tbody th button")
    return dict(
        page.eval_on_selector_all(
            "#theme-table tbody th button",
            "bs => bs.map(b => [b.dataset.themeId, b.textContent])",
        )
    )


def test_merge_and_split_reach_the_research_theme_table(
    chromium, live_server: LiveServer, codebook_key: str
) -> None:
    tab = Page(chromium, live_server, {"width": 1280, "height": 900}, "en-GB")
    edits = _api(live_server, codebook_key, "/v1/codebook/edits").json()["edits"]
    split = next(e for e in edits if e["kind"] == "split")
    new_part = split["params"]["ids"][0]  # the parts after the first (which keeps its id)
    themes = _research_themes(tab, codebook_key, "hotline")
    assert str(SUPPORT_SKILL) not in themes  # merged into HOTLINE_REACH
    assert themes[str(HOTLINE_REACH)] == "Waiting on hold"
    assert themes[str(new_part)] == "Call-backs"
    # A theme's detail opens it in the Codebook screen for editing.
    tab.page.click(f"#theme-table button[data-theme-id='{new_part}']")
    tab.page.click("#theme-detail:not([hidden]) #theme-to-codebook")
    expect(tab.page.locator("#cb-theme-title")).to_have_text("Theme: Call-backs")
    assert tab.page.url.endswith("#/codebook")
    tab.close()


def test_a_german_rename_shows_in_the_german_research_theme_table(
    chromium, live_server: LiveServer, codebook_key: str
) -> None:
    tab = Page(chromium, live_server, {"width": 1280, "height": 900}, "de-DE")
    themes = _research_themes(tab, codebook_key, "delivery")
    tab.close()
    assert themes[str(DELIVERY_TIME)] == "Lieferdauer"


def test_export_and_import_a_codebook_file(
    tab: Page, live_server: LiveServer, codebook_key: str
) -> None:
    page = tab.page
    _open_codebook(tab, codebook_key)
    # Export: the active codebook as JSON, fetched with the key in the header.
    with page.expect_download() as download:
        page.click("#cb-export-json")
    path = download.value.path()
    assert path is not None and download.value.suggested_filename.endswith(".json")
    exported = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = {row["id"]: row for row in exported["themes"]}
    assert rows[DELIVERY_TIME]["label_de"] == "Lieferdauer"
    with page.expect_download() as download:
        page.click("#cb-export-csv")
    csv_path = download.value.path()
    assert csv_path is not None
    assert Path(csv_path).read_text(encoding="utf-8").startswith("id,label_de,label_en")

    # A file without the label columns is refused; the message sits under the file input.
    page.set_input_files(
        "#cb-import-file",
        files=[{"name": "broken.csv", "mimeType": "text/csv", "buffer": b"id,name\n26,x\n"}],
    )
    page.click("#cb-import")
    error = page.locator("#cb-import-form [data-error-for='file']")
    expect(error).to_be_visible(timeout=SLOW)
    assert "label_de" in error.text_content()

    # Import: a row with a known id renames that theme, in both languages.
    csv = "id,label_de,label_en\n26,Verpackung und Polster,Packaging and padding\n"
    page.set_input_files(
        "#cb-import-file",
        files=[{"name": "codebook.csv", "mimeType": "text/csv", "buffer": csv.encode()}],
    )
    page.click("#cb-import")
    expect(_row(page, PACKAGING).locator("button.theme-open")).to_have_text(
        "Packaging and padding", timeout=SLOW
    )
    expect(_row(page, PACKAGING).locator("td.other-label")).to_have_text("Verpackung und Polster")
    assert page.is_hidden("#cb-import-form [data-error-for='file']")
    # The history reloads after the table: wait for it rather than read it at once.
    newest = page.locator("#cb-history tbody tr[data-edit-id]").first
    expect(newest).to_have_attribute("data-kind", "rename", timeout=SLOW)
    expect(newest.locator("td.change")).to_contain_text("Verpackung und Polster")


def test_a_conflict_after_a_refit_is_marked_in_the_history(
    tab: Page, live_server: LiveServer, codebook_key: str
) -> None:
    """The replay outcome comes from a refit; the list is served as the API would after one."""
    page = tab.page
    edits = {
        "edits": [
            {
                "id": 9, "kind": "merge", "actor": KEY_NAME, "created_at": "2026-11-20T09:30:00Z",
                "note": "<b>zusammen</b>", "params": {"theme_ids": [4, 5], "into": 4},
                "before": {}, "after": {}, "status": "applied", "version": "v2",
                "last_replay": {"version": "v3", "outcome": "conflict",
                                "reason": "theme 5 is not in the refitted model"},
            },
            {
                "id": 8, "kind": "rename", "actor": KEY_NAME, "created_at": "2026-11-19T09:30:00Z",
                "note": None, "params": {"theme_id": 1, "labels": {"de": "X"}},
                "before": {}, "after": {}, "status": "applied", "version": "v1",
                "last_replay": {"version": "v3", "outcome": "honoured", "reason": None},
            },
        ],
        "next_cursor": None,
    }  # fmt: skip
    page.route("**/v1/codebook/edits?*", lambda route: route.fulfill(json=edits))
    _open_codebook(tab, codebook_key)
    rows = page.locator("#cb-history tbody tr[data-edit-id]")
    expect(rows).to_have_count(2)
    conflict = page.locator("#cb-history tr.conflict")
    expect(conflict).to_have_count(1)
    assert conflict.get_attribute("data-edit-id") == "9"
    assert "theme 5 is not in the refitted model" in conflict.locator("td.replay").text_content()
    assert "conflict" in conflict.locator("td.replay .badge").text_content()
    assert "honoured" in rows.nth(1).locator("td.replay").text_content()
    assert conflict.locator("td.change .note").text_content() == "<b>zusammen</b>"
    assert page.locator("#cb-history b").count() == 0


def test_the_codebook_on_a_narrow_screen(
    chromium, live_server: LiveServer, codebook_key: str, artifacts: Path
) -> None:
    tab = Page(chromium, live_server, NARROW, "de-DE")
    page = tab.page
    _open_codebook(tab, codebook_key)
    _row(page, DELIVERY_TIME).locator("button.theme-open").click()
    page.wait_for_selector(f"#cb-answers[data-theme-id='{DELIVERY_TIME}'] li")
    # Nothing wider than the screen: the tables scroll inside their boxes, the page never does.
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    tab.shot(artifacts, "codebook-390-de.png")
    tab.close()

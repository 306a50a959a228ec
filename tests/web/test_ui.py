"""The web UI in a real headless Chromium against a live server with seeded data.

Screenshots go to tests/artifacts/ (gitignored); docs/ keeps two of them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web import seed
from tests.web.conftest import NARROW, LiveServer, Page

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _theme_rows(page) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "#theme-table tbody tr",
        """rows => rows.map(r => ({
            label: r.querySelector('th button')?.textContent ?? '',
            count: r.querySelectorAll('td')[0]?.textContent ?? '',
        }))""",
    )


def test_sign_in_keeps_the_key_out_of_urls_and_sign_out_clears_it(
    tab: Page, live_server: LiveServer
) -> None:
    page = tab.page
    tab.open()
    assert page.is_visible("#view-signin")
    # A wrong key is refused with a message; the form stays.
    page.fill("#api-key", "nlps_not_a_key")
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#signin-error:not([hidden])")
    assert "invalid" in page.text_content("#signin-error")

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    tab.sign_in(live_server.key)
    assert page.evaluate("sessionStorage.getItem('nlp-service.key')") == live_server.key
    assert live_server.key not in page.url
    assert all(live_server.key not in url for url in requests)
    assert page.evaluate("localStorage.getItem('nlp-service.key')") is None
    assert page.is_visible("#nav-research") and page.is_visible("#nav-moderation")

    page.click("#sign-out")
    page.wait_for_selector("#view-signin:not([hidden])")
    assert page.evaluate("sessionStorage.getItem('nlp-service.key')") is None
    assert page.input_value("#api-key") == ""
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.is_visible("#view-signin") and page.is_hidden("#nav")


def test_researcher_picks_a_touchpoint_sees_themes_drivers_and_a_theme(
    tab: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page = tab.page
    tab.open()
    tab.sign_in(live_server.key)
    page.wait_for_selector("#touchpoint-table button[data-touchpoint='delivery']")
    # The priority chart is a real plotly chart: one bubble per touchpoint.
    page.wait_for_selector("#priority-chart .main-svg")
    bubbles = page.locator("#priority-chart .scatterlayer .point").count()
    assert bubbles == len({row[0] for row in seed.ANSWERS} | {seed.HTML_TOUCHPOINT})
    # Markup in a touchpoint name stays text, in the table and in the chart.
    html_button = page.locator("#touchpoint-table button", has_text="kiosk")
    assert html_button.text_content() == seed.HTML_TOUCHPOINT
    labels = page.locator("#priority-chart .scatterlayer text").all_text_contents()
    assert seed.HTML_TOUCHPOINT in labels, labels
    # The crash answers of the last days make an emerging theme, highlighted above the tables.
    expect(page.locator("#emerging")).to_be_visible()
    assert "app" in page.text_content("#emerging-list").lower()
    tab.shot(artifacts, "researcher-overview-1280.png")

    # The skip link moves the focus to the content and leaves the route alone.
    page.focus("a.skip")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#/research")

    # Keyboard: the touchpoint is a button; focus it and press Enter.
    # The hotline answers spread over several codebook themes (reachability, competence, ...).
    page.focus("#touchpoint-table button[data-touchpoint='hotline']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#tp-detail:not([hidden]) #theme-table tbody th button")
    assert page.text_content("#themes-title").endswith("hotline")
    rows = _theme_rows(page)
    assert len(rows) >= 2
    page.wait_for_selector("#driver-chart .main-svg .bars .point")
    assert page.locator("#driver-chart .bars .point").count() >= 1
    page.wait_for_selector("#trend-chart .main-svg")

    # Sorting by the answer count column (a header button) orders the rows, most first.
    page.click("#theme-table th[data-key='count'] button")
    assert page.get_attribute("#theme-table th[data-key='count']", "aria-sort") == "descending"
    counts = [int(re.sub(r"\D", "", r["count"])) for r in _theme_rows(page)]
    assert counts == sorted(counts, reverse=True)
    tab.shot(artifacts, "researcher-themes-1280.png")

    # CSV download of the theme table, fetched with the key in the header.
    with page.expect_download() as download:
        page.click("#themes-csv")
    csv_path = download.value.path()
    assert csv_path is not None
    header = Path(csv_path).read_text(encoding="utf-8").splitlines()[0]
    assert "label" in header and "count" in header

    # Open the largest theme: keywords, quotes and its charts.
    largest = _theme_rows(page)[0]["label"]
    page.click("#theme-table tbody tr:first-child th button")
    page.wait_for_selector("#theme-detail:not([hidden]) #theme-keywords li")
    assert page.locator("#theme-quotes li blockquote").count() >= 1
    page.wait_for_selector("#theme-trend-chart .main-svg")
    page.wait_for_selector("#theme-kpi-chart .main-svg")
    tab.shot(artifacts, "researcher-theme-detail-1280.png")
    # Its parent theme lists it among the sub-themes.
    page.click("#theme-parent button")
    expect(page.locator("#theme-children button", has_text=largest)).to_have_count(1)
    page.click("#theme-close")
    assert page.is_hidden("#theme-detail")

    # The emerging theme opens from its highlight; its quotes come in pages of 10.
    page.click("#emerging-list button")
    page.wait_for_selector("#theme-detail:not([hidden]) #theme-quotes li blockquote")
    assert "app" in page.text_content("#theme-detail-title").lower()
    assert page.locator("#theme-quotes li").count() == 10
    page.click("#theme-more-quotes")
    expect(page.locator("#theme-quotes li")).not_to_have_count(10)
    assert page.locator("#theme-quotes li").count() > 10

    # Filters: German answers only; the hotline row counts exactly the German hotline answers.
    rows = [*seed.ANSWERS, *seed.MORE_ANSWERS]
    german = sum(1 for tp, lang, _, _ in rows if tp == "hotline" and lang == "de")
    everyone = sum(1 for tp, _, _, _ in rows if tp == "hotline")
    cell = page.locator("#touchpoint-table tr:has(button[data-touchpoint='hotline']) td").nth(1)
    expect(cell).to_have_text(str(everyone))
    page.select_option("#filters select[name=language]", "de")
    page.click("#filters button[type=submit]")
    expect(cell).to_have_text(str(german))
    assert page.text_content("#themes-title").endswith("hotline")  # the selection survives

    # Date filter: from six days ago only the recent app-crash answers remain (all languages).
    page.click("#filters button[type=reset]")
    expect(cell).to_have_text(str(everyone))
    since = (seed.NOW - timedelta(days=6)).date().isoformat()
    page.fill("#filters input[name=from]", since)
    page.click("#filters button[type=submit]")
    expect(page.locator("#touchpoint-table tbody tr")).to_have_count(1)
    app_cell = page.locator("#touchpoint-table tr:has(button[data-touchpoint='app']) td").nth(1)
    expect(app_cell).to_have_text(str(len(seed.RECENT_CRASHES)))


def test_researcher_overview_on_a_narrow_screen_in_german(
    chromium, live_server: LiveServer, artifacts: Path
) -> None:
    tab = Page(chromium, live_server, NARROW, "de-DE")
    page = tab.page
    tab.open()
    assert page.text_content("#signin-form button[type=submit]") == "Anmelden"
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    tab.sign_in(live_server.key)
    page.wait_for_selector("#priority-chart .main-svg")
    assert page.text_content("#nav-research") == "Analyse"
    # Nothing wider than the screen: the page never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    page.click("#touchpoint-table button[data-touchpoint='app']")
    page.wait_for_selector("#driver-chart .main-svg")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    # The insights are asked for theme labels in the interface language.
    insights = [u for u in requests if "/v1/insights/" in u]
    assert any("/v1/insights/themes?" in u for u in insights)
    assert insights and all("lang=de" in u for u in insights), insights
    tab.shot(artifacts, "researcher-overview-390-de.png")
    # Switching the language re-labels the page in place.
    page.select_option("#lang-select", "en")
    expect(page.locator("#nav-research")).to_have_text("Research")
    assert page.evaluate("document.documentElement.lang") == "en"
    tab.close()


def test_moderator_decides_and_the_item_leaves_the_queue(
    tab: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page = tab.page
    tab.open("/ui/#/moderation")
    tab.sign_in(live_server.key)
    page.wait_for_selector("#view-moderation:not([hidden]) #queue li.item")
    abusive = live_server.post_ids[2]
    card = page.locator(f"#item-{abusive}")
    # The reason is highlighted in the text by the flag's offsets, with the thread context.
    assert card.locator("p.text mark").first.text_content() == "Idioten"
    assert "Neue App-Version 5.2" in card.locator("details.thread summary").text_content()
    assert card.locator("details.thread li").count() == 2
    severities = page.eval_on_selector_all(
        "#queue li.item .severity", "els => els.map(e => Number(e.textContent.match(/\\d+/)[0]))"
    )
    assert severities == sorted(severities, reverse=True) and severities[0] == 3

    # User text is text: the answer with a script tag shows the tag as characters, runs nothing.
    script_card = page.locator(f"#item-{live_server.script_answer_id}")
    assert "<script>alert(1)</script>" in script_card.locator("p.text").text_content()
    assert page.locator("#queue script").count() == 0
    assert tab.dialogs == []
    tab.shot(artifacts, "moderator-queue-1280.png")

    # Escalate with a note: the item stays (escalated) and its audit trail shows the note.
    churn = page.locator("#queue li.item", has_text="kündige ich mein Kundenkonto")
    churn_id = churn.get_attribute("data-item-id")
    churn.locator("textarea").fill("Kündigung: an die Kundenbindung geben")
    churn.locator("button[data-action='escalate']").click()
    page.wait_for_selector(f"#item-{churn_id} .badge.esc")
    page.click(f"#item-{churn_id} button[aria-controls='audit-{churn_id}']")
    page.wait_for_selector(f"#audit-{churn_id}:not([hidden]) li")
    audit_text = page.text_content(f"#audit-{churn_id}")
    assert "Escalate" in audit_text and "Kündigung: an die Kundenbindung geben" in audit_text

    # Hide the abusive post with the keyboard: it leaves the queue, also after a reload.
    card.locator("textarea").fill("Beleidigung, kein Feedback")
    card.locator("button[data-action='hide']").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-{abusive}", state="detached")
    assert "hidden" in page.text_content("#status")
    page.click("#queue-refresh")
    page.wait_for_selector("#queue li.item")
    assert page.locator(f"#item-{abusive}").count() == 0
    assert page.locator(f"#item-{churn_id}").count() == 1


def test_moderator_queue_on_a_narrow_screen(
    chromium, live_server: LiveServer, artifacts: Path
) -> None:
    tab = Page(chromium, live_server, NARROW, "de-DE")
    page = tab.page
    tab.open()
    tab.sign_in(live_server.moderator_key)
    # A moderate-only key gets the queue and no research screen.
    page.wait_for_selector("#view-moderation:not([hidden]) #queue li.item")
    assert page.is_hidden("#nav-research") and page.url.endswith("#/moderation")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    tab.shot(artifacts, "moderator-queue-390-de.png")
    tab.close()


@pytest.mark.parametrize(("path", "ready"), [("/docs", ".opblock"), ("/redoc", "h1")])
def test_api_docs_render_offline(tab: Page, path: str, ready: str) -> None:
    tab.page.goto(tab.server.url + path)
    tab.page.wait_for_selector(ready, timeout=30_000)
    assert "nlp-service" in tab.page.content()
    assert tab.foreign == []

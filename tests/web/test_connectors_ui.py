"""The Connectors screen in headless Chromium against the live server: create a survey mapping
through the form, see and copy its webhook URL, the API's field errors under the right input,
edit (an empty secret keeps the stored one), delete with a confirmation; keys without the ingest
or admin role never see the screen.

The deliveries signed below answer none of the mapped open questions, so they prove which secret
is stored without adding answers to the tenant the other browser tests read.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from nlp_service.connectors.signatures import typeform_signature
from tests.web.conftest import NARROW, LiveServer, Page

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PAYLOAD = (
    Path(__file__).resolve().parents[1] / "connectors" / "data" / "typeform_form_response.json"
).read_bytes()
SECRET = "tf-ui-secret-7f3a9c"


def _deliver(url: str, secret: str) -> int:
    sig = {"Typeform-Signature": typeform_signature(secret, PAYLOAD)}
    return httpx.post(url, content=PAYLOAD, headers=sig, timeout=60).status_code


def _mapping(server: LiveServer, mapping_id: str) -> httpx.Response:
    return httpx.get(
        f"{server.url}/v1/connectors/mappings/{mapping_id}", headers=server.headers, timeout=30
    )


def _open_connectors(tab: Page, key: str) -> None:
    tab.open()
    tab.sign_in(key)
    tab.page.click("#nav-connectors")
    tab.page.wait_for_selector("#view-connectors:not([hidden])")


def test_create_edit_and_delete_a_mapping_through_the_form(
    tab: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page = tab.page
    name = f"After the call {uuid.uuid4().hex[:6]}"
    _open_connectors(tab, live_server.key)
    assert page.url.endswith("#/connectors")
    assert page.get_attribute("#nav-connectors", "aria-current") == "page"

    page.click("#mapping-new")
    page.wait_for_selector("#mapping-editor:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "mf-source"
    assert page.get_attribute("#mf-secret", "type") == "password"
    page.select_option("#mf-source", "typeform")
    page.fill("#mf-name", name)
    page.fill("#mf-secret", SECRET)
    page.fill("#mf-kpi-field", "csat")
    page.select_option("#mf-kpi-type", "csat")
    page.fill("#mf-tp-field", "hidden.touchpoint")
    page.fill("#mf-tp-value", "hotline")
    page.fill("#mf-respondent", "hidden.customer_id")
    page.fill("#mf-lang-field", "hidden.lang")
    page.select_option("#mf-lang-value", "de")

    # No open question: the API refuses, and its message sits under the text fields input.
    page.press("#mf-name", "Enter")  # keyboard: Enter in a field submits
    page.wait_for_selector("#mf-error-text-fields:not([hidden])")
    assert "text_fields" in page.text_content("#mf-error-text-fields")
    assert page.get_attribute("#mf-text-fields", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "mf-text-fields"
    assert page.is_hidden("#mf-error-kpi-type") and page.is_hidden("#mf-error-form")

    # A KPI type the API does not know (the select offers none, so one is forced in): its
    # error goes under the KPI type, the one under the text fields is cleared.
    page.fill("#mf-text-fields", "wait_reason, agent_notes\n  follow_up ,")
    page.evaluate(
        """() => { const s = document.querySelector('#mf-kpi-type');
                   s.append(new Option('stars', 'stars')); s.value = 'stars'; }"""
    )
    page.click("#mapping-save")
    page.wait_for_selector("#mf-error-kpi-type:not([hidden])")
    assert "kpi.type" in page.text_content("#mf-error-kpi-type")
    assert "nps" in page.text_content("#mf-error-kpi-type")
    assert page.is_hidden("#mf-error-text-fields")
    assert page.get_attribute("#mf-text-fields", "aria-invalid") is None
    listed = httpx.get(
        f"{live_server.url}/v1/connectors/mappings", headers=live_server.headers, timeout=30
    )
    assert name not in [m["name"] for m in listed.json()["items"]]

    page.select_option("#mf-kpi-type", "csat")
    page.click("#mapping-save")
    card = page.locator("#mappings li.mapping", has_text=name)
    card.wait_for()
    assert page.is_hidden("#mapping-editor")
    assert "created" in page.text_content("#status")
    mapping_id = card.get_attribute("data-mapping-id")
    webhook = f"{live_server.url}/v1/connectors/typeform/{mapping_id}"
    assert card.locator("input.webhook-url").input_value() == webhook
    assert page.evaluate("document.activeElement.classList.contains('webhook-url')")
    text = card.text_content()
    for shown in ("Typeform", "csat (CSAT)", "wait_reason", "follow_up", "hidden.touchpoint"):
        assert shown in text, shown
    assert "field hidden.touchpoint, else “hotline”" in text and "signed" in text
    assert SECRET not in page.content()

    stored = _mapping(live_server, mapping_id).json()
    assert stored["text_fields"] == ["wait_reason", "agent_notes", "follow_up"]
    assert stored["kpi"] == {"field": "csat", "type": "csat"}
    assert stored["touchpoint"] == {"field": "hidden.touchpoint", "value": "hotline"}
    assert stored["respondent"] == {"field": "hidden.customer_id", "value": None}
    assert stored["language"] == {"field": "hidden.lang", "value": "de"}
    assert stored["has_secret"] is True
    # The URL on the screen is the live receiver, checking the secret typed into the form.
    assert _deliver(webhook, "not-the-secret") == 401
    assert _deliver(webhook, SECRET) == 200

    card.locator("button.copy").click()
    page.wait_for_function(
        "() => /copied|selected/.test(document.querySelector('#status').textContent)"
    )
    tab.shot(artifacts, "connectors-1280-en.png")

    # Edit: the form comes back filled, the secret field empty; leaving it empty keeps it.
    card.locator("button.edit").click()
    page.wait_for_selector("#mapping-editor:not([hidden])")
    assert name in page.text_content("#mapping-form-title")
    assert page.input_value("#mf-name") == name and page.input_value("#mf-secret") == ""
    assert page.input_value("#mf-text-fields") == "wait_reason\nagent_notes\nfollow_up"
    assert page.input_value("#mf-lang-value") == "de"
    assert "Leave empty to keep it" in page.text_content("#mf-secret-hint")
    page.fill("#mf-name", f"{name} v2")
    page.fill("#mf-text-fields", "wait_reason\nfollow_up")
    page.fill("#mf-tp-value", "")
    page.click("#mapping-save")
    page.locator("#mappings li.mapping", has_text=f"{name} v2").wait_for()
    stored = _mapping(live_server, mapping_id).json()
    assert stored["name"] == f"{name} v2"
    assert stored["text_fields"] == ["wait_reason", "follow_up"]
    assert stored["touchpoint"] == {"field": "hidden.touchpoint", "value": None}
    assert stored["has_secret"] is True and _deliver(webhook, SECRET) == 200

    # Delete asks first; Escape (or Cancel) keeps the mapping.
    card = page.locator(f"#mapping-{mapping_id}")
    card.locator("button.delete").click()
    page.wait_for_selector("#mapping-confirm[open]")
    assert f"{name} v2" in page.text_content("#mapping-confirm-text")
    assert page.evaluate("document.activeElement.id") == "mapping-confirm-cancel"
    page.keyboard.press("Escape")
    page.wait_for_selector("#mapping-confirm:not([open])", state="attached")
    assert _mapping(live_server, mapping_id).status_code == 200
    assert page.evaluate("document.activeElement.classList.contains('delete')")
    page.keyboard.press("Enter")  # the focused Delete button opens the dialog again
    page.wait_for_selector("#mapping-confirm[open]")
    page.click("#mapping-confirm-delete")
    page.wait_for_selector(f"#mapping-{mapping_id}", state="detached")
    assert "deleted" in page.text_content("#status")
    assert _mapping(live_server, mapping_id).status_code == 404
    assert _deliver(webhook, SECRET) == 404
    assert tab.dialogs == []  # no window.confirm/alert: the page's own dialog


def test_connectors_form_on_a_narrow_screen_in_german(
    chromium, live_server: LiveServer, artifacts: Path
) -> None:
    spec = {
        "source": "formbricks",
        "name": f"Kundenbefragung Lieferung {uuid.uuid4().hex[:6]}",
        "kpi": {"field": "nps_score", "type": "nps"},
        "text_fields": ["nps_reason", "improve"],
        "touchpoint": {"value": "lieferung"},
    }
    made = httpx.post(
        f"{live_server.url}/v1/connectors/mappings",
        json=spec,
        headers=live_server.headers,
        timeout=30,
    )
    assert made.status_code == 201, made.text
    tab = Page(chromium, live_server, NARROW, "de-DE")
    page = tab.page
    _open_connectors(tab, live_server.key)
    assert page.text_content("#connectors-title") == "Umfrage-Konnektoren"
    card = page.locator(f"#mapping-{made.json()['id']}")
    assert "immer „lieferung“" in card.text_content() and "ohne Geheimnis" in card.text_content()
    assert card.locator("input.webhook-url").input_value().endswith(made.json()["webhook_url"])
    page.click("#mapping-new")
    page.wait_for_selector("#mapping-editor:not([hidden])")
    assert page.text_content("label[for=mf-secret]") == "Signatur-Geheimnis"
    page.fill("#mf-name", "Schmal")
    page.click("#mapping-save")  # no open question: the German screen shows the API's message
    page.wait_for_selector("#mf-error-text-fields:not([hidden])")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    tab.shot(artifacts, "connectors-form-390-de.png")
    tab.close()
    gone = httpx.delete(
        f"{live_server.url}/v1/connectors/mappings/{made.json()['id']}",
        headers=live_server.headers,
        timeout=30,
    )
    assert gone.status_code == 204


def test_a_key_without_ingest_or_admin_does_not_get_the_screen(
    tab: Page, live_server: LiveServer
) -> None:
    page = tab.page
    tab.open()
    tab.sign_in(live_server.moderator_key)
    page.wait_for_selector("#view-moderation:not([hidden])")
    assert page.is_hidden("#nav-connectors")
    page.evaluate("location.hash = '#/connectors'")
    page.wait_for_function("() => location.hash === '#/moderation'")
    assert page.is_hidden("#view-connectors") and page.is_visible("#view-moderation")
    assert page.locator("#mappings li").count() == 0

// The connectors screen (roles ingest/admin): the tenant's survey mappings with the webhook URL
// to paste into the platform, a form to create or edit one, and delete with a confirmation.
// The API validates; its field errors ({"error": {"field", "message"}}) are shown under the
// input they concern. The signing secret is write-only: never shown, kept when left empty.

import { ApiError, deleteResource, getJson, postJson, putJson } from "./api.js";
import { $, clear, el } from "./dom.js";
import { fmtDate, onLanguageChange, t } from "./i18n.js";

const BASE = "/v1/connectors/mappings";
let mappings = [];
let editing = null; // the mapping being edited, or null for a new one
let notify = () => {};

// API field path (its longest known prefix) -> the error slot under the matching input.
const ERROR_SLOTS = [
  ["kpi.type", "kpi-type"],
  ["kpi", "kpi-field"],
  ["text_fields", "text-fields"],
  ["touchpoint.value", "tp-value"],
  ["touchpoint", "tp-field"],
  ["respondent", "respondent"],
  ["language.value", "lang-value"],
  ["language", "lang-field"],
  ["source", "source"],
  ["name", "name"],
  ["secret", "secret"],
];
const INPUT_OF_SLOT = {
  "kpi-type": "mf-kpi-type", "kpi-field": "mf-kpi-field", "text-fields": "mf-text-fields",
  "tp-value": "mf-tp-value", "tp-field": "mf-tp-field", respondent: "mf-respondent",
  "lang-value": "mf-lang-value", "lang-field": "mf-lang-field", source: "mf-source",
  name: "mf-name", secret: "mf-secret",
};

function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    window.dispatchEvent(new CustomEvent("nlp:unauthorized"));
    return;
  }
  notify(t("error.load", { message: error.message }), "error");
}

export async function loadMappings() {
  try {
    mappings = (await getJson(BASE)).items;
  } catch (error) {
    mappings = [];
    failed(error);
  }
  renderList();
}

// ---- list ----

const webhookUrl = (m) => (m.webhook_url ? new URL(m.webhook_url, location.origin).href : null);

function describeRef(ref) {
  if (!ref) return t("mapping.none");
  if (ref.field && ref.value) return t("mapping.fieldOr", { field: ref.field, value: ref.value });
  return ref.field ? t("mapping.fromField", { field: ref.field }) : t("mapping.fixed", { value: ref.value });
}

function renderList() {
  const list = clear($("#mappings"));
  $("#mappings-empty").hidden = mappings.length > 0;
  list.append(...mappings.map(renderMapping));
}

function renderMapping(m) {
  const url = webhookUrl(m);
  const urlId = `webhook-${m.id}`;
  const row = (label, ...value) => [el("dt", {}, label), el("dd", {}, ...value)];
  return el("li", { class: "mapping card", id: `mapping-${m.id}`, dataset: { mappingId: m.id } },
    el("div", { class: "item-head" },
      el("h2", {}, m.name),
      el("span", { class: "badge" }, t(`source.${m.source}`)),
      el("span", { class: `badge ${m.has_secret ? "" : "esc"}` }, t(m.has_secret ? "mapping.signed" : "mapping.unsigned")),
    ),
    url
      ? el("div", { class: "webhook" },
          el("label", { for: urlId }, t("mapping.webhook")),
          el("div", { class: "copy-row" },
            el("input", { id: urlId, class: "webhook-url", type: "text", readonly: true, value: url, spellcheck: "false" }),
            el("button", { type: "button", class: "secondary copy", onclick: () => copyUrl(urlId) }, t("mapping.copy"))))
      : el("p", { class: "hint" }, t("mapping.importOnly")),
    el("dl", { class: "facts" },
      row(t("mapping.kpi"), m.kpi ? `${m.kpi.field} (${t(`kpi.${m.kpi.type}`)})` : t("mapping.none")),
      row(t("mapping.textFields"), el("ul", { class: "chips" }, m.text_fields.map((f) => el("li", { class: "chip" }, f)))),
      row(t("mapping.touchpoint"), describeRef(m.touchpoint)),
      row(t("mapping.respondent"), describeRef(m.respondent)),
      row(t("mapping.language"), describeRef(m.language)),
      row(t("mapping.updated"), fmtDate(m.updated_at)),
    ),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "secondary edit", onclick: () => openEditor(m) }, t("mapping.edit")),
      el("button", { type: "button", class: "danger delete", onclick: (e) => confirmDelete(m, e.currentTarget) }, t("mapping.delete")),
    ),
  );
}

async function copyUrl(inputId) {
  const input = document.getElementById(inputId);
  try {
    await navigator.clipboard.writeText(input.value);
    notify(t("mapping.copied"), "ok");
  } catch {
    // No clipboard permission (e.g. plain http on another host): select it for Ctrl+C.
    input.focus();
    input.select();
    notify(t("mapping.copyManually"), "info");
  }
}

// ---- form ----

function clearErrors() {
  for (const node of document.querySelectorAll("#mapping-form .field-error")) {
    node.textContent = "";
    node.hidden = true;
  }
  for (const node of document.querySelectorAll("#mapping-form [aria-invalid]")) node.removeAttribute("aria-invalid");
}

function showError(field, message) {
  const slot = field ? ERROR_SLOTS.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`)) : null;
  const box = $(slot ? `#mf-error-${slot[1]}` : "#mf-error-form");
  box.textContent = message;
  box.hidden = false;
  const input = slot ? document.getElementById(INPUT_OF_SLOT[slot[1]]) : null;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

function ensureSourceOption(source) {
  // Import-only mappings (qualtrics, limesurvey) are made by the CLI; keep their source on edit.
  const select = $("#mf-source");
  if (![...select.options].some((o) => o.value === source)) {
    select.append(el("option", { value: source, dataset: { extra: "true" } }, t(`source.${source}`)));
  }
}

function openEditor(mapping) {
  editing = mapping;
  const form = $("#mapping-form");
  form.reset();
  clearErrors();
  for (const o of document.querySelectorAll("#mf-source option[data-extra]")) o.remove();
  if (mapping) {
    ensureSourceOption(mapping.source);
    $("#mf-source").value = mapping.source;
    $("#mf-name").value = mapping.name;
    $("#mf-kpi-field").value = mapping.kpi?.field ?? "";
    $("#mf-kpi-type").value = mapping.kpi?.type ?? "nps";
    $("#mf-text-fields").value = mapping.text_fields.join("\n");
    $("#mf-tp-field").value = mapping.touchpoint?.field ?? "";
    $("#mf-tp-value").value = mapping.touchpoint?.value ?? "";
    $("#mf-respondent").value = mapping.respondent?.field ?? "";
    $("#mf-lang-field").value = mapping.language?.field ?? "";
    $("#mf-lang-value").value = mapping.language?.value ?? "";
  }
  $("#mf-secret-hint").textContent = t(mapping?.has_secret ? "mapping.secretKeep" : "mapping.secretHint");
  $("#mapping-form-title").textContent = mapping ? t("mapping.editTitle", { name: mapping.name }) : t("mapping.newTitle");
  $("#mapping-editor").hidden = false;
  $("#mapping-form-title").scrollIntoView({ block: "nearest" });
  (mapping ? $("#mf-name") : $("#mf-source")).focus();
}

function closeEditor(focus) {
  $("#mapping-editor").hidden = true;
  $("#mf-secret").value = "";
  const target = focus ?? $("#mapping-new");
  target.focus();
  editing = null;
}

const text = (id) => $(id).value.trim();
const ref = (field, value) => (field || value ? { field: field || null, value: value || null } : null);

function formBody() {
  const kpiField = text("#mf-kpi-field");
  const body = {
    source: $("#mf-source").value,
    name: text("#mf-name"),
    kpi: kpiField ? { field: kpiField, type: $("#mf-kpi-type").value } : null,
    text_fields: $("#mf-text-fields").value.split(/[,\n]/).map((s) => s.trim()).filter(Boolean),
    touchpoint: ref(text("#mf-tp-field"), text("#mf-tp-value")),
    respondent: ref(text("#mf-respondent"), editing?.respondent?.value ?? ""),
    language: ref(text("#mf-lang-field"), $("#mf-lang-value").value),
  };
  if (editing) {
    // PUT replaces the whole mapping: keep what this form does not show.
    for (const key of ["submitted_at", "response_id", "survey", "metadata_fields"]) body[key] = editing[key];
  }
  const secret = $("#mf-secret").value;
  if (secret) body.secret = secret; // empty: keep the stored secret
  return body;
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  const button = $("#mapping-save");
  button.disabled = true;
  try {
    const body = formBody();
    const saved = editing
      ? await putJson(`${BASE}/${encodeURIComponent(editing.id)}`, body)
      : await postJson(BASE, body);
    notify(t(editing ? "mapping.updatedDone" : "mapping.created", { name: saved.name }), "ok");
    $("#mapping-editor").hidden = true;
    $("#mf-secret").value = "";
    editing = null;
    await loadMappings();
    const card = document.getElementById(`mapping-${saved.id}`);
    (card?.querySelector("input.webhook-url") ?? card?.querySelector("button.edit") ?? $("#mapping-new")).focus();
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401 && error.status < 500) showError(error.field, error.message);
    else failed(error);
  } finally {
    button.disabled = false;
  }
}

// ---- delete ----

function confirmDelete(mapping, opener) {
  const dialog = $("#mapping-confirm");
  $("#mapping-confirm-text").textContent = t("mapping.confirmDelete", { name: mapping.name });
  dialog.dataset.mappingId = mapping.id;
  dialog.returnValue = "";
  dialog.addEventListener("close", () => afterConfirm(mapping, opener, dialog.returnValue), { once: true });
  dialog.showModal();
}

async function afterConfirm(mapping, opener, answer) {
  if (answer !== "delete") {
    opener.focus();
    return;
  }
  try {
    await deleteResource(`${BASE}/${encodeURIComponent(mapping.id)}`);
    notify(t("mapping.deleted", { name: mapping.name }), "ok");
    if (editing?.id === mapping.id) closeEditor();
    await loadMappings();
    $("#mapping-new").focus();
  } catch (error) {
    failed(error);
    opener.focus();
  }
}

export function initConnectors(notifier) {
  notify = notifier;
  $("#mapping-new").addEventListener("click", () => openEditor(null));
  $("#mappings-refresh").addEventListener("click", loadMappings);
  $("#mapping-form").addEventListener("submit", save);
  $("#mapping-cancel").addEventListener("click", () => {
    const card = editing ? document.getElementById(`mapping-${editing.id}`) : null;
    closeEditor(card?.querySelector("button.edit"));
  });
  $("#mapping-form").addEventListener("keydown", (event) => {
    if (event.key === "Escape") $("#mapping-cancel").click();
  });
  $("#mapping-confirm-cancel").addEventListener("click", () => $("#mapping-confirm").close("cancel"));
  $("#mapping-confirm-delete").addEventListener("click", () => $("#mapping-confirm").close("delete"));
  onLanguageChange(() => {
    if (!$("#view-connectors").hidden) renderList();
    if (!$("#mapping-editor").hidden) {
      $("#mf-secret-hint").textContent = t(editing?.has_secret ? "mapping.secretKeep" : "mapping.secretHint");
      $("#mapping-form-title").textContent = editing ? t("mapping.editTitle", { name: editing.name }) : t("mapping.newTitle");
    }
  });
}

export function resetConnectors() {
  mappings = [];
  editing = null;
  $("#mapping-editor").hidden = true;
  $("#mf-secret").value = "";
  clear($("#mappings"));
}

// The codebook screen (research role): the tenant's themes with their German and English
// labels, source and review status; rename, merge, split, move answers, retire, accept and add
// themes; import and export; and the edit history with each edit's last replay after a refit.
//
// Every edit is one POST /v1/codebook/edits (docs/codebook-api.md). The API validates: its
// errors ({"error": {"field", "message"}}) are shown next to the input they name (slots marked
// data-error-for="<field>" inside the form; "" is the form's own slot). Merge and retire ask
// for a confirmation first. User text (labels, phrases, answers) only enters the page as text.

import { ApiError, download, getJson, postJson, postText } from "./api.js";
import { $, clear, el } from "./dom.js";
import { currentLanguage, fmtDate, fmtNumber, onLanguageChange, t } from "./i18n.js";
import * as insights from "./insights.js";

const BASE = "/v1/codebook";
const KINDS = ["rename", "merge", "split", "move", "retire", "add", "accept"];
const HISTORY_PAGE = 20;
const LANGS = ["de", "en"];

const state = {
  version: null,
  themes: [],
  edits: 0,
  selected: new Set(), // theme ids ticked for a merge
  pending: null, // a theme to open once the codebook has loaded (from the Research screen)
  themeId: null, // the theme open in the panel
  answers: [], // answers of the open theme (insights quotes)
  nextAnswers: null,
  picked: new Set(), // answer ids ticked for a move
  proposal: null, // the split proposal of the open theme
  history: [],
  nextHistory: null,
};
let notify = () => {};
// Each loader numbers its requests and keeps only the newest answer: a slow response of an
// earlier load (say, the history read before the last edit) never overwrites a newer one.
const latest = { codebook: 0, answers: 0, history: 0 };

function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    window.dispatchEvent(new CustomEvent("nlp:unauthorized"));
    return;
  }
  notify(t("error.load", { message: error.message }), "error");
}

const themeById = (id) => state.themes.find((th) => th.id === id) ?? null;

/** The theme's label in the interface language (else its default label). */
function labelOf(theme) {
  return theme.labels?.[currentLanguage()] || theme.label;
}

// ----- loading -----------------------------------------------------------------------------

export async function loadCodebook() {
  const seq = ++latest.codebook;
  try {
    const data = await getJson(BASE, { lang: currentLanguage() });
    if (seq !== latest.codebook) return;
    state.version = data.version;
    state.themes = data.themes;
    state.edits = data.edits;
  } catch (error) {
    if (seq !== latest.codebook) return;
    state.themes = [];
    failed(error);
  }
  const ids = new Set(state.themes.map((th) => th.id));
  state.selected = new Set([...state.selected].filter((id) => ids.has(id)));
  renderHeader();
  renderTable();
  if (state.themeId !== null) {
    if (ids.has(state.themeId)) renderPanel();
    else closeTheme();
  }
  const pending = state.pending;
  state.pending = null;
  await Promise.all([loadHistory(), pending !== null && ids.has(pending) ? openTheme(pending) : null]);
}

function renderHeader() {
  $("#cb-version").textContent = state.version
    ? t("codebook.version", { version: state.version, edits: fmtNumber(state.edits) })
    : t("codebook.starter");
}

// ----- theme table and merge ---------------------------------------------------------------

function otherLanguage() {
  return currentLanguage() === "de" ? "en" : "de";
}

function renderTable() {
  const other = otherLanguage();
  const table = clear($("#cb-table"));
  table.append(
    el("caption", { class: "sr-only" }, t("codebook.themes")),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, el("span", { class: "sr-only" }, t("codebook.select"))),
      el("th", { scope: "col" }, t("col.theme")),
      el("th", { scope: "col" }, t(`codebook.in.${other}`)),
      el("th", { scope: "col" }, t("codebook.source")),
      el("th", { scope: "col" }, t("codebook.status")),
      el("th", { scope: "col", class: "num" }, t("col.count")),
      el("th", { scope: "col" }, t("theme.keywords")),
    )),
    el("tbody", {}, state.themes.map((th) => {
      const label = labelOf(th);
      const review = th.status === "new";
      return el("tr", { class: [review ? "review" : "", th.id === state.themeId ? "selected" : ""].join(" ").trim() || null, dataset: { themeId: String(th.id) } },
        el("td", {}, el("input", {
          type: "checkbox", class: "pick", checked: state.selected.has(th.id),
          "aria-label": t("codebook.pick", { label }),
          onchange: (event) => toggleSelected(th.id, event.target.checked),
        })),
        el("th", { scope: "row" },
          el("button", { type: "button", class: "link theme-open", onclick: () => openTheme(th.id) }, label)),
        el("td", { class: "other-label" }, th.labels?.[other] ?? "–"),
        el("td", {}, el("span", { class: `badge source-${th.source}` }, t(`codebook.source.${th.source}`))),
        el("td", { class: "status" },
          review
            ? [el("span", { class: "badge new" }, t("codebook.status.new")),
               el("button", { type: "button", class: "secondary small accept", onclick: (e) => accept(th.id, e.currentTarget) }, t("codebook.accept"))]
            : t("codebook.status.active")),
        el("td", { class: "num" }, fmtNumber(th.size)),
        el("td", { class: "keywords" }, (th.keywords ?? []).slice(0, 6).join(", ")),
      );
    })),
  );
  if (!state.themes.length) table.append(el("tbody", {}, el("tr", {}, el("td", { colspan: 7 }, t("empty.themes")))));
  renderMergeBar();
}

function toggleSelected(id, on) {
  if (on) state.selected.add(id);
  else state.selected.delete(id);
  renderMergeBar();
}

function renderMergeBar() {
  const chosen = state.themes.filter((th) => state.selected.has(th.id));
  $("#cb-selected").textContent = t("codebook.selected", { n: fmtNumber(chosen.length) });
  const into = $("#cb-merge-into");
  const previous = Number(into.value);
  clear(into).append(...chosen.map((th) => el("option", { value: String(th.id) }, labelOf(th))));
  if (chosen.some((th) => th.id === previous)) into.value = String(previous);
  into.disabled = chosen.length < 2;
  $("#cb-merge").disabled = chosen.length < 2;
}

async function merge(event) {
  event.preventDefault();
  const form = $("#cb-merge-form");
  clearErrors(form);
  const ids = state.themes.filter((th) => state.selected.has(th.id)).map((th) => th.id);
  if (ids.length < 2) {
    showError(form, { field: "theme_ids", message: t("codebook.needTwo") });
    return;
  }
  const into = Number($("#cb-merge-into").value);
  const names = ids.filter((id) => id !== into).map((id) => labelOf(themeById(id)));
  const ok = await confirmAction(
    t("codebook.confirmMerge", { themes: names.join(", "), into: labelOf(themeById(into)) }),
    t("codebook.merge"), $("#cb-merge"));
  if (!ok) return;
  const result = await submitEdit(form, { kind: "merge", theme_ids: ids, into }, $("#cb-merge"));
  if (!result) return;
  state.selected.clear();
  await loadCodebook();
}

async function accept(id, button) {
  const form = $("#cb-theme").hidden || state.themeId !== id ? $("#cb-merge-form") : $("#cb-actions");
  const result = await submitEdit(form, { kind: "accept", theme_id: id }, button);
  if (result) await loadCodebook();
}

// ----- one theme: rename, accept, retire, split, answers and move --------------------------

export async function openTheme(id) {
  state.themeId = id;
  state.proposal = null;
  state.picked = new Set();
  state.answers = []; // the previous theme's answers must not show under this one
  state.nextAnswers = null;
  delete $("#cb-answers").dataset.themeId;
  $("#cb-split").hidden = true;
  for (const form of document.querySelectorAll("#cb-theme form")) clearErrors(form);
  renderPanel(true);
  renderTable();
  const panel = $("#cb-theme");
  panel.hidden = false;
  panel.scrollIntoView({ block: "start", behavior: "smooth" });
  panel.focus({ preventScroll: true });
  await loadAnswers();
}

function closeTheme() {
  const id = state.themeId;
  state.themeId = null;
  state.proposal = null;
  $("#cb-theme").hidden = true;
  renderTable();
  if (id !== null) $(`#cb-table tr[data-theme-id="${CSS.escape(String(id))}"] button.theme-open`)?.focus();
}

/** Draw the open theme; `fresh` also refills the rename inputs with its current labels. */
function renderPanel(fresh = false) {
  const th = themeById(state.themeId);
  if (!th) return;
  $("#cb-theme-title").textContent = t("theme.title", { label: labelOf(th) });
  $("#cb-theme-facts").textContent = [
    t(`codebook.source.${th.source}`),
    th.status === "new" ? t("codebook.status.new") : t("codebook.status.active"),
    t("codebook.size", { n: fmtNumber(th.size) }),
    th.description || null,
  ].filter(Boolean).join(" · ");
  $("#cb-accept").hidden = th.status !== "new";
  if (fresh) {
    $("#cb-rename-de").value = th.labels?.de ?? "";
    $("#cb-rename-en").value = th.labels?.en ?? "";
  }
  clear($("#cb-theme-examples")).append(...(th.examples ?? []).map((x) => el("li", { class: "quote" }, el("blockquote", {}, x))));
  if (!(th.examples ?? []).length) $("#cb-theme-examples").append(el("li", { class: "hint" }, t("codebook.noExamples")));
  const to = $("#cb-move-to");
  const previous = to.value;
  clear(to).append(...state.themes.filter((x) => x.id !== th.id).map((x) => el("option", { value: String(x.id) }, labelOf(x))));
  if ([...to.options].some((o) => o.value === previous)) to.value = previous;
  renderAnswers();
  renderProposal();
}

async function rename(event) {
  event.preventDefault();
  const form = $("#cb-rename-form");
  clearErrors(form);
  const th = themeById(state.themeId);
  const labels = {};
  for (const lang of LANGS) {
    const value = $(`#cb-rename-${lang}`).value.trim();
    if (value && value !== (th.labels?.[lang] ?? "")) labels[lang] = value;
  }
  if (!Object.keys(labels).length) {
    showError(form, { field: "", message: t("codebook.unchanged") });
    return;
  }
  const result = await submitEdit(form, { kind: "rename", theme_id: th.id, labels }, $("#cb-rename-save"));
  if (!result) return;
  await loadCodebook();
  renderPanel(true);
}

async function retire() {
  const th = themeById(state.themeId);
  const ok = await confirmAction(t("codebook.confirmRetire", { label: labelOf(th), n: fmtNumber(th.size) }),
    t("codebook.retire"), $("#cb-retire"));
  if (!ok) return;
  const result = await submitEdit($("#cb-actions"), { kind: "retire", theme_id: th.id }, $("#cb-retire"));
  if (result) await loadCodebook();
}

// split: ask for a proposal, show its parts, name them, accept

async function propose() {
  const form = $("#cb-split-form");
  clearErrors(form);
  const button = $("#cb-split-propose");
  button.disabled = true;
  $("#cb-split-busy").hidden = false;
  state.proposal = null;
  renderProposal();
  try {
    state.proposal = await postJson(`${BASE}/themes/${encodeURIComponent(state.themeId)}/split-proposals`,
      { parts: Number($("#cb-split-parts").value) });
  } catch (error) {
    state.proposal = null;
    if (error instanceof ApiError && error.status !== 401 && error.status < 500) showError(form, error);
    else failed(error);
  } finally {
    button.disabled = false;
    $("#cb-split-busy").hidden = true;
  }
  renderProposal();
  $("#cb-split-parts-list input")?.focus();
}

function renderProposal() {
  const list = clear($("#cb-split-parts-list"));
  const proposal = state.proposal && state.proposal.theme_id === state.themeId ? state.proposal : null;
  $("#cb-split-accept").hidden = !proposal;
  if (!proposal) return;
  list.append(...proposal.parts.map((part, i) => el("li", { class: "part", dataset: { part: String(i) } },
    el("p", { class: "part-head" },
      el("strong", {}, t("codebook.part", { n: i + 1 })), " · ",
      t("codebook.size", { n: fmtNumber(part.size) }),
      i === 0 ? el("span", { class: "badge" }, t("codebook.keepsId")) : null),
    el("ul", { class: "chips" }, (part.keywords ?? []).map((k) => el("li", { class: "chip" }, k))),
    el("ul", { class: "examples" }, (part.examples ?? []).map((x) => el("li", {}, x))),
    el("div", { class: "inline-fields" },
      LANGS.map((lang) => el("div", { class: "field" },
        el("label", { for: `cb-part-${i}-${lang}` }, t(lang === "de" ? "codebook.labelDe" : "codebook.labelEn")),
        el("input", { id: `cb-part-${i}-${lang}`, type: "text", maxlength: "100", value: part.labels?.[lang] ?? part.label ?? "", dataset: { field: `labels.${i}.${lang}` } })))),
    el("p", { class: "error field-error", hidden: true, dataset: { errorFor: `labels.${i}` } }),
  )));
}

async function split(event) {
  event.preventDefault();
  const form = $("#cb-split-form");
  clearErrors(form);
  const proposal = state.proposal;
  if (!proposal) return;
  // Empty names are left out: the API wants a name in de and/or en per part.
  const labels = proposal.parts.map((_, i) => Object.fromEntries(
    LANGS.map((lang) => [lang, $(`#cb-part-${i}-${lang}`).value.trim()]).filter(([, value]) => value)));
  const body = { kind: "split", theme_id: state.themeId, proposal_id: proposal.proposal_id, labels };
  const result = await submitEdit(form, body, $("#cb-split-accept"));
  if (!result) return;
  state.proposal = null;
  $("#cb-split").hidden = true;
  await loadCodebook();
  await loadAnswers();
}

// answers of the open theme (its quotes in the insights), ticked ones move to another theme

async function loadAnswers(more = false) {
  const id = state.themeId;
  const seq = ++latest.answers;
  if (!more) {
    state.answers = [];
    state.nextAnswers = null;
    state.picked = new Set();
  }
  try {
    const detail = await insights.theme(String(id), {}, null, more ? state.nextAnswers : undefined);
    if (seq !== latest.answers || id !== state.themeId) return;
    state.answers = [...state.answers, ...detail.quotes];
    state.nextAnswers = detail.nextQuotes;
    $("#cb-answers").dataset.themeId = String(id); // loaded: the list is this theme's
  } catch (error) {
    if (seq !== latest.answers) return;
    // A theme without answers yet (new, or not in the analysed data) has no insights detail.
    if (!(error instanceof ApiError && error.status === 404)) failed(error);
    state.nextAnswers = null;
    $("#cb-answers").dataset.themeId = String(id);
  }
  renderAnswers();
}

function renderAnswers() {
  const list = clear($("#cb-answers"));
  list.append(...state.answers.map((a) => el("li", { class: `quote ${a.sentiment ?? ""}`, dataset: { answerId: a.id } },
    el("label", { class: "pick-answer" },
      el("input", {
        type: "checkbox", checked: state.picked.has(a.id),
        onchange: (event) => {
          if (event.target.checked) state.picked.add(a.id);
          else state.picked.delete(a.id);
          renderPicked();
        },
      }),
      el("blockquote", {}, a.text)),
    el("p", { class: "meta" }, [a.touchpoint, a.language, a.date ? fmtDate(a.date) : null].filter(Boolean).join(" · ")))));
  if (!state.answers.length) list.append(el("li", { class: "hint" }, t("empty.quotes")));
  $("#cb-more-answers").hidden = !state.nextAnswers;
  renderPicked();
}

function renderPicked() {
  $("#cb-picked").textContent = t("codebook.picked", { n: fmtNumber(state.picked.size) });
  $("#cb-move").disabled = state.picked.size === 0 || $("#cb-move-to").options.length === 0;
}

async function move(event) {
  event.preventDefault();
  const form = $("#cb-move-form");
  clearErrors(form);
  const answerIds = state.answers.filter((a) => state.picked.has(a.id)).map((a) => a.id);
  if (!answerIds.length) {
    showError(form, { field: "answer_ids", message: t("codebook.pickAnswers") });
    return;
  }
  const body = { kind: "move", answer_ids: answerIds, from_theme: state.themeId, to_theme: Number($("#cb-move-to").value) };
  const result = await submitEdit(form, body, $("#cb-move"));
  if (!result) return;
  await loadCodebook();
  await loadAnswers();
}

// ----- add a theme from phrases ------------------------------------------------------------

function openAdd() {
  const form = $("#cb-add-form");
  form.reset();
  clearErrors(form);
  $("#cb-add").hidden = false;
  $("#cb-add-de").focus();
}

async function add(event) {
  event.preventDefault();
  const form = $("#cb-add-form");
  clearErrors(form);
  const labels = {};
  for (const lang of LANGS) {
    const value = $(`#cb-add-${lang}`).value.trim();
    if (value) labels[lang] = value;
  }
  const phrases = $("#cb-add-phrases").value.split("\n").map((s) => s.trim()).filter(Boolean);
  const body = { kind: "add", labels, description: $("#cb-add-description").value.trim(), phrases };
  const result = await submitEdit(form, body, $("#cb-add-save"));
  if (!result) return;
  $("#cb-add").hidden = true;
  form.reset();
  await loadCodebook();
  $("#cb-add-open").focus();
}

// ----- import and export -------------------------------------------------------------------

function exportAs(format) {
  const stamp = (state.version || "starter").replace(/[^\w.-]+/g, "_");
  const accept = format === "csv" ? "text/csv" : "application/json";
  download(`${BASE}/export`, { format }, `codebook-${stamp}.${format}`, accept).catch(failed);
}

async function importFile(event) {
  event.preventDefault();
  const form = $("#cb-import-form");
  clearErrors(form);
  const file = $("#cb-import-file").files[0];
  if (!file) {
    showError(form, { field: "file", message: t("codebook.importNone") });
    return;
  }
  const format = /\.csv$/i.test(file.name) || file.type === "text/csv" ? "csv" : "json";
  const button = $("#cb-import");
  button.disabled = true;
  try {
    const text = await file.text();
    const result = await postText(`${BASE}/import?format=${format}`, text, format === "csv" ? "text/csv" : "application/json");
    notify(result.version === null ? t("codebook.importNothing") : t("codebook.imported", { n: fmtNumber(result.edits.length) }), "ok");
    form.reset();
    await loadCodebook();
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401 && error.status < 500) showError(form, error, "file");
    else failed(error);
  } finally {
    button.disabled = false;
  }
}

// ----- edit history ------------------------------------------------------------------------

async function loadHistory(more = false) {
  const seq = ++latest.history;
  try {
    const data = await getJson(`${BASE}/edits`, { limit: HISTORY_PAGE, cursor: more ? state.nextHistory : undefined });
    if (seq !== latest.history) return;
    state.history = more ? [...state.history, ...data.edits] : data.edits;
    state.nextHistory = data.next_cursor;
  } catch (error) {
    if (seq !== latest.history) return;
    if (!more) state.history = [];
    failed(error);
  }
  renderHistory();
}

/** A before/after/params value as one line of text: {"labels": {"de": "A"}} -> "labels: de: A". */
export function describe(value) {
  if (value === null || value === undefined) return "–";
  if (Array.isArray(value)) return value.length ? value.map((v) => (v !== null && typeof v === "object" ? `(${describe(v)})` : describe(v))).join(", ") : "–";
  if (typeof value === "object") {
    const entries = Object.entries(value);
    return entries.length ? entries.map(([k, v]) => `${k}: ${describe(v)}`).join("; ") : "–";
  }
  const text = String(value);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** A theme snapshot of an edit's before/after ({id, label, labels, ...}) as "de / en (#id)". */
function themeName(snap) {
  if (snap === null || snap === undefined) return "–";
  if (typeof snap !== "object") return String(snap);
  const names = [...new Set(LANGS.map((lang) => snap.labels?.[lang]).filter(Boolean))];
  const text = names.length ? names.join(" / ") : snap.label ?? describe(snap);
  return Number.isInteger(snap.id) ? `${text} (#${snap.id})` : text;
}

/** What an edit changed, as [before, after] text, by kind (the API's before/after shapes). */
export function change(edit) {
  const before = edit.before ?? {};
  const after = edit.after ?? {};
  const status = (s) => (s ? t(`codebook.status.${s === "new" ? "new" : "active"}`) : "–");
  switch (edit.kind) {
    case "rename":
    case "add":
      return [edit.kind === "add" ? "–" : themeName(before), themeName(after)];
    case "accept":
      return [`${themeName(before)}: ${status(before.status)}`, status(after.status)];
    case "merge":
      return [(before.themes ?? []).map(themeName).join(", ") || "–", themeName(after.theme)];
    case "split":
      return [themeName(before), (after.themes ?? []).map(themeName).join(", ") || "–"];
    case "retire":
      return [themeName(before), "–"];
    case "move": {
      const n = (after.answer_ids ?? edit.params?.answer_ids ?? []).length;
      return [`${t("codebook.size", { n: fmtNumber(n) })}: ${themeName(before.from_theme)}`, themeName(after.to_theme)];
    }
    default:
      return [describe(before), describe(after)];
  }
}

const isConflict = (edit) => edit.status === "conflict" || edit.last_replay?.outcome === "conflict";

function renderHistory() {
  const table = clear($("#cb-history"));
  table.append(
    el("caption", { class: "sr-only" }, t("codebook.history")),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("codebook.when")),
      el("th", { scope: "col" }, t("codebook.who")),
      el("th", { scope: "col" }, t("codebook.kind")),
      el("th", { scope: "col" }, t("codebook.change")),
      el("th", { scope: "col" }, t("codebook.status")),
      el("th", { scope: "col" }, t("codebook.replay")),
    )),
    el("tbody", {}, state.history.map((edit) => {
      const replay = edit.last_replay;
      return el("tr", { class: isConflict(edit) ? "conflict" : null, dataset: { editId: String(edit.id), kind: edit.kind } },
        el("td", { class: "when" }, fmtDate(edit.created_at)),
        el("td", { class: "actor" }, edit.actor),
        el("td", { class: "kind" }, KINDS.includes(edit.kind) ? t(`codebook.kind.${edit.kind}`) : edit.kind),
        el("td", { class: "change" },
          change(edit).map((text, i) => el("div", {},
            el("span", { class: "label" }, `${t(i ? "codebook.after" : "codebook.before")}: `), text)),
          edit.note ? el("div", { class: "note" }, edit.note) : null),
        el("td", { class: "edit-status" },
          el("span", { class: `badge ${edit.status === "conflict" ? "esc" : "ok"}` }, t(`codebook.editStatus.${edit.status === "conflict" ? "conflict" : "applied"}`))),
        el("td", { class: "replay" }, replay
          ? [el("span", { class: `badge ${replay.outcome === "conflict" ? "esc" : "ok"}` },
              t(replay.outcome === "conflict" ? "codebook.replay.conflict" : "codebook.replay.honoured")),
             " ", replay.reason ? el("span", { class: "reason" }, replay.reason) : null,
             el("div", { class: "hint" }, t("codebook.inVersion", { version: replay.version }))]
          : el("span", { class: "hint" }, t("codebook.replay.none"))),
      );
    })),
  );
  if (!state.history.length) table.append(el("tbody", {}, el("tr", {}, el("td", { colspan: 6 }, t("codebook.noEdits")))));
  $("#cb-more-history").hidden = !state.nextHistory;
}

// ----- errors and confirmation -------------------------------------------------------------

/** The API's field path without the body's kind: "rename.labels.de" -> "labels.de". */
export function fieldOf(field) {
  if (!field) return "";
  const parts = String(field).split(".");
  if (parts[0] === "body") parts.shift();
  if (KINDS.includes(parts[0])) parts.shift(); // a discriminated union names the kind first
  return parts.join(".");
}

function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) {
    node.textContent = "";
    node.hidden = true;
  }
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

/** Show `error.message` in the slot of the form that best matches `error.field`. */
function showError(form, error, fallback = "") {
  const field = fieldOf(error.field);
  const slots = [...form.querySelectorAll("[data-error-for]")];
  let best = null;
  for (const slot of slots) {
    const name = slot.dataset.errorFor;
    if (!name || !(field === name || field.startsWith(`${name}.`))) continue;
    if (!best || name.length > best.dataset.errorFor.length) best = slot;
  }
  best ??= slots.find((s) => s.dataset.errorFor === fallback) ?? slots.find((s) => s.dataset.errorFor === "");
  if (!best) {
    notify(error.message, "error");
    return;
  }
  best.textContent = error.message;
  best.hidden = false;
  const name = best.dataset.errorFor;
  const inputs = name ? [...form.querySelectorAll("[data-field]")] : [];
  const input = inputs.find((i) => i.dataset.field === field) ?? inputs.find((i) => i.dataset.field === name || i.dataset.field.startsWith(`${name}.`));
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

/** POST one edit; its API error goes next to the field it names in `form`. */
async function submitEdit(form, body, button) {
  clearErrors(form);
  if (button) button.disabled = true;
  try {
    const result = await postJson(`${BASE}/edits`, body);
    // Rename and accept change labels only (nothing is reassigned): no "0 answers" message.
    const kind = t(`codebook.kind.${body.kind}`);
    const moved = result.reassigned ?? 0;
    notify(moved > 0 ? t("codebook.done", { kind, n: fmtNumber(moved) }) : t("codebook.saved", { kind }), "ok");
    return result;
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401 && error.status < 500) showError(form, error);
    else failed(error);
    return null;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Ask before a destructive edit; resolves true when confirmed. */
function confirmAction(message, okLabel, opener) {
  const dialog = $("#cb-confirm");
  $("#cb-confirm-text").textContent = message;
  $("#cb-confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const ok = dialog.returnValue === "ok";
      if (!ok) opener?.focus();
      resolve(ok);
    }, { once: true });
    dialog.showModal();
  });
}

// ----- wiring ------------------------------------------------------------------------------

export function initCodebook(notifier) {
  notify = notifier;
  // The Research screen's theme detail: open that theme here (the route loads the codebook).
  $("#theme-to-codebook").addEventListener("click", (event) => {
    state.pending = Number(event.currentTarget.dataset.themeId);
    location.hash = "#/codebook";
  });
  $("#cb-refresh").addEventListener("click", () => loadCodebook());
  $("#cb-add-open").addEventListener("click", openAdd);
  $("#cb-add-cancel").addEventListener("click", () => {
    $("#cb-add").hidden = true;
    $("#cb-add-open").focus();
  });
  $("#cb-add-form").addEventListener("submit", add);
  $("#cb-merge-form").addEventListener("submit", merge);
  $("#cb-theme-close").addEventListener("click", closeTheme);
  $("#cb-rename-form").addEventListener("submit", rename);
  $("#cb-accept").addEventListener("click", (e) => accept(state.themeId, e.currentTarget));
  $("#cb-retire").addEventListener("click", retire);
  $("#cb-actions").addEventListener("submit", (e) => e.preventDefault());
  $("#cb-split-open").addEventListener("click", () => {
    $("#cb-split").hidden = false;
    $("#cb-split-parts").focus();
  });
  $("#cb-split-propose").addEventListener("click", propose);
  $("#cb-split-form").addEventListener("submit", split);
  $("#cb-move-form").addEventListener("submit", move);
  $("#cb-more-answers").addEventListener("click", () => loadAnswers(true));
  $("#cb-more-history").addEventListener("click", () => loadHistory(true));
  $("#cb-export-json").addEventListener("click", (e) => {
    e.preventDefault();
    exportAs("json");
  });
  $("#cb-export-csv").addEventListener("click", (e) => {
    e.preventDefault();
    exportAs("csv");
  });
  $("#cb-import-form").addEventListener("submit", importFile);
  $("#cb-confirm-cancel").addEventListener("click", () => $("#cb-confirm").close("cancel"));
  $("#cb-confirm-ok").addEventListener("click", () => $("#cb-confirm").close("ok"));
  onLanguageChange(() => {
    if ($("#view-codebook").hidden) return;
    renderHeader();
    renderTable();
    if (state.themeId !== null) renderPanel();
    renderHistory();
  });
}

export function resetCodebook() {
  Object.assign(state, {
    version: null, themes: [], edits: 0, selected: new Set(), pending: null, themeId: null, answers: [], nextAnswers: null,
    picked: new Set(), proposal: null, history: [], nextHistory: null,
  });
  $("#cb-theme").hidden = true;
  $("#cb-add").hidden = true;
  clear($("#cb-table"));
  clear($("#cb-history"));
}

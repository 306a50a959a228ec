// The moderator screen: the queue (most severe first, as the API sorts it) with the matched
// reasons highlighted in the text by the flags' offsets, the thread context, a decision with a
// note, and the item's audit trail.

import { ApiError, getJson, postJson } from "./api.js";
import { $, clear, el, highlighted } from "./dom.js";
import { fmtDate, onLanguageChange, t } from "./i18n.js";

const OPEN = new Set(["pending", "escalated"]);
let items = [];
let notify = () => {};

function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    window.dispatchEvent(new CustomEvent("nlp:unauthorized"));
    return;
  }
  notify(t("error.load", { message: error.message }), "error");
}

export async function loadQueue() {
  try {
    const data = await getJson("/v1/moderation/queue", { limit: 100 });
    items = data.items;
  } catch (error) {
    items = [];
    failed(error);
  }
  renderQueue();
}

// Personal data is redacted before storage, so its flag has no span: mark the placeholders.
const PLACEHOLDER = /\[(EMAIL|PHONE|IBAN|CARD|URL)\]/g;

function highlightRanges(item) {
  const ranges = [];
  for (const f of item.flags) {
    const label = `${t(`flag.${f.type}`)} (${f.severity})`;
    if (Number.isInteger(f.start) && Number.isInteger(f.end)) {
      ranges.push({ start: f.start, end: f.end, label });
    } else if (f.type === "personal_data") {
      for (const m of item.text.matchAll(PLACEHOLDER)) ranges.push({ start: m.index, end: m.index + m[0].length, label });
    }
  }
  return ranges;
}

function severityClass(severity) {
  return severity >= 3 ? "sev-high" : severity === 2 ? "sev-mid" : "sev-low";
}

function renderQueue() {
  const list = clear($("#queue"));
  $("#queue-empty").hidden = items.length > 0;
  list.append(...items.map(renderItem));
}

function renderItem(item) {
  const noteId = `note-${item.id}`;
  const auditId = `audit-${item.id}`;
  const flags = highlightRanges(item);
  const card = el("li", { class: `item ${severityClass(item.max_severity)}`, id: `item-${item.id}`, dataset: { itemId: item.id } },
    el("div", { class: "item-head" },
      el("span", { class: "severity", title: t("moderation.severity") }, t("moderation.severityN", { n: item.max_severity })),
      el("span", { class: "badge" }, t(`kind.${item.kind}`)),
      item.status === "escalated" ? el("span", { class: "badge esc" }, t("status.escalated")) : null,
      item.touchpoint ? el("span", { class: "badge" }, item.touchpoint) : null,
      el("span", { class: "meta" }, fmtDate(item.created_at)),
    ),
    el("ul", { class: "reasons", "aria-label": t("moderation.reasons") },
      item.flags.map((f) => el("li", { class: `reason flag-${f.type}` }, `${t(`flag.${f.type}`)}: `, el("q", {}, f.reason)))),
    item.thread ? threadContext(item.thread) : null,
    el("p", { class: "text" }, highlighted(item.text, flags)),
    el("div", { class: "decide" },
      el("label", { for: noteId }, t("moderation.note")),
      el("textarea", { id: noteId, rows: 1, maxlength: 2000 }),
      el("div", { class: "actions" },
        ["approve", "hide", "escalate"].map((action) =>
          el("button", {
            type: "button", class: `act ${action}`, dataset: { action },
            disabled: action === "escalate" && item.status === "escalated",
            onclick: () => decide(item, action),
          }, t(`action.${action}`))),
        el("button", {
          type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": auditId,
          onclick: (event) => toggleAudit(item, event.currentTarget),
        }, t("moderation.audit")),
      ),
    ),
    el("div", { id: auditId, class: "audit", hidden: true }),
  );
  return card;
}

function threadContext(thread) {
  return el("details", { class: "thread", open: true },
    el("summary", {}, t("moderation.thread", { title: thread.title })),
    thread.previous_posts.length
      ? el("ol", { class: "context" }, thread.previous_posts.map((p) => el("li", {},
          el("span", { class: "meta" }, `${p.author ?? t("author.unknown")} · ${fmtDate(p.created_at)}`),
          el("p", {}, p.text))))
      : el("p", { class: "hint" }, t("moderation.firstPost")));
}

async function decide(item, action) {
  const card = document.getElementById(`item-${item.id}`);
  const note = card.querySelector("textarea").value.trim();
  for (const b of card.querySelectorAll("button.act")) b.disabled = true;
  try {
    const result = await postJson(`/v1/moderation/items/${encodeURIComponent(item.id)}/decision`, {
      action,
      note: note || null,
    });
    notify(t("moderation.done", { action: t(`action.${action}`), status: t(`status.${result.status}`) }), "ok");
    const index = items.findIndex((i) => i.id === item.id);
    if (!OPEN.has(result.status)) {
      items.splice(index, 1);
      const next = card.nextElementSibling ?? card.previousElementSibling;
      card.remove();
      $("#queue-empty").hidden = items.length > 0;
      (next?.querySelector("textarea") ?? $("#queue-refresh")).focus();
    } else {
      items[index] = { ...item, status: result.status };
      const fresh = renderItem(items[index]);
      card.replaceWith(fresh);
      fresh.querySelector("textarea").focus();
    }
  } catch (error) {
    for (const b of card.querySelectorAll("button.act")) b.disabled = false;
    failed(error);
  }
}

async function toggleAudit(item, button) {
  const box = document.getElementById(`audit-${item.id}`);
  const open = button.getAttribute("aria-expanded") === "true";
  if (open) {
    box.hidden = true;
    button.setAttribute("aria-expanded", "false");
    return;
  }
  try {
    const records = await getJson(`/v1/moderation/items/${encodeURIComponent(item.id)}/audit`);
    clear(box).append(
      el("h3", {}, t("moderation.audit")),
      records.length
        ? el("ol", { class: "audit-list" }, records.map((r) => el("li", {},
            el("span", { class: "meta" }, `${fmtDate(r.created_at)} · ${r.actor}`), " ",
            el("strong", {}, t(`action.${r.action}`)), " ",
            `${t(`status.${r.before.moderation_status}`)} → ${t(`status.${r.after.moderation_status}`)}`,
            r.note ? el("p", { class: "note" }, r.note) : null)))
        : el("p", { class: "hint" }, t("moderation.noAudit")),
    );
    box.hidden = false;
    button.setAttribute("aria-expanded", "true");
  } catch (error) {
    failed(error);
  }
}

export function initModeration(notifier) {
  notify = notifier;
  $("#queue-refresh").addEventListener("click", loadQueue);
  onLanguageChange(() => {
    if (!$("#view-moderation").hidden) renderQueue();
  });
}

export function resetModeration() {
  items = [];
  clear($("#queue"));
}

// The shell: language, sign-in / sign-out, and the screens picked by the key's roles.
// Routes live in the hash (#/research, #/codebook, #/moderation, #/connectors); the key never does.

import { ApiError, getJson, session } from "./api.js";
import { initCodebook, loadCodebook, resetCodebook } from "./codebook.js";
import { initConnectors, loadMappings, resetConnectors } from "./connectors.js";
import { $ } from "./dom.js";
import { currentLanguage, initLanguage, setLanguage, t } from "./i18n.js";
import { initModeration, loadQueue, resetModeration } from "./moderation.js";
import { initResearch, refresh as refreshResearch, resetResearch } from "./research.js";

let me = null; // {tenant_id, roles, key_prefix} of the signed-in key
let statusTimer = null;

function notify(message, kind = "info") {
  const box = $("#status");
  box.textContent = message;
  box.className = `status ${kind}`;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => {
    box.textContent = "";
    box.className = "status";
  }, kind === "error" ? 10000 : 4000);
}

// Screen -> the role that opens it (admin opens all), in the order of the tabs.
const VIEW_ROLE = { research: "research", codebook: "research", moderation: "moderate", connectors: "ingest" };
const can = (role) => Boolean(me && (me.roles.includes("admin") || me.roles.includes(role)));

function show(view) {
  for (const node of document.querySelectorAll("main > .view")) node.hidden = node.id !== `view-${view}`;
  for (const link of document.querySelectorAll("#nav a")) {
    const active = link.id === `nav-${view}`;
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function route() {
  if (!me) {
    show("signin");
    $("#api-key").focus();
    return;
  }
  let view = location.hash.replace(/^#\//, "") || "";
  const allowed = Object.keys(VIEW_ROLE).filter((v) => can(VIEW_ROLE[v]));
  if (!allowed.includes(view)) view = allowed[0] ?? "forbidden";
  if (location.hash !== `#/${view}` && view !== "forbidden") history.replaceState(null, "", `#/${view}`);
  show(view);
  if (view === "research") await refreshResearch();
  if (view === "codebook") await loadCodebook();
  if (view === "moderation") await loadQueue();
  if (view === "connectors") await loadMappings();
}

function renderSession() {
  const signedIn = Boolean(me);
  $("#nav").hidden = !signedIn;
  $("#nav-research").hidden = !can("research");
  $("#nav-codebook").hidden = !can("research");
  $("#nav-moderation").hidden = !can("moderate");
  $("#nav-connectors").hidden = !can("ingest");
  $("#sign-out").hidden = !signedIn;
  $("#who").hidden = !signedIn;
  $("#who").textContent = signedIn ? `${me.key_prefix} · ${me.roles.map((r) => t(`role.${r}`)).join(", ")}` : "";
}

async function signIn(key) {
  me = await getJson("/v1/me", {}, { key });
  session.set(key);
  renderSession();
}

function signOut(message) {
  session.clear();
  me = null;
  resetResearch();
  resetCodebook();
  resetModeration();
  resetConnectors();
  $("#api-key").value = "";
  renderSession();
  history.replaceState(null, "", "#/");
  route();
  if (message) notify(message, "info");
}

function wire() {
  // The skip link focuses <main> itself: following "#main" would change the hash route.
  $(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    $("#main").focus();
  });
  $("#lang-select").addEventListener("change", async (event) => {
    await setLanguage(event.target.value);
    renderSession();
  });
  $("#signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("#signin-error");
    const key = $("#api-key").value.trim();
    error.hidden = true;
    try {
      await signIn(key);
      $("#api-key").value = "";
      await route();
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 401 ? t("signin.invalid") : t("error.load", { message: err.message });
      error.hidden = false;
      $("#api-key").select();
    }
  });
  $("#sign-out").addEventListener("click", () => signOut(t("signout.done")));
  window.addEventListener("hashchange", route);
  window.addEventListener("nlp:unauthorized", () => signOut(t("signin.expired")));
  initResearch(notify);
  initCodebook(notify);
  initModeration(notify);
  initConnectors(notify);
}

async function start() {
  await initLanguage();
  $("#lang-select").value = currentLanguage();
  wire();
  const key = session.key;
  if (key) {
    try {
      await signIn(key);
    } catch {
      session.clear();
    }
  }
  renderSession();
  await route();
  document.body.dataset.ready = "true";
}

start();

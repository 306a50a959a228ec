// German and English interface texts (static/i18n/<lang>.json). Elements with data-i18n get
// their text replaced; data-i18n-attr="placeholder:key;title:key" sets attributes.

const LANG_KEY = "nlp-service.lang";
export const LANGUAGES = ["de", "en"];
let lang = "en";
let messages = {};
const listeners = [];

export function currentLanguage() {
  return lang;
}

function preferred() {
  const saved = localStorage.getItem(LANG_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  const browser = (navigator.language || "en").slice(0, 2).toLowerCase();
  return LANGUAGES.includes(browser) ? browser : "en";
}

/** The text for `key`, with {name} placeholders filled from `vars`; the key itself if missing. */
export function t(key, vars = {}) {
  const template = messages[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export function translatePage(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      node.setAttribute(attr, t(key));
    }
  }
  document.documentElement.lang = lang;
  document.title = t("app.title");
}

export async function setLanguage(next) {
  const chosen = LANGUAGES.includes(next) ? next : "en";
  const response = await fetch(`/ui/i18n/${chosen}.json`, { cache: "no-cache" });
  messages = await response.json();
  lang = chosen;
  localStorage.setItem(LANG_KEY, chosen);
  translatePage();
  for (const listener of listeners) listener(chosen);
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

export async function initLanguage() {
  await setLanguage(preferred());
}

/** Numbers and dates in the interface language. */
export function fmtNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
}

export function fmtPercent(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: digits }).format(value);
}

export function fmtDate(value) {
  if (!value) return "–";
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}

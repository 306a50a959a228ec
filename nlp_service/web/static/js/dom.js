// DOM helpers. User text only ever enters the page as text nodes (never innerHTML), so an
// answer containing "<script>" shows as those characters.

/** Create an element: el("td", {class: "num"}, "12", otherNode). Strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/**
 * Split `text` into plain and highlighted parts by character ranges [{start, end, label}].
 * Overlapping ranges are merged; ranges outside the text are dropped. Returns DOM nodes:
 * text nodes and <mark> elements whose title names the reasons.
 */
export function highlighted(text, ranges) {
  const spans = ranges
    .filter((r) => Number.isInteger(r.start) && Number.isInteger(r.end) && r.start < r.end)
    .map((r) => ({ start: Math.max(0, r.start), end: Math.min(text.length, r.end), labels: [r.label] }))
    .filter((r) => r.start < r.end)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const merged = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) {
      last.end = Math.max(last.end, span.end);
      last.labels.push(...span.labels);
    } else {
      merged.push({ ...span, labels: [...span.labels] });
    }
  }
  const nodes = [];
  let at = 0;
  for (const span of merged) {
    if (span.start > at) nodes.push(document.createTextNode(text.slice(at, span.start)));
    const label = [...new Set(span.labels)].join(", ");
    nodes.push(el("mark", { title: label }, text.slice(span.start, span.end)));
    at = span.end;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

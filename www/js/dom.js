// DOM helpers. Every string from a log goes through textContent (never
// innerHTML), so names like `<img onerror=...>` render literally.

/**
 * Creates an element. `props` sets properties (className, title, ...), `data-*`
 * and `aria-*` attributes, and `on*` listeners; children are nodes or strings
 * (strings become text nodes).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role' || key === 'for' || key === 'tabindex') node.setAttribute(key, String(value));
    else if (key === 'text') node.textContent = String(value);
    else node[key] = value;
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Text with redaction markers wrapped in <mark class="redacted"> elements. */
export function withMarkers(text) {
  const parts = String(text).split(/(<REDACTED>|\[REDACTED\])/);
  return parts.filter((p) => p !== '').map((p) => (p === '<REDACTED>' || p === '[REDACTED]'
    ? el('mark', { className: 'redacted', title: 'redacted at ingestion' }, p)
    : document.createTextNode(p)));
}

/** Offers `text` as a file download. */
export function download(name, text, type = 'application/x-ndjson') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

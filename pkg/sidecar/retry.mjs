// Small shared pieces of the delivery loops: backoff with jitter, the
// Retry-After header, a human-readable reason for a failed request, and a
// timer helper that never keeps a finished process alive by accident.

/**
 * Exponential backoff with "equal jitter": half of the delay is fixed, half is
 * random. The fixed half keeps a failing endpoint from being hammered; the
 * random half keeps several sidecars that failed together from retrying in
 * lockstep. `attempt` is 1 for the first retry.
 */
export function backoffDelay(attempt, minMs, maxMs, random = Math.random) {
  const exp = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/**
 * The delay a `Retry-After` header asks for, in milliseconds, or `undefined`
 * when it is absent or unreadable. Both forms of RFC 9110 are accepted:
 * delay-seconds and an HTTP date. The result is clamped to `[0, capMs]` so a
 * hostile or confused server cannot park the exporter for days.
 */
export function retryAfterMs(value, capMs, now = Date.now()) {
  if (value == null) return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  let ms;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), capMs);
}

/** One line describing why a fetch failed: timeout, abort, or the network error code. */
export function describeFetchError(err, timeoutMs) {
  if (err?.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
  if (err?.name === 'AbortError') return 'aborted (shutting down)';
  const code = err?.cause?.code ?? err?.code;
  const detail = err?.cause?.message ?? '';
  const base = err?.message ?? String(err);
  if (code) return `${base} (${code}${detail && !detail.includes(code) ? `: ${detail}` : ''})`;
  return detail ? `${base}: ${detail}` : base;
}

/** Discards a response body so the connection can be reused; never throws. */
export async function discardBody(res) {
  try {
    await res.body?.cancel();
  } catch {
    // The body is of no interest; a failure to cancel it changes nothing.
  }
}

/** Reads at most `limit` bytes of a response body as text; never throws. */
export async function readBodyText(res, limit = 64 * 1024) {
  try {
    const reader = res.body?.getReader();
    if (!reader) return '';
    const chunks = [];
    let size = 0;
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    await reader.cancel().catch(() => {});
    return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
  } catch {
    return '';
  }
}

/**
 * A shutdown flush shared by both deliveries: waits for the request already in
 * progress (`running`), then runs `work(left)`, where `left()` is the time to
 * the deadline; `abort` fires at the deadline so no request outlives it.
 */
export async function untilDeadline(deadline, abort, running, work) {
  const left = () => deadline - Date.now();
  const timer = setTimeout(() => abort.abort(), Math.max(left(), 0));
  try {
    if (running) await running;
    await work(left);
  } finally {
    clearTimeout(timer);
  }
}

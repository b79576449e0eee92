// Access control. Without tokens the sidecar trusts whoever reaches it, so
// it binds to loopback by default and refuses another address unless a
// token is set (or --allow-public says so). With tokens, every request must
// carry one as `Authorization: Bearer <token>`:
//   full    (--auth-token)    every route;
//   scrape  (--scrape-token)  GET /metrics and /healthz only: what Prometheus
//                             and a probe need, so they cannot post events;
//   ingest  (--ingest-token)  POST /events only.
// A browser opening the viewer cannot send a header: GET /login?token=<full
// token> sets an HttpOnly, SameSite=Strict cookie that stands for it. Tokens
// are compared in constant time (SHA-256 digests through timingSafeEqual).
// A request without a valid token is answered 401, one whose token does not
// cover the route 403; both are counted.
import { createHash, timingSafeEqual } from 'node:crypto';

const COOKIE = 'wt_auth';
const digest = (s) => createHash('sha256').update(String(s)).digest();

/** What a route needs: 'scrape', 'ingest' or 'full'. */
export function scopeOf(method, path) {
  if (path === '/events' && method === 'POST') return 'ingest';
  if ((path === '/metrics' || path === '/healthz') && (method === 'GET' || method === 'HEAD')) return 'scrape';
  return 'full';
}

export class Auth {
  #tokens;
  refused = { unauthenticated: 0, forbidden: 0 };

  /** @param {{ full?: string, scrape?: string, ingest?: string }} tokens */
  constructor(tokens) {
    this.#tokens = Object.entries(tokens).filter(([, t]) => t).map(([scope, t]) => [scope, digest(t)]);
  }

  get enabled() {
    return this.#tokens.length > 0;
  }

  /** The scope a presented token grants, or null. Every configured token is compared, each in constant time. */
  #scope(token) {
    if (!token) return null;
    const d = digest(token);
    let found = null;
    for (const [scope, t] of this.#tokens) if (timingSafeEqual(d, t) && found === null) found = scope;
    return found;
  }

  /** The token a request carries: the bearer header, else the login cookie. */
  static presented(req) {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (m) return m[1];
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === COOKIE) return decodeURIComponent(v.join('='));
    }
    return '';
  }

  /** null when `req` may go on; else `{ status, message }` to answer. */
  check(req, path) {
    if (!this.enabled) return null;
    const granted = this.#scope(Auth.presented(req));
    if (granted === null) {
      this.refused.unauthenticated += 1;
      return { status: 401, message: 'a bearer token is required (Authorization: Bearer <token>)' };
    }
    const needed = scopeOf(req.method, path);
    if (granted !== 'full' && granted !== needed) {
      this.refused.forbidden += 1;
      return { status: 403, message: `this token is for ${granted} only; ${req.method} ${path} needs ${needed === 'full' ? 'the full token' : `an ${needed} token`}` };
    }
    return null;
  }

  /** GET /login?token=: the cookie for a full token, or null if it is not one. */
  loginCookie(token) {
    if (this.#scope(token) !== 'full') return null;
    return `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

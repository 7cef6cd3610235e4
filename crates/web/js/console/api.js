/**
 * The console's HTTP calls with the agent's session token (docs/protocol.md, section 7):
 * GET of a resource or of a paged list (X-Total-Count), read in pages the server accepts.
 * A 401 is reported as `unauthorized()`, any other failure as `failed(text)`, and the call
 * resolves to null. `fetchJson` and `download` (the Insights view) report only a 401 and
 * leave other failures to the caller, with the server's message: a 404 there means "this
 * server has no such figures yet", not an error to shout about.
 */

/** The most items the server returns in one page of a list. */
const MAX_PAGE_LIMIT = 500;

export function api(token, { unauthorized, failed }) {
  /** GET with the session's token: the response, or null once the failure is reported. */
  async function get(path) {
    try {
      const res = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
      if (res.status === 401) {
        unauthorized();
        return null;
      }
      if (!res.ok) {
        failed("The server answered " + res.status + " for " + path.split("?")[0]);
        return null;
      }
      return res;
    } catch {
      failed("The server cannot be reached.");
      return null;
    }
  }

  /** The JSON body of GET `path`, or null. */
  async function json(path) {
    const res = await get(path);
    return res && res.json().catch(() => null);
  }

  /** One page of a paged list: its items and the whole list's length (X-Total-Count). */
  async function page(path) {
    const res = await get(path);
    const items = res && (await res.json().catch(() => null));
    if (!Array.isArray(items)) return null;
    const total = parseInt(res.headers.get("X-Total-Count") || "", 10);
    return { items, total: Number.isNaN(total) ? items.length : total };
  }

  /** `count` items of a paged list from `offset` on, in pages the server accepts, and its length. */
  async function range(path, params, offset, count) {
    const items = [];
    let total = 0;
    while (items.length < count) {
      const limit = Math.min(MAX_PAGE_LIMIT, count - items.length);
      const query = new URLSearchParams({ ...params, offset: String(offset + items.length), limit: String(limit) });
      const read = await page(path + "?" + query);
      if (!read) return null;
      items.push(...read.items);
      total = read.total;
      if (read.items.length < limit) break;
    }
    return { items, total };
  }

  /**
   * GET `path` without reporting failures but a 401: `{ok: true, body, total}` (total from
   * X-Total-Count, or null) or `{ok: false, status, message}` (status 0: unreachable).
   */
  async function fetchJson(path) {
    const res = await send(path);
    if (!res.ok) return res;
    const body = await res.response.json().catch(() => undefined);
    if (body === undefined) return { ok: false, status: res.response.status, message: "The server's answer is not JSON." };
    const total = parseInt(res.response.headers.get("X-Total-Count") || "", 10);
    return { ok: true, body, total: Number.isNaN(total) ? null : total };
  }

  /** GET `path` as a Blob (a file the token guards): `{ok: true, blob}` or as fetchJson's failure. */
  async function download(path) {
    const res = await send(path);
    return res.ok ? { ok: true, blob: await res.response.blob() } : res;
  }

  /** POST `body` as JSON to `path`: `{ok: true, body}` or as fetchJson's failure. */
  async function postJson(path, body) {
    const res = await send(path, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    if (!res.ok) return res;
    const answer = await res.response.json().catch(() => undefined);
    return answer === undefined ? { ok: false, status: res.response.status, message: "The server's answer is not JSON." } : { ok: true, body: answer };
  }

  async function send(path, init = {}) {
    let response;
    try {
      response = await fetch(path, { ...init, headers: { ...(init.headers || {}), Authorization: "Bearer " + token() } });
    } catch {
      return { ok: false, status: 0, message: "The server cannot be reached." };
    }
    if (response.status === 401) unauthorized();
    if (response.ok) return { ok: true, response };
    const body = await response.json().catch(() => null);
    const message = (body && body.error && body.error.message) || "The server answered " + response.status + ".";
    return { ok: false, status: response.status, message };
  }

  return { json, range, fetchJson, download, postJson };
}

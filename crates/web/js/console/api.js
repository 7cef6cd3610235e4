/**
 * The console's HTTP calls with the agent's session token (docs/protocol.md, section 7):
 * GET of a resource or of a paged list (X-Total-Count), read in pages the server accepts.
 * A 401 is reported as `unauthorized()`, any other failure as `failed(text)`, and the call
 * resolves to null.
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

  return { json, range };
}

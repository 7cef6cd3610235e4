/**
 * What the widget keeps in the browser. localStorage, per server: the conversation (id, token,
 * last seq), the transcript and the unacknowledged messages, so a conversation survives
 * reloads and navigation, and a random browser id, so the insights can tell a returning
 * browser (a repeat contact) without knowing who it is. sessionStorage, per tab: whether the panel is open and which
 * invitations were shown. Storage that is missing, full or corrupt is never an error.
 */

/** The transcript keeps this many entries at most. */
export const MAX_ENTRIES = 200;

export function storage(httpUrl) {
  const storeKey = "relais:" + httpUrl;
  const sessionKey = storeKey + ":session";
  const browserKey = storeKey + ":browser";
  return {
    /** This browser's id, 32 random hex digits made once; null when storage is unavailable. */
    browserId() {
      try {
        let id = localStorage.getItem(browserKey);
        if (!/^[0-9a-f]{32}$/.test(id || "")) {
          const bytes = crypto.getRandomValues(new Uint8Array(16));
          id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
          localStorage.setItem(browserKey, id);
        }
        return id;
      } catch {
        return null; // no storage: every conversation looks like a new browser
      }
    },

    /** The stored { conv, entries, pending }, or null. */
    load() {
      try {
        const saved = JSON.parse(localStorage.getItem(storeKey) || "null");
        if (!saved || !saved.conv) return null;
        return {
          conv: saved.conv,
          entries: Array.isArray(saved.entries) ? saved.entries : [],
          pending: Array.isArray(saved.pending) ? saved.pending : [],
        };
      } catch {
        return null; // storage unavailable or corrupt: start afresh
      }
    },

    /** Keeps the conversation, the transcript (local notes left out) and the unacknowledged messages. */
    save(conv, entries, pending) {
      try {
        const kept = entries.filter((e) => !e.local).slice(-MAX_ENTRIES);
        localStorage.setItem(storeKey, JSON.stringify({ conv, entries: kept, pending }));
      } catch {
        /* storage full or unavailable: the conversation still works for this page */
      }
    },

    /** This tab's value `key`. */
    sessionGet(key) {
      try {
        return JSON.parse(sessionStorage.getItem(sessionKey) || "{}")[key];
      } catch {
        return undefined;
      }
    },

    sessionSet(key, value) {
      try {
        const all = JSON.parse(sessionStorage.getItem(sessionKey) || "{}");
        all[key] = value;
        sessionStorage.setItem(sessionKey, JSON.stringify(all));
      } catch {
        /* session storage unavailable: nothing is remembered across pages */
      }
    },
  };
}

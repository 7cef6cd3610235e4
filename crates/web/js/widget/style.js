/**
 * The widget's look: its style sheet (inside its Shadow DOM), the default accent colour, the
 * text colour that reads on an accent, and its icons (one SVG path each).
 */

export const DEFAULT_COLOR = "#2f6b4f";

export const STYLE = `
:host { all: initial !important; }
.root { all: initial; --accent: ${DEFAULT_COLOR}; --on-accent: #fff; font: 400 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d1d1f; }
.root * { box-sizing: border-box; font: inherit; color: inherit; letter-spacing: normal; text-transform: none; }
[hidden] { display: none !important; }
.launcher { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; width: 60px; height: 60px; border: 0; border-radius: 50%; background: var(--accent); color: var(--on-accent); cursor: pointer; box-shadow: 0 6px 20px rgba(0,0,0,.25); display: flex; align-items: center; justify-content: center; padding: 0; margin: 0; }
.left .launcher, .left .panel { right: auto; left: 20px; }
.launcher svg, .icon-btn svg { width: 28px; height: 28px; fill: currentColor; }
.launcher:focus-visible, button:focus-visible, a:focus-visible, textarea:focus-visible, input:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.badge { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px; background: #c62828; color: #fff; font-size: 12px; font-weight: 700; line-height: 22px; text-align: center; }
.panel { position: fixed; bottom: 92px; right: 20px; z-index: 2147483001; width: 380px; height: 600px; max-height: calc(100vh - 112px); display: flex; flex-direction: column; background: #fff; border-radius: 16px; box-shadow: 0 12px 40px rgba(0,0,0,.28); overflow: hidden; }
.head { display: flex; align-items: center; gap: 8px; padding: 12px 12px 12px 16px; background: var(--accent); color: var(--on-accent); }
.head-text { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 700; }
.status { font-size: 12px; opacity: .92; min-height: 17px; }
.icon-btn { flex: none; width: 36px; height: 36px; border: 0; border-radius: 8px; background: transparent; color: inherit; cursor: pointer; display: flex; align-items: center; justify-content: center; padding: 0; }
.icon-btn svg { width: 20px; height: 20px; }
.icon-btn:hover { background: rgba(255,255,255,.18); }
.log { flex: 1; overflow-y: auto; padding: 16px; background: #f6f7f9; display: flex; flex-direction: column; gap: 10px; }
.msg { display: flex; flex-direction: column; max-width: 85%; align-self: flex-start; }
.msg.visitor { align-self: flex-end; align-items: flex-end; }
.who { font-size: 12px; color: #555; margin: 0 4px 2px; }
.bubble { padding: 9px 13px; border-radius: 14px; background: #fff; border: 1px solid #e3e5e8; white-space: pre-wrap; overflow-wrap: anywhere; }
.visitor .bubble { background: var(--accent); color: var(--on-accent); border-color: transparent; }
.visitor .bubble a { color: inherit; }
.agent .bubble { border-color: var(--accent); }
.pending .bubble { opacity: .65; }
.meta { font-size: 11px; color: #666; margin: 2px 4px 0; }
a { color: #0b57d0; text-decoration: underline; }
.sources { margin: 6px 0 0; padding: 0 0 0 18px; font-size: 13px; }
.sources-label { font-size: 12px; color: #555; margin: 6px 4px 0; }
.feedback { display: flex; align-items: center; gap: 6px; margin: 6px 4px 0; font-size: 12px; color: #555; }
.feedback button { border: 1px solid #c9ccd1; background: #fff; border-radius: 14px; padding: 4px 10px; cursor: pointer; display: flex; color: #555; }
.feedback button:hover { color: var(--accent); border-color: var(--accent); }
.feedback svg { width: 16px; height: 16px; fill: currentColor; }
.quick { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.quick button { border: 1px solid var(--accent); color: var(--accent); background: #fff; border-radius: 16px; padding: 6px 12px; cursor: pointer; font-size: 14px; }
.quick button:hover { background: #eef3f0; }
.notice { align-self: center; text-align: center; font-size: 12px; color: #555; background: #eceef1; border-radius: 10px; padding: 4px 10px; max-width: 90%; }
.typing { padding: 0 16px 6px; background: #f6f7f9; font-size: 12px; color: #555; font-style: italic; min-height: 0; }
.cb { border-top: 1px solid #e3e5e8; padding: 12px 16px; background: #fff; display: grid; gap: 6px; max-height: 55%; overflow-y: auto; }
.cb p { margin: 0 0 4px; font-weight: 600; }
.wait-cb { margin: 6px 16px; font-size: 13px; text-align: left; }
.cb label { display: grid; gap: 2px; font-size: 13px; color: #333; }
.cb input, .cb textarea { border: 1px solid #c9ccd1; border-radius: 8px; padding: 6px 8px; background: #fff; width: 100%; }
.cb-err { color: #b3261e; font-size: 13px; }
.row { display: flex; gap: 8px; justify-content: flex-end; }
.btn { border: 0; border-radius: 10px; padding: 8px 14px; background: var(--accent); color: var(--on-accent); cursor: pointer; font-weight: 600; }
.btn.plain { background: #eceef1; color: #1d1d1f; }
.compose { display: flex; gap: 8px; align-items: flex-end; padding: 10px 12px; border-top: 1px solid #e3e5e8; background: #fff; }
.compose textarea { flex: 1; resize: none; border: 1px solid #c9ccd1; border-radius: 12px; padding: 9px 12px; max-height: 120px; min-height: 40px; background: #fff; line-height: 20px; }
.send { flex: none; width: 40px; height: 40px; border: 0; border-radius: 50%; background: var(--accent); color: var(--on-accent); cursor: pointer; display: flex; align-items: center; justify-content: center; padding: 0; }
.send svg { width: 20px; height: 20px; fill: currentColor; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); border: 0; white-space: nowrap; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; bottom: 0; right: 0; left: 0; }
  .open .launcher { display: none; }
}
@media (prefers-reduced-motion: no-preference) { .panel { animation: pop .16s ease-out; } }
@keyframes pop { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }
`;

const ICONS = {
  chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z",
  close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z",
  end: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm-4 8h8v2H8z",
  send: "M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z",
  up: "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
  down: "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z",
};

/** An inline SVG icon: `name` is a key of ICONS. */
export function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

/** Black or white text, whichever reads better on the accent colour. */
export function textOn(color) {
  const probe = document.createElement("canvas").getContext("2d");
  if (!probe) return "#fff";
  probe.fillStyle = color;
  const hex = probe.fillStyle;
  if (!/^#[0-9a-f]{6}$/i.test(hex)) return "#fff";
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return lum > 0.6 ? "#111" : "#fff";
}

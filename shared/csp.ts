// The page's Content-Security-Policy, built in one place for both the desktop
// app (app:// protocol handler) and serve mode (HTTP header).
//
// Scripts: only the app's own files; no inline script, no eval (docs/SECURITY.md,
// Electron shell 4). Styles: 'unsafe-inline' is needed because xterm.js
// creates <style> elements at run time for its viewport, dimensions and theme
// (even with the WebGL renderer); inline styles cannot run code, and the page
// never builds markup from strings (lint forbids innerHTML), so there is no
// way for a server to inject one. WebSockets: only the listed loopback
// origins (the gateway, and in serve mode the API socket).

/**
 * The page's Content-Security-Policy header value: scripts only from its own origin, no plugins or form posts, never
 * framed. `connectSources` are the only places it may connect to (the gateway's ws://127.0.0.1 origin); an empty list
 * gives `connect-src 'none'`.
 */
export function contentSecurityPolicy(connectSources: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connectSources.length > 0 ? connectSources.join(' ') : "'none'"}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The policy for the Vite dev server (`npm start`), which sends no header of
 * its own: the same rules, with WebSockets to any loopback port (Vite's hot
 * reload and the gateway, whose port is chosen at run time). Built pages
 * carry no <meta> policy: app:// and serve mode send the exact policy as a
 * header, and a second, looser <meta> policy would only add confusion
 * (browsers enforce both).
 */
export function devContentSecurityPolicy(): string {
  return contentSecurityPolicy(["'self'", 'ws://127.0.0.1:*', 'ws://localhost:*']);
}

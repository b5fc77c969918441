// ws, loaded on the first WebSocket upgrade rather than when the process
// starts. Loading it costs tens of milliseconds of a start here (its
// lib/websocket.js also requires node:tls and node:https at its top, and
// bufferutil), and the desktop app has no WebSocket until the first session:
// its page reaches the API over IPC. Serve mode needs it for the page's
// first request, so its API server (main/serve/serve-server.ts) loads it
// before the URL line.
//
// `import type` from 'ws' is erased and stays free; a value import would be
// hoisted to the top of both bundles (main/load-commonjs.ts).
// test/lazy-modules.test.ts checks the built bundles.
import type * as Ws from 'ws';
import { loadOnFirstUse } from '../load-commonjs.js';

/** ws's CommonJS exports: the WebSocket class, with WebSocketServer, createWebSocketStream... on it. */
export type WsModule = typeof Ws;

/**
 * ws's exports, loading the package on the first call (synchronous; later calls return the same object). Throws what
 * Node's require throws when the package is missing (MODULE_NOT_FOUND), which an install makes impossible.
 */
export const wsPackage: () => WsModule = loadOnFirstUse<WsModule>('ws');

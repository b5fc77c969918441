// The contract between the gateway and whatever a ticket opens. The gateway
// never knows what a target is (a TCP socket, an SSH shell, a forwardOut
// channel, a VNC stream already authenticated by main): it moves bytes and
// hands control text to the target. Fixed here so gateway, ssh and vnc can be
// built apart.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** What the gateway gives an opener while a page's socket is attached. */
export interface GatewayLink {
  /**
   * Sends one small JSON text frame to the page (exit status, errors, flow
   * control). Frames are delivered in order with the byte stream, and a
   * control frame sent before the target stream ends arrives before the close.
   */
  sendControl(message: object): void;
  /** Aborted when the page goes away (socket closed or errored). */
  readonly signal: AbortSignal;
}

/** A target with a control channel (an SSH shell: resize, acks, exit). */
export interface GatewayTarget {
  /** Session bytes, both ways: page binary frames in, target bytes out. */
  stream: Duplex;
  /**
   * One text frame from the page, as received (the target parses and
   * validates it). Without this handler a text frame is a protocol error for
   * that socket (close 1003).
   */
  receiveControl?(text: string): void;
}

/**
 * Opens the target once, when the ticket is redeemed. Rejecting (or the stream
 * erroring) closes the page's socket with a code and a reason the tab can show;
 * an error's `code` (ECONNREFUSED, ...) picks the close reason.
 */
export type TargetOpener = (link: GatewayLink) => Promise<Duplex | GatewayTarget>;

/**
 * Answers one redeemed file ticket's GET (Gateway.issueFileUrl): a download
 * the browser saves itself. It owns the response from then on.
 */
export type FileServer = (req: IncomingMessage, res: ServerResponse) => void;

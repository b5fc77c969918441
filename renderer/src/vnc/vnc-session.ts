// One VNC desktop: noVNC's RFB on a gateway ticket URL. Main has already
// done the VNC login (main/vnc), so noVNC meets a server that asks nothing;
// only pass-through servers (ARD, MS-Logon…) ask the page for credentials.
// Server-controlled strings (desktop name, clipboard) are handed on as text.
import RFB from '@novnc/novnc';
import { Disposables } from '../dom.js';

export type VncScaling = 'scale' | 'remote' | 'none';

export type VncEvent =
  | { type: 'connect' }
  | { type: 'disconnect'; clean: boolean }
  | { type: 'desktopname'; name: string }
  | { type: 'clipboard'; text: string }
  | { type: 'credentialsrequired'; types: string[] }
  | { type: 'securityfailure'; status: number; reason: string }
  /** Once a second while connected: bytes received from the server in that second. */
  | { type: 'rate'; bytesPerSecond: number };

export interface VncSessionOptions {
  scaling: VncScaling;
  viewOnly: boolean;
  quality: number;
  compression: number;
  shared: boolean;
  onEvent(ev: VncEvent): void;
}

/** Keys for the special-keys menu: X11 keysym (RFC 6143 §7.5.4) and DOM code. */
export const KEYS = {
  ControlL: { keysym: 0xffe3, code: 'ControlLeft' },
  AltL: { keysym: 0xffe9, code: 'AltLeft' },
  SuperL: { keysym: 0xffeb, code: 'MetaLeft' },
  Tab: { keysym: 0xff09, code: 'Tab' },
  Escape: { keysym: 0xff1b, code: 'Escape' },
  Print: { keysym: 0xff61, code: 'PrintScreen' },
  F4: { keysym: 0xffc1, code: 'F4' },
} as const;

export class VncSession {
  readonly #container: HTMLElement;
  readonly #opts: VncSessionOptions;
  readonly #d = new Disposables();
  #rfb: RFB | null = null;

  constructor(container: HTMLElement, opts: VncSessionOptions) {
    this.#container = container;
    this.#opts = { ...opts };
  }

  connect(url: string): void {
    this.#teardown();
    // noVNC takes a WebSocket we open (its documented urlOrChannel), so the
    // tab can count bytes for its status line without reaching into noVNC.
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    let bytes = 0;
    this.#d.listen(ws, 'message', (ev) => {
      const data = (ev as MessageEvent<unknown>).data;
      if (data instanceof ArrayBuffer) bytes += data.byteLength;
    });
    const rfb = new RFB(this.#container, ws, { shared: this.#opts.shared });
    this.#rfb = rfb;
    const timer = setInterval(() => {
      if (this.#rfb !== rfb) return;
      this.#opts.onEvent({ type: 'rate', bytesPerSecond: bytes });
      bytes = 0;
    }, 1000);
    this.#d.add(() => clearInterval(timer));
    rfb.background = 'var(--bg-sunken, #202020)';
    this.#apply(rfb);
    const on = (type: string, fn: (ev: CustomEvent) => void): void =>
      this.#d.listen(rfb, type, (ev) => fn(ev as CustomEvent));
    on('connect', () => this.#opts.onEvent({ type: 'connect' }));
    on('disconnect', (ev) => {
      // A disconnected RFB refuses disconnect() (noVNC logs an error), so forget it first.
      if (this.#rfb === rfb) this.#rfb = null;
      clearInterval(timer);
      this.#opts.onEvent({ type: 'disconnect', clean: Boolean((ev.detail as { clean?: boolean }).clean) });
    });
    on('desktopname', (ev) =>
      this.#opts.onEvent({ type: 'desktopname', name: String((ev.detail as { name?: unknown }).name ?? '') }),
    );
    on('clipboard', (ev) =>
      this.#opts.onEvent({ type: 'clipboard', text: String((ev.detail as { text?: unknown }).text ?? '') }),
    );
    on('credentialsrequired', (ev) =>
      this.#opts.onEvent({
        type: 'credentialsrequired',
        types: ((ev.detail as { types?: string[] }).types ?? []).map(String),
      }),
    );
    on('securityfailure', (ev) => {
      const d = ev.detail as { status?: number; reason?: string };
      this.#opts.onEvent({ type: 'securityfailure', status: Number(d.status ?? 0), reason: String(d.reason ?? '') });
    });
  }

  set scaling(s: VncScaling) {
    this.#opts.scaling = s;
    if (this.#rfb) this.#apply(this.#rfb);
  }

  set viewOnly(v: boolean) {
    this.#opts.viewOnly = v;
    if (this.#rfb) this.#rfb.viewOnly = v;
  }

  get viewOnly(): boolean {
    return this.#opts.viewOnly;
  }

  setQuality(quality: number, compression: number): void {
    this.#opts.quality = quality;
    this.#opts.compression = compression;
    if (this.#rfb) this.#apply(this.#rfb);
  }

  sendCtrlAltDel(): void {
    if (!this.#opts.viewOnly) this.#rfb?.sendCtrlAltDel();
  }

  /** Presses the keys in order, then releases them in reverse (a chord). */
  sendChord(keys: Array<{ keysym: number; code: string }>): void {
    if (!this.#rfb || this.#opts.viewOnly) return;
    for (const k of keys) this.#rfb.sendKey(k.keysym, k.code, true);
    for (const k of [...keys].reverse()) this.#rfb.sendKey(k.keysym, k.code, false);
  }

  /** Gives the remote desktop text to paste (the page's clipboard panel). */
  pasteText(text: string): void {
    if (!this.#opts.viewOnly) this.#rfb?.clipboardPasteFrom(text);
  }

  sendCredentials(creds: { username?: string; password?: string }): void {
    this.#rfb?.sendCredentials(creds);
  }

  screenshot(): Promise<Blob | null> {
    return new Promise((resolve) => (this.#rfb ? this.#rfb.toBlob(resolve, 'image/png') : resolve(null)));
  }

  focus(): void {
    this.#rfb?.focus();
  }

  disconnect(): void {
    this.#teardown();
  }

  dispose(): void {
    this.#teardown();
  }

  #apply(rfb: RFB): void {
    rfb.scaleViewport = this.#opts.scaling === 'scale';
    rfb.resizeSession = this.#opts.scaling === 'remote';
    rfb.clipViewport = false; // 1:1 shows scrollbars instead of clipping
    rfb.viewOnly = this.#opts.viewOnly;
    rfb.qualityLevel = this.#opts.quality;
    rfb.compressionLevel = this.#opts.compression;
  }

  #teardown(): void {
    this.#d.dispose();
    const rfb = this.#rfb;
    this.#rfb = null;
    try {
      rfb?.disconnect();
    } catch {
      // Already disconnected.
    }
  }
}

// Terminal output as plain text, for `.log` session logs. A streaming
// parser in the shape of the DEC VT500 one (vt100.net/emu/dec_ansi_parser;
// ECMA-48 §5.4 for CSI, §8.3.89 and §8.3.27 for the strings ended by ST):
// escape sequences, control strings (OSC, DCS, SOS, PM, APC) and C1 controls
// are removed, wherever a chunk boundary falls, and a UTF-8 character split
// over two chunks is decoded whole (TextDecoder with `stream`).
//
// Lines are kept as a terminal would leave them, so the file reads like the
// screen: CR moves back to the start of the line and what follows overwrites
// (a progress bar leaves its last state; CR LF is an ordinary line end), BS
// moves back one cell, and the three edits line editors such as readline use
// to redraw (CSI K, erase to the end of the line; CSI C and CSI D, cursor
// right and left) are applied. Every other sequence is dropped.
//
// I/O-free: bytes in through push(), text out as its return value; memory is
// bounded by MAX_LINE whatever the input.

/** A line longer than this (characters) is written out and a new line started, so memory stays bounded. */
export const MAX_LINE = 16 * 1024;
/**
 * A control string (OSC, DCS, ...) longer than this (characters) is taken as
 * unterminated: the parser goes back to text, so a stray OSC cannot hide the
 * rest of a session from its log.
 */
export const MAX_CONTROL_STRING = 64 * 1024;
/** A CSI sequence longer than this (characters) is dropped and the parser goes back to text. */
export const MAX_CSI = 256;

type State = 'ground' | 'esc' | 'escInter' | 'csi' | 'string' | 'stringEsc';

const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;

/** Streaming escape-sequence remover: push() terminal output bytes, get back finished lines of text. */
export class PlainTextFilter {
  readonly #decoder = new TextDecoder('utf-8');
  #state: State = 'ground';
  /** Characters of the sequence or string being skipped. */
  #seqLength = 0;
  /** The CSI's parameter and intermediate characters, up to MAX_CSI. */
  #csi = '';
  #line: string[] = [];
  #col = 0;
  #out = '';

  /** Takes one chunk of output; returns the text of the lines it finished, each ending in LF (may be ''). */
  push(chunk: Uint8Array): string {
    this.#feed(this.#decoder.decode(chunk, { stream: true }));
    return this.#take();
  }

  /** The end of the output: returns the unfinished line (with an LF) and any bytes of an incomplete character as U+FFFD. */
  end(): string {
    this.#feed(this.#decoder.decode());
    if (this.#line.length > 0) this.#newLine();
    return this.#take();
  }

  #take(): string {
    const out = this.#out;
    this.#out = '';
    return out;
  }

  #feed(text: string): void {
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      switch (this.#state) {
        case 'ground':
          this.#ground(ch, cp);
          break;
        case 'esc':
          this.#escape(cp);
          break;
        case 'escInter':
          this.#escapeIntermediate(cp);
          break;
        case 'csi':
          this.#csiChar(ch, cp);
          break;
        case 'string':
          this.#stringChar(cp);
          break;
        case 'stringEsc':
          // ESC \ is ST; ESC then anything else ends the string and starts a new sequence (as xterm does).
          if (cp === 0x5c) this.#state = 'ground';
          else this.#escape(cp);
          break;
      }
    }
  }

  #ground(ch: string, cp: number): void {
    if (cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp <= 0x9f)) return this.#print(ch);
    if (cp === ESC) return this.#start('esc');
    if (cp >= 0x80) return this.#c1(cp);
    this.#execute(cp);
  }

  /** C0 controls that move within a line; the rest (BEL, SO, SI, ...) leave no mark in text. */
  #execute(cp: number): void {
    if (cp === 0x0a || cp === 0x0b || cp === 0x0c) this.#newLine();
    else if (cp === 0x0d) this.#col = 0;
    else if (cp === 0x08) this.#col = Math.max(0, this.#col - 1);
    else if (cp === 0x09) this.#print('\t');
  }

  /** A C1 control (U+0080–U+009F; ECMA-48 §5.3): CSI, the string openers and ST act as their ESC forms. */
  #c1(cp: number): void {
    if (cp === 0x9b) this.#start('csi');
    else if (cp === 0x90 || cp === 0x98 || cp === 0x9d || cp === 0x9e || cp === 0x9f) this.#start('string');
    else this.#state = 'ground';
  }

  #start(state: State): void {
    this.#state = state;
    this.#seqLength = 0;
    this.#csi = '';
  }

  #escape(cp: number): void {
    if (cp === 0x5b) return this.#start('csi'); // ESC [
    // ESC ] OSC, ESC P DCS, ESC X SOS, ESC ^ PM, ESC _ APC
    if (cp === 0x5d || cp === 0x50 || cp === 0x58 || cp === 0x5e || cp === 0x5f) return this.#start('string');
    if (cp >= 0x20 && cp <= 0x2f) return this.#start('escInter');
    if (cp >= 0x30 && cp <= 0x7e) return void (this.#state = 'ground');
    this.#controlInSequence(cp);
  }

  #escapeIntermediate(cp: number): void {
    if (cp >= 0x20 && cp <= 0x2f) return this.#tooLong(MAX_CSI);
    if (cp >= 0x30 && cp <= 0x7e) return void (this.#state = 'ground');
    this.#controlInSequence(cp);
  }

  /** Inside ESC or CSI: ESC restarts, CAN and SUB cancel, other C0 controls act as in text, C1 and the rest cancel. */
  #controlInSequence(cp: number): void {
    if (cp === ESC) this.#start('esc');
    else if (cp === CAN || cp === SUB) this.#state = 'ground';
    else if (cp < 0x20) this.#execute(cp);
    else if (cp >= 0x80 && cp <= 0x9f) this.#c1(cp);
    else if (cp !== 0x7f) this.#state = 'ground';
  }

  #csiChar(ch: string, cp: number): void {
    if (cp >= 0x40 && cp <= 0x7e) {
      this.#state = 'ground';
      return this.#applyCsi(ch);
    }
    if (cp >= 0x20 && cp <= 0x3f) {
      if (this.#csi.length < 16) this.#csi += ch;
      return this.#tooLong(MAX_CSI);
    }
    this.#controlInSequence(cp);
  }

  #stringChar(cp: number): void {
    if (cp === BEL || cp === 0x9c) this.#state = 'ground';
    else if (cp === ESC) this.#state = 'stringEsc';
    else if (cp === CAN || cp === SUB) this.#state = 'ground';
    else this.#tooLong(MAX_CONTROL_STRING);
  }

  #tooLong(limit: number): void {
    if (++this.#seqLength > limit) this.#state = 'ground';
  }

  /** The line-editing CSIs: K (erase right of the cursor; 2 the whole line), C (right), D (left). */
  #applyCsi(final: string): void {
    const params = this.#csi;
    if (!/^[0-9;]*$/.test(params)) return; // private (?, >) and intermediates: nothing for text
    const n = Math.max(1, Number.parseInt(params, 10) || 1);
    if (final === 'K') {
      if (params === '' || params === '0') this.#line.length = Math.min(this.#line.length, this.#col);
      else if (params === '2') this.#line = Array<string>(this.#col).fill(' ');
    } else if (final === 'C') this.#col = Math.min(this.#col + n, MAX_LINE - 1);
    else if (final === 'D') this.#col = Math.max(0, this.#col - n);
  }

  #print(ch: string): void {
    while (this.#line.length < this.#col) this.#line.push(' ');
    this.#line[this.#col++] = ch;
    if (this.#col >= MAX_LINE) this.#newLine();
  }

  #newLine(): void {
    this.#out += this.#line.join('').trimEnd() + '\n';
    this.#line = [];
    this.#col = 0;
  }
}

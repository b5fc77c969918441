// Session logs: what the page sees of them, and the API methods and events
// that carry it (docs/ARCHITECTURE.md, "Session logs"). Pure (no Node, no
// DOM): main implements it (main/logs/, main/api/logs-api.ts), the settings
// dialog and the host editor draw it.
//
// The rule the types encode: the page never names a folder main writes to.
// It can ask main to show the native folder dialog (desktop only) or to go
// back to the data folder; the path it is shown is for reading only.

/**
 * How a terminal session is written down:
 * - off: not at all;
 * - plain: UTF-8 text, escape sequences and control characters removed (`.log`);
 * - asciicast: asciicast v2 (`.cast`), the raw output with its timing, which `asciinema play` replays.
 */
export type SessionLogMode = 'off' | 'plain' | 'asciicast';

/** Every SessionLogMode, in the order the page offers them. */
export const SESSION_LOG_MODES = ['off', 'plain', 'asciicast'] as const satisfies readonly SessionLogMode[];

/** Bounds on the size settings, in MiB (1 MiB = 1,048,576 bytes). */
export const SESSION_LOG_LIMITS = {
  /** Smallest and largest cap for one session's file. */
  minFileMiB: 1,
  maxFileMiB: 1024,
  /** Smallest and largest cap for everything in the logs folder. */
  minTotalMiB: 1,
  maxTotalMiB: 100 * 1024,
} as const;

/** The global settings, as the page reads them (logs.settings) and changes them (logs.update). */
export interface SessionLogSettings {
  /** What a host without its own choice does. */
  mode: SessionLogMode;
  /** One session's file stops growing at this many MiB (a marker line says so). */
  fileCapMiB: number;
  /** The oldest logs in the folder are deleted, at a session's start, to keep the folder under this many MiB. */
  totalCapMiB: number;
}

/** What logs.settings answers: the settings plus where the files go, for display only. */
export interface SessionLogInfo extends SessionLogSettings {
  /** The folder the next log goes to (absolute, for display; the page cannot send it back). */
  folder: string;
  /** True when the person chose the folder (desktop); false for `<data folder>/logs`. */
  customFolder: boolean;
  /** Desktop only: logs.chooseFolder and logs.openFolder work. */
  canChooseFolder: boolean;
}

/** A session's log stopped because writing failed (disk full, folder removed): shown once, the terminal goes on. */
export interface SessionLogNotice {
  sessionId: string;
  /** The tab's title (the saved host's name, or user@host). */
  title: string;
  code: string;
  message: string;
}

/** Method name → parameter tuple and result, for the session-log settings. */
export interface LogApiMethods {
  'logs.settings': { params: []; result: SessionLogInfo };
  'logs.update': { params: [settings: SessionLogSettings]; result: SessionLogInfo };
  /** Desktop: the native folder dialog; the result is unchanged when cancelled. Serve: LOG_NO_FOLDER_CHOICE. */
  'logs.chooseFolder': { params: []; result: SessionLogInfo };
  /** Back to `<data folder>/logs`. */
  'logs.useDataFolder': { params: []; result: SessionLogInfo };
  /** Desktop: opens the logs folder in the file manager. Serve: LOG_NO_FOLDER_CHOICE. */
  'logs.openFolder': { params: []; result: null };
}

/** The method names in LogApiMethods, for the preload and the transports. */
export const LOG_API_METHODS = [
  'logs.settings',
  'logs.update',
  'logs.chooseFolder',
  'logs.useDataFolder',
  'logs.openFolder',
] as const satisfies ReadonlyArray<keyof LogApiMethods>;

/** Event name → payload, for session logs. */
export interface LogApiEvents {
  'logs.notice': SessionLogNotice;
}

/** The event names in LogApiEvents. */
export const LOG_API_EVENTS = ['logs.notice'] as const satisfies ReadonlyArray<keyof LogApiEvents>;

/** A decrypted file to hand to the browser: its plaintext read from any offset, as a stream. */
export interface FileToServe {
  /** Display name, what a download is saved as. */
  readonly name: string;
  readonly mimeType: string;
  readonly size: number;
  /** `attachment`: the browser saves it; `inline`: a viewer (<img>, <video>) shows it. */
  readonly disposition: 'attachment' | 'inline';
  read(from: number): AsyncIterable<Uint8Array>;
}

/**
 * A same-origin URL serving the file, until closed. One served to be saved (`attachment`)
 * closes itself once read, or after a minute unread; a viewer closes its own.
 */
export interface ServedFile {
  readonly url: string;
  /** Whether it is streamed as read (false: held in memory, the fallback). */
  readonly streamed: boolean;
  /** Settles once the file is closed (for a file to save: once it was read). */
  readonly closed: Promise<void>;
  close(): void;
}

/** Serves a file at a URL (the service worker's stream in the browser, pwa/src/platform). */
export type ServeFile = (file: FileToServe) => Promise<ServedFile>;

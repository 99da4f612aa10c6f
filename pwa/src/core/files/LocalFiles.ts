/**
 * Where this device keeps attachment bytes: only ciphertext (PROTOCOL.md §1.16.1), whose key
 * lives in the sealed message record, so the files at rest are as unreadable as the rest of the
 * chat's store. The origin-private file system in the browser, memory in tests. Names are random
 * (`newLocalFileName`), so a name tells nothing about a message.
 */
export interface LocalFiles {
  /** Writes a file from its pieces, replacing one of the same name; nothing is kept on failure. */
  write(name: string, pieces: AsyncIterable<Uint8Array>): Promise<void>;
  /**
   * Adds pieces at the end of a file (made when there is none). Unlike `write`, what was added
   * before a failure stays, so an interrupted download resumes from there.
   */
  append(name: string, pieces: AsyncIterable<Uint8Array>): Promise<void>;
  /** Bytes from `offset`, at most `length` of them (fewer at the end). */
  read(name: string, offset: number, length: number): Promise<Uint8Array>;
  /** The file's length, or undefined when there is none by that name. */
  size(name: string): Promise<number | undefined>;
  /** Removes the file; no error when it is already gone. */
  delete(name: string): Promise<void>;
}

/** Reads a whole local file in pieces of `pieceBytes`. */
export async function* readLocalFile(
  files: LocalFiles,
  name: string,
  from = 0,
  pieceBytes = 1024 * 1024,
): AsyncIterable<Uint8Array> {
  const size = (await files.size(name)) ?? 0;
  for (let at = from; at < size; at += pieceBytes) {
    yield await files.read(name, at, Math.min(pieceBytes, size - at));
  }
}

/** Local files in memory: for tests, and for a browser without the origin-private file system. */
export function createMemoryLocalFiles(): LocalFiles & { names(): string[] } {
  const files = new Map<string, Uint8Array>();
  return {
    async write(name, pieces) {
      const parts: Uint8Array[] = [];
      for await (const piece of pieces) parts.push(piece.slice());
      const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const part of parts) {
        whole.set(part, at);
        at += part.length;
      }
      files.set(name, whole);
    },
    async append(name, pieces) {
      const add = (piece: Uint8Array) => {
        const before = files.get(name) ?? new Uint8Array(0);
        const after = new Uint8Array(before.length + piece.length);
        after.set(before);
        after.set(piece, before.length);
        files.set(name, after);
      };
      add(new Uint8Array(0));
      for await (const piece of pieces) add(piece);
    },
    read(name, offset, length) {
      const file = files.get(name);
      if (file === undefined) return Promise.reject(new Error('no such local file'));
      return Promise.resolve(file.slice(offset, offset + length));
    },
    size: (name) => Promise.resolve(files.get(name)?.length),
    delete(name) {
      files.delete(name);
      return Promise.resolve();
    },
    names: () => [...files.keys()],
  };
}

import { createMemoryLocalFiles, type LocalFiles } from '../core/files/LocalFiles.js';

const DIRECTORY = 'attachments';
/**
 * An append is committed every this many bytes: a writable's bytes reach the file only when it
 * closes, and each reopening copies the file so far, so this bounds both what a closed page
 * loses and the copying.
 */
const COMMIT_BYTES = 16 * 1024 * 1024;

/**
 * Attachment ciphertext in the origin-private file system: written as it streams, read in
 * slices, so a 100 MiB file never has to sit in the page's memory. A browser without it (or a
 * private window that refuses it) keeps the files in memory for the session.
 */
export async function openLocalFiles(): Promise<LocalFiles> {
  let directory: FileSystemDirectoryHandle;
  try {
    const root = await navigator.storage.getDirectory();
    directory = await root.getDirectoryHandle(DIRECTORY, { create: true });
  } catch {
    return createMemoryLocalFiles();
  }
  const fileOf = async (name: string): Promise<File | undefined> => {
    try {
      return await (await directory.getFileHandle(name)).getFile();
    } catch {
      return undefined;
    }
  };
  const remove = async (name: string) => {
    try {
      await directory.removeEntry(name);
    } catch {
      // Already gone.
    }
  };
  return {
    async write(name, pieces) {
      const handle = await directory.getFileHandle(name, { create: true });
      const writable = await handle.createWritable();
      try {
        for await (const piece of pieces) await writable.write(piece as Uint8Array<ArrayBuffer>);
        await writable.close();
      } catch (error) {
        await writable.abort().catch(() => undefined);
        await remove(name);
        throw error;
      }
    },
    async append(name, pieces) {
      const handle = await directory.getFileHandle(name, { create: true });
      let writable: FileSystemWritableFileStream | null = null;
      let pending = 0;
      try {
        for await (const piece of pieces) {
          if (writable === null) {
            const at = (await handle.getFile()).size;
            writable = await handle.createWritable({ keepExistingData: true });
            await writable.seek(at);
          }
          await writable.write(piece as Uint8Array<ArrayBuffer>);
          pending += piece.length;
          if (pending >= COMMIT_BYTES) {
            await writable.close();
            writable = null;
            pending = 0;
          }
        }
      } finally {
        // Kept on failure too: every byte handed to us was checked before (the caller's job).
        await writable?.close();
      }
    },
    async read(name, offset, length) {
      const file = await fileOf(name);
      if (file === undefined) throw new Error('no such local file');
      return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
    },
    size: async (name) => (await fileOf(name))?.size,
    delete: remove,
  };
}

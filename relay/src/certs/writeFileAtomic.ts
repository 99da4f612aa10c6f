import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces `file` with `contents` so that readers see the old file or the new one, never a partial
 * one, and so that the data never exists with wider permissions than `mode`: the temporary file is
 * created with `mode` (O_EXCL, in the same directory so the rename is atomic) before anything is
 * written to it.
 */
export async function writeFileAtomic(file: string, contents: string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    // The umask may have narrowed `mode` at creation; set it exactly, before any byte is written,
    // so certificates end up world-readable and keys owner-only whatever the umask.
    await handle.chmod(mode);
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
    await handle.close();
    await fs.rename(temp, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
  // Make the rename itself durable, so a crash cannot bring back the old file after success.
  const dirHandle = await fs.open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

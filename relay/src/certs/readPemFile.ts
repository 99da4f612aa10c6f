import fs from 'node:fs/promises';

/** The file's text, or null when it does not exist; any other I/O failure is the caller's to see. */
export async function readPemFile(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return null;
    throw error;
  }
}

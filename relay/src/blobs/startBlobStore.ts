import type { BlobContext } from './BlobContext.js';
import { ensureBlobDir } from './blobFiles.js';
import { sweepBlobs } from './sweepBlobs.js';

/** How often expired blobs and abandoned uploads are looked for. */
const SWEEP_MS = 10 * 60 * 1000;

export interface BlobStore {
  /** What the transport's blob routes serve from. */
  readonly ctx: BlobContext;
  /** Runs one sweep now (also run at start, so a relay down for a while cleans up first thing). */
  sweep(): Promise<void>;
  stop(): void;
}

/** Creates `<data>/blobs`, sweeps once, then every ten minutes. */
export function startBlobStore(
  dataDir: string,
  deps: Omit<BlobContext, 'dir' | 'busy'>,
): BlobStore {
  const ctx: BlobContext = { ...deps, dir: ensureBlobDir(dataDir), busy: new Set() };
  const sweep = () =>
    sweepBlobs(ctx).then(
      ({ expired, orphans }) => {
        if (expired + orphans > 0) ctx.log.info({ expired, orphans }, 'blob store: swept');
      },
      (error: unknown) => {
        ctx.log.error({ code: (error as { code?: unknown } | null)?.code }, 'blob sweep failed');
      },
    );
  void sweep();
  const timer = setInterval(() => void sweep(), SWEEP_MS);
  timer.unref();
  return {
    ctx,
    sweep,
    stop: () => {
      clearInterval(timer);
    },
  };
}

import { Worker } from 'node:worker_threads';
import type { WorkerCommand } from './WorkerCommand.js';

type Command = WorkerCommand extends infer C ? (C extends unknown ? Omit<C, 'id'> : never) : never;

/**
 * The load generator's worker threads, seen from the main thread: each command goes to one
 * worker or to all of them and resolves with the answers. TypeScript runs in the workers through
 * tsx's loader, registered before the worker's module is imported.
 */
export class LoadGenerator {
  private readonly workers: Worker[];
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();

  constructor(count: number) {
    const api = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./loadWorker.ts', import.meta.url).href;
    const boot = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
    // Workspace packages from their sources, whoever starts the generator: the flag that
    // `tsx --conditions=source` gives passes on to threads, vitest's own resolver does not.
    const execArgv = process.execArgv.includes('--conditions=source')
      ? process.execArgv
      : [...process.execArgv, '--conditions=source'];
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(boot, { eval: true, execArgv });
      worker.on('message', (reply: { id: number; result?: unknown; error?: string }) => {
        const waiter = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (reply.error !== undefined)
          waiter?.reject(new Error(`generator worker: ${reply.error}`));
        else waiter?.resolve(reply.result);
      });
      worker.on('error', (error) => {
        for (const waiter of this.waiting.values()) waiter.reject(error);
        this.waiting.clear();
      });
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  call<T>(worker: number, command: Command): Promise<T> {
    const target = this.workers[worker];
    if (target === undefined) throw new Error(`no worker ${worker}`);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      target.postMessage({ ...command, id });
    });
  }

  /** The same command to every worker (or one built per worker), answers in worker order. */
  all<T>(command: Command | ((worker: number) => Command)): Promise<T[]> {
    return Promise.all(
      this.workers.map((_, i) =>
        this.call<T>(i, typeof command === 'function' ? command(i) : command),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

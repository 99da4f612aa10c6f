import { batch, createSignal, type Accessor } from 'solid-js';

/** One page as the list shows it: its items, newest first, and whether an older page may follow. */
export interface ListPage<Item> {
  readonly items: readonly Item[];
  readonly more: boolean;
}

/** Where a paged list gets its pages, given by the screen or state that shows the list. */
export interface PagedListSource<Fetched, Item> {
  /** Fetches the newest page (`last` undefined) or the page just older than `last`. */
  readonly fetch: (last: Item | undefined) => Promise<Fetched>;
  /**
   * Turns a fetched page into items. Called only for a page still wanted: a page that arrives
   * after a newer reload started is dropped unread, so it changes nothing.
   */
  readonly accept: (fetched: Fetched, first: boolean) => ListPage<Item> | Promise<ListPage<Item>>;
  readonly noticeError: (error: unknown) => unknown;
}

export interface PagedList<Item> {
  /** The first page: loading, shown, or failed (a reload retries it). */
  readonly status: Accessor<'loading' | 'ready' | 'error'>;
  readonly items: Accessor<readonly Item[]>;
  readonly hasOlder: Accessor<boolean>;
  readonly loadingOlder: Accessor<boolean>;
  /** The last older page failed; the items shown stay and the user may ask again. */
  readonly olderFailed: Accessor<boolean>;
  /** Loads the first page again, dropping any page still on its way. */
  readonly reload: () => Promise<void>;
  /** Appends the page older than the last item shown; does nothing while one is loading. */
  readonly loadOlder: () => Promise<void>;
}

/**
 * A list read a page at a time, newest first (the relay's audit events, for one): load the first
 * page, append older ones on request, and say whether it is loading, failed or at its end. A
 * reload supersedes every page still on its way.
 */
export function createPagedList<Fetched, Item>(
  source: PagedListSource<Fetched, Item>,
): PagedList<Item> {
  const [status, setStatus] = createSignal<'loading' | 'ready' | 'error'>('loading');
  const [items, setItems] = createSignal<readonly Item[]>([]);
  const [hasOlder, setHasOlder] = createSignal(false);
  const [loadingOlder, setLoadingOlder] = createSignal(false);
  const [olderFailed, setOlderFailed] = createSignal(false);
  /** Counts reloads, so that a page fetched for an earlier one is recognised and dropped. */
  let generation = 0;

  const reload = async (): Promise<void> => {
    const current = ++generation;
    batch(() => {
      setStatus('loading');
      setOlderFailed(false);
    });
    try {
      const fetched = await source.fetch(undefined);
      if (current !== generation) return;
      const page = await source.accept(fetched, true);
      if (current !== generation) return;
      batch(() => {
        setItems(page.items);
        setHasOlder(page.more);
        setStatus('ready');
      });
    } catch (error) {
      source.noticeError(error);
      if (current === generation) setStatus('error');
    }
  };

  const loadOlder = async (): Promise<void> => {
    const last = items().at(-1);
    if (last === undefined || loadingOlder()) return;
    const current = generation;
    batch(() => {
      setLoadingOlder(true);
      setOlderFailed(false);
    });
    try {
      const fetched = await source.fetch(last);
      if (current !== generation) return;
      const page = await source.accept(fetched, false);
      if (current !== generation) return;
      batch(() => {
        setItems((shown) => [...shown, ...page.items]);
        setHasOlder(page.more);
      });
    } catch (error) {
      source.noticeError(error);
      if (current === generation) setOlderFailed(true);
    } finally {
      setLoadingOlder(false);
    }
  };

  return { status, items, hasOlder, loadingOlder, olderFailed, reload, loadOlder };
}

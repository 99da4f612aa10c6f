import { createRoot } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { createPagedList, type ListPage } from './createPagedList.js';

/** A fetch the test answers by hand, so that pages can arrive in any order. */
interface PendingFetch {
  readonly last: number | undefined;
  readonly answer: (page: ListPage<number>) => void;
  readonly fail: (error: Error) => void;
}

/** A paged list of numbers, newest (largest) first, whose fetches wait for the test. */
function listOverHand() {
  const fetches: PendingFetch[] = [];
  const accepted: ListPage<number>[] = [];
  const noticed: unknown[] = [];
  const { list, dispose } = createRoot((dispose) => ({
    dispose,
    list: createPagedList<ListPage<number>, number>({
      fetch: (last) =>
        new Promise((resolve, reject) => {
          fetches.push({ last, answer: resolve, fail: reject });
        }),
      accept: (page) => {
        accepted.push(page);
        return page;
      },
      noticeError: (error) => noticed.push(error),
    }),
  }));
  const fetch = (index: number): PendingFetch => {
    const pending = fetches[index];
    if (pending === undefined) throw new Error(`no fetch number ${String(index)}`);
    return pending;
  };
  return { list, dispose, fetches, fetch, accepted, noticed };
}

describe('a paged list', () => {
  it('loads the newest page, then older ones after the last item, until the end', async () => {
    const { list, dispose, fetch, fetches } = listOverHand();
    expect(list.status()).toBe('loading');

    const loading = list.reload();
    expect(fetch(0).last).toBeUndefined();
    fetch(0).answer({ items: [9, 8, 7], more: true });
    await loading;
    expect(list.status()).toBe('ready');
    expect(list.items()).toEqual([9, 8, 7]);
    expect(list.hasOlder()).toBe(true);

    const older = list.loadOlder();
    expect(list.loadingOlder()).toBe(true);
    // A second request while one is on its way asks nothing more.
    await list.loadOlder();
    expect(fetches).toHaveLength(2);
    expect(fetch(1).last).toBe(7);
    fetch(1).answer({ items: [6, 5], more: false });
    await older;
    expect(list.items()).toEqual([9, 8, 7, 6, 5]);
    expect(list.hasOlder()).toBe(false);
    expect(list.loadingOlder()).toBe(false);
    dispose();
  });

  it('reports a failed first page and loads it on a retry', async () => {
    const { list, dispose, fetch, noticed } = listOverHand();
    const failing = list.reload();
    const refused = new Error('relay down');
    fetch(0).fail(refused);
    await failing;
    expect(list.status()).toBe('error');
    expect(noticed).toEqual([refused]);

    const retry = list.reload();
    expect(list.status()).toBe('loading');
    fetch(1).answer({ items: [3], more: false });
    await retry;
    expect(list.status()).toBe('ready');
    expect(list.items()).toEqual([3]);
    dispose();
  });

  it('keeps the items shown when an older page fails, and clears the failure on a retry', async () => {
    const { list, dispose, fetch, noticed } = listOverHand();
    const first = list.reload();
    fetch(0).answer({ items: [4, 3], more: true });
    await first;

    const failing = list.loadOlder();
    fetch(1).fail(new Error('timeout'));
    await failing;
    expect(list.olderFailed()).toBe(true);
    expect(list.items()).toEqual([4, 3]);
    expect(list.status()).toBe('ready');
    expect(noticed).toHaveLength(1);

    const retry = list.loadOlder();
    expect(list.olderFailed()).toBe(false);
    expect(fetch(2).last).toBe(3);
    fetch(2).answer({ items: [2], more: false });
    await retry;
    expect(list.items()).toEqual([4, 3, 2]);
    dispose();
  });

  it('drops pages fetched for an earlier reload, first or older, without reading them', async () => {
    const { list, dispose, fetch, accepted } = listOverHand();
    const first = list.reload();
    fetch(0).answer({ items: [9, 8], more: true });
    await first;

    // An older page is on its way when the filter changes; so is the first page of a reload
    // that another reload overtakes.
    const older = list.loadOlder();
    const overtaken = list.reload();
    const latest = list.reload();
    fetch(3).answer({ items: [2, 1], more: false });
    await latest;
    fetch(1).answer({ items: [7, 6], more: true });
    fetch(2).answer({ items: [5, 4], more: true });
    await Promise.all([older, overtaken]);

    expect(list.items()).toEqual([2, 1]);
    expect(list.hasOlder()).toBe(false);
    expect(list.status()).toBe('ready');
    expect(accepted.map((page) => page.items)).toEqual([
      [9, 8],
      [2, 1],
    ]);
    dispose();
  });
});

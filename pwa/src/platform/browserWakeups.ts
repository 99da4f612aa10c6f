/**
 * Calls `wake` when the browser reports it is online again and when the page becomes visible:
 * the moments a connection waiting out its reconnect backoff should try at once instead.
 */
export function subscribeBrowserWakeups(wake: () => void): () => void {
  const online = (): void => {
    wake();
  };
  const visibility = (): void => {
    if (document.visibilityState === 'visible') wake();
  };
  window.addEventListener('online', online);
  document.addEventListener('visibilitychange', visibility);
  return () => {
    window.removeEventListener('online', online);
    document.removeEventListener('visibilitychange', visibility);
  };
}

import { Match, Show, Switch, createResource, createSignal, type JSX } from 'solid-js';
import { ApiRequestError } from '../../core/relay/ApiRequestError.js';
import { useApp } from '../../state/AppContext.js';
import { describeError } from '../describeError.js';

type PushProblem = 'denied' | 'unreachable' | 'browser-unavailable' | 'failed';

/**
 * Notifications while the app is closed (Web Push): a switch, the choice to show who wrote, and
 * what the push service learns. The browser's permission is asked only from the switch (a click),
 * never on load; iOS is told that it needs the app on the home screen first.
 */
export function PushNotificationsSection(): JSX.Element {
  const { t, push } = useApp();
  const support = push.support();
  const [status, { mutate }] = createResource(
    () => support === 'supported',
    () => push.status(),
  );
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<PushProblem | null>(null);
  const [detail, setDetail] = createSignal<string | null>(null);
  const enabled = (): boolean =>
    (status()?.subscription ?? null) !== null && push.permission() === 'granted';
  const [showSender, setShowSender] = createSignal<boolean | null>(null);
  const sender = (): boolean => showSender() ?? status()?.subscription?.showSender ?? false;

  const fail = (error: unknown): void => {
    if (error instanceof ApiRequestError && error.code === 'PUSH_UNAVAILABLE') {
      setProblem('unreachable');
    } else if (
      error instanceof DOMException &&
      (error.name === 'AbortError' || error.name === 'TimeoutError')
    ) {
      // The browser's own push service refused or could not be reached (no internet here).
      setProblem('browser-unavailable');
    } else {
      setProblem('failed');
      setDetail(error instanceof ApiRequestError ? describeError(t, error) : null);
    }
  };

  const toggle = async (on: boolean): Promise<void> => {
    const current = status();
    if (current === undefined) return;
    setBusy(true);
    setProblem(null);
    setDetail(null);
    try {
      if (on && current.publicKey !== null) {
        const permission = await push.enable(current.publicKey, sender());
        if (permission !== 'granted') {
          setProblem('denied');
        }
      } else if (!on) {
        await push.disable();
      }
      mutate(await push.status());
    } catch (error) {
      fail(error);
      mutate(await push.status().catch(() => current));
    } finally {
      setBusy(false);
    }
  };

  const chooseSender = async (value: boolean): Promise<void> => {
    setShowSender(value);
    if (!enabled()) return;
    setBusy(true);
    try {
      await push.setShowSender(value);
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="settings-section" aria-labelledby="push-title" data-testid="push-section">
      <h2 id="push-title" class="settings-section__title">
        {t('push.title')}
      </h2>
      <p class="settings-section__intro">{t('push.intro')}</p>
      <Switch>
        <Match when={support === 'needs-home-screen'}>
          <p class="settings-section__intro" role="note">
            {t('push.homeScreen')}
          </p>
        </Match>
        <Match when={support === 'unsupported'}>
          <p class="settings-section__intro">{t('push.unsupported')}</p>
        </Match>
        <Match when={status()?.available === false}>
          <p class="settings-section__intro">{t('push.relayOff')}</p>
        </Match>
        <Match when={status() !== undefined}>
          <div class="choice-list">
            <label class="choice">
              <input
                class="choice__input"
                type="checkbox"
                role="switch"
                checked={enabled()}
                disabled={busy()}
                aria-busy={busy()}
                data-testid="push-switch"
                onChange={(event) => void toggle(event.currentTarget.checked)}
              />
              <span class="choice__text">
                <span class="choice__label">{t('push.switchLabel')}</span>
                <span class="choice__hint">
                  {busy() ? t('push.enabling') : enabled() ? t('push.on') : t('push.off')}
                </span>
              </span>
            </label>
            <label class="choice">
              <input
                class="choice__input"
                type="checkbox"
                checked={sender()}
                disabled={busy()}
                data-testid="push-show-sender"
                onChange={(event) => void chooseSender(event.currentTarget.checked)}
              />
              <span class="choice__text">
                <span class="choice__label">{t('push.showSenderLabel')}</span>
                <span class="choice__hint">{t('push.showSenderHint')}</span>
              </span>
            </label>
          </div>
        </Match>
      </Switch>
      <div role="status">
        <Show when={problem()}>
          {(which) => (
            <div class="settings-section__footer">
              <p class="form__error" data-testid="push-problem">
                {which() === 'denied'
                  ? t('push.denied')
                  : which() === 'unreachable'
                    ? t('push.unreachable')
                    : which() === 'browser-unavailable'
                      ? t('push.browserUnavailable')
                      : (detail() ?? t('push.failed'))}
              </p>
            </div>
          )}
        </Show>
      </div>
    </section>
  );
}

import { Show, createSignal, onCleanup, onMount, type JSX } from 'solid-js';
import { ApiRequestError } from '../../core/relay/ApiRequestError.js';
import { useApp } from '../../state/AppContext.js';
import { BrandMark } from '../components/BrandMark.js';
import { Icon } from '../components/Icon.js';
import { describeError } from '../describeError.js';
import { useDocumentTitle } from '../useDocumentTitle.js';

/**
 * Passkey sign-in. When the browser supports it, a conditional (autofill) request starts as soon
 * as the page opens, so the handle field offers this relay's passkeys; the button runs a modal
 * ceremony instead, after stopping the autofill one (each ceremony id is single use, so both
 * fetch their own options).
 */
export function SignInScreen(): JSX.Element {
  const { t, passkeys, session } = useApp();
  useDocumentTitle(
    () => t('signIn.title'),
    () => t('app.titleSuffix'),
  );
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let autofill: AbortController | null = null;
  let disposed = false;
  // A call, so the checks after each await read the current value.
  const isDisposed = (): boolean => disposed;

  // The relay answers UNKNOWN_CREDENTIAL for a passkey it does not know (removed from the account,
  // or made for another relay) and CEREMONY_FAILED for one that failed verification: since a
  // failed verification can also mean a removed passkey, say both for either.
  const message = (caught: unknown): string | null =>
    caught instanceof ApiRequestError && caught.code === 'CEREMONY_FAILED'
      ? t('signIn.unknownPasskey')
      : describeError(t, caught);

  /** Refusals that came after the person picked a passkey: offering the suggestions again is safe. */
  const offerAgain = (caught: unknown): boolean =>
    caught instanceof ApiRequestError &&
    (caught.code === 'CEREMONY_FAILED' ||
      caught.code === 'UNKNOWN_CREDENTIAL' ||
      caught.code === 'ACCOUNT_DISABLED');
  let restarts = 0;

  const startAutofill = async (): Promise<void> => {
    if (isDisposed() || !(await passkeys.supportsAutofill()) || isDisposed()) return;
    const controller = new AbortController();
    autofill = controller;
    try {
      await passkeys.signIn({ autofill: true, signal: controller.signal });
    } catch (caught) {
      if (controller.signal.aborted || isDisposed()) return;
      const text = message(caught);
      if (text !== null) setError(text);
      // A refused autofill sign-in leaves the field without suggestions: offer them again, a few
      // times at most, and never after a network failure (that would spin while offline).
      if (autofill === controller && offerAgain(caught) && restarts < 3) {
        restarts += 1;
        void startAutofill();
      }
    }
  };

  const stopAutofill = (): void => {
    autofill?.abort();
    autofill = null;
  };

  const signInWithButton = async (): Promise<void> => {
    stopAutofill();
    setError(null);
    setBusy(true);
    try {
      // Starting a new ceremony aborts the pending conditional one (the library's abort service).
      await passkeys.signIn({ autofill: false });
    } catch (caught) {
      const text = message(caught);
      setError(text ?? t('signIn.cancelled'));
      void startAutofill();
    } finally {
      setBusy(false);
    }
  };

  onMount(() => {
    void startAutofill();
  });
  onCleanup(() => {
    disposed = true;
    if (autofill !== null) {
      stopAutofill();
      passkeys.cancel();
    }
  });

  const ended = () => {
    const state = session.state();
    return state.kind === 'signed-out' && state.ended;
  };

  return (
    <div class="screen screen--centered">
      <section class="welcome-card" aria-labelledby="sign-in-title">
        <BrandMark class="welcome-card__mark" />
        <h1 id="sign-in-title" class="welcome-card__title">
          {t('signIn.title')}
        </h1>
        <p class="welcome-card__lead">{t('signIn.encrypted')}</p>
        <Show when={ended()}>
          <div class="callout callout--info" role="status">
            <Icon name="info" class="callout__icon" />
            <div>
              <h2 class="callout__title">{t('signIn.endedTitle')}</h2>
              <p class="callout__text">{t('signIn.endedBody')}</p>
            </div>
          </div>
        </Show>
        <form
          class="form"
          onSubmit={(event) => {
            event.preventDefault();
            void signInWithButton();
          }}
        >
          <div class="field">
            <label class="field__label" for="sign-in-handle">
              {t('signIn.handleLabel')}
            </label>
            <input
              id="sign-in-handle"
              class="field__input"
              name="username"
              type="text"
              autocomplete="username webauthn"
              autocapitalize="none"
              spellcheck={false}
              aria-describedby="sign-in-handle-hint"
            />
            <p id="sign-in-handle-hint" class="field__hint">
              {t('signIn.handleHint')}
            </p>
          </div>
          <Show when={error()}>
            {(text) => (
              <p class="form__error" role="alert">
                {text()}
              </p>
            )}
          </Show>
          <button
            type="submit"
            class="button button--primary button--block"
            disabled={busy()}
            aria-busy={busy()}
          >
            <Icon name="key" />
            {busy() ? t('signIn.working') : t('signIn.button')}
          </button>
        </form>
        <p class="welcome-card__footnote">{t('signIn.haveInvite')}</p>
      </section>
    </div>
  );
}

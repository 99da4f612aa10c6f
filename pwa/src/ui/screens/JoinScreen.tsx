import { A, useNavigate } from '@solidjs/router';
import {
  APP_ROUTES,
  DISPLAY_NAME_MAX,
  HANDLE_PATTERN,
  type InviteInspectResponse,
} from '@vaultroom/shared';
import { Match, Show, Switch, createSignal, onMount, type JSX } from 'solid-js';
import { ApiRequestError } from '../../core/relay/ApiRequestError.js';
import { PasskeyUnavailableError } from '../../core/account/passkeyErrors.js';
import { readInviteFragment, readInviteLogKey } from '../../core/account/readInviteFragment.js';
import { useApp } from '../../state/AppContext.js';
import { BrandMark } from '../components/BrandMark.js';
import { Icon } from '../components/Icon.js';
import { describeError } from '../describeError.js';
import { useDocumentTitle } from '../useDocumentTitle.js';

type Stage =
  | { readonly kind: 'checking' }
  | { readonly kind: 'no-invite' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'ready'; readonly invite: InviteInspectResponse };

/** Kept for the page's lifetime only: the token leaves the address bar as soon as it is read. */
let pendingInvite: string | null = null;

/**
 * Sign-up and account recovery from an invite link (`/join#invite=<token>`). The token is taken
 * from the fragment and removed from the address bar at once, so it stays out of history, then
 * inspected; a register invite asks for a handle and display name, a recovery invite only for a
 * new passkey on the existing account.
 */
export function JoinScreen(): JSX.Element {
  const { t, api, passkeys, preferences, inviteLogKey } = useApp();
  const navigate = useNavigate();
  const [stage, setStage] = createSignal<Stage>({ kind: 'checking' });
  const [handle, setHandle] = createSignal('');
  const [displayName, setDisplayName] = createSignal('');
  const [handleError, setHandleError] = createSignal<string | null>(null);
  const [nameError, setNameError] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  let handleInput: HTMLInputElement | undefined;

  const recovery = () => {
    const current = stage();
    return current.kind === 'ready' && current.invite.kind === 'recovery' ? current.invite : null;
  };
  useDocumentTitle(
    () => (recovery() ? t('join.recoveryTitle') : t('join.title')),
    () => t('app.titleSuffix'),
  );

  const inspect = async (token: string): Promise<void> => {
    setStage({ kind: 'checking' });
    try {
      setStage({ kind: 'ready', invite: await api.inspectInvite(token) });
    } catch (caught) {
      if (caught instanceof ApiRequestError && caught.code === 'INVITE_INVALID') {
        setStage({ kind: 'invalid' });
      } else {
        setStage({ kind: 'error', message: describeError(t, caught) ?? '' });
      }
    }
  };

  onMount(() => {
    const fromFragment = readInviteFragment(window.location.hash);
    if (fromFragment !== null) {
      pendingInvite = fromFragment;
      // Kept for the chat to pin when it opens; a link without one is trusted on first use.
      inviteLogKey.write(readInviteLogKey(window.location.hash));
      history.replaceState(history.state, '', window.location.pathname);
    }
    if (pendingInvite === null) setStage({ kind: 'no-invite' });
    else void inspect(pendingInvite);
  });

  const validate = (): boolean => {
    if (recovery()) return true;
    const handleOk = HANDLE_PATTERN.test(handle());
    const name = displayName().trim();
    const nameOk = name.length > 0 && name.length <= DISPLAY_NAME_MAX;
    setHandleError(handleOk ? null : t('join.handleInvalid'));
    setNameError(nameOk ? null : t('join.displayNameInvalid'));
    if (!handleOk) handleInput?.focus();
    return handleOk && nameOk;
  };

  const submit = async (): Promise<void> => {
    const token = pendingInvite;
    if (token === null || !validate()) return;
    setError(null);
    setBusy(true);
    try {
      await passkeys.join(
        token,
        recovery() ? null : { handle: handle(), displayName: displayName().trim() },
      );
      pendingInvite = null;
      navigate(APP_ROUTES.conversations, { replace: true });
    } catch (caught) {
      if (caught instanceof ApiRequestError && caught.code === 'CONFLICT') {
        setHandleError(t('join.handleTaken'));
        handleInput?.focus();
      } else if (caught instanceof ApiRequestError && caught.code === 'INVITE_INVALID') {
        setStage({ kind: 'invalid' });
      } else if (
        caught instanceof PasskeyUnavailableError &&
        caught.reason === 'already-registered'
      ) {
        setError(t('join.alreadyRegistered'));
      } else {
        setError(describeError(t, caught) ?? t('join.cancelled'));
      }
    } finally {
      setBusy(false);
    }
  };

  const expiry = (invite: InviteInspectResponse): string =>
    new Intl.DateTimeFormat(preferences.locale(), { dateStyle: 'long', timeStyle: 'short' }).format(
      new Date(invite.expiresAt),
    );

  const problem = (title: string, text: string): JSX.Element => (
    <>
      <h1 id="join-title" class="welcome-card__title">
        {title}
      </h1>
      <p class="welcome-card__lead">{text}</p>
      <A
        href={APP_ROUTES.signIn}
        class="button button--secondary welcome-card__action"
        activeClass=""
        inactiveClass=""
      >
        {t('join.goToSignIn')}
      </A>
    </>
  );

  return (
    <div class="screen screen--centered">
      <section
        class="welcome-card"
        aria-labelledby="join-title"
        aria-busy={stage().kind === 'checking'}
      >
        <BrandMark class="welcome-card__mark" />
        <Switch>
          <Match when={stage().kind === 'checking'}>
            <h1 id="join-title" class="welcome-card__title">
              {t('join.title')}
            </h1>
            <p class="welcome-card__lead" role="status">
              {t('join.checking')}
            </p>
          </Match>
          <Match when={stage().kind === 'no-invite'}>
            {problem(t('join.noInviteTitle'), t('join.noInvite'))}
          </Match>
          <Match when={stage().kind === 'invalid'}>
            {problem(t('join.invalidTitle'), t('join.invalid'))}
          </Match>
          <Match
            when={(() => {
              const current = stage();
              return current.kind === 'error' ? current : null;
            })()}
          >
            {(current) => (
              <>
                <h1 id="join-title" class="welcome-card__title">
                  {t('join.title')}
                </h1>
                <p class="form__error" role="alert">
                  {current().message}
                </p>
                <button
                  type="button"
                  class="button button--secondary welcome-card__action"
                  onClick={() => {
                    if (pendingInvite !== null) void inspect(pendingInvite);
                  }}
                >
                  {t('common.retry')}
                </button>
              </>
            )}
          </Match>
          <Match
            when={(() => {
              const current = stage();
              return current.kind === 'ready' ? current.invite : null;
            })()}
          >
            {(invite) => (
              <>
                <h1 id="join-title" class="welcome-card__title">
                  {invite().kind === 'recovery' ? t('join.recoveryTitle') : t('join.title')}
                </h1>
                <Show
                  when={invite().kind === 'recovery'}
                  fallback={
                    <>
                      <p class="welcome-card__lead">{t('join.lead')}</p>
                      <Show when={invite().role === 'admin'}>
                        <p class="welcome-card__lead">{t('join.adminLead')}</p>
                      </Show>
                    </>
                  }
                >
                  <p class="welcome-card__lead">
                    {t('join.recoveryLead', { handle: invite().forHandle ?? '' })}
                  </p>
                  <div class="callout callout--warn">
                    <Icon name="warning" class="callout__icon" />
                    <p class="callout__text">{t('join.recoveryWarning')}</p>
                  </div>
                </Show>
                <form
                  class="form"
                  noValidate
                  onSubmit={(event) => {
                    event.preventDefault();
                    void submit();
                  }}
                >
                  <Show when={invite().kind === 'register'}>
                    <div class="field">
                      <label class="field__label" for="join-handle">
                        {t('join.handleLabel')}
                      </label>
                      <div class="field__prefixed">
                        <span class="field__prefix" aria-hidden="true">
                          @
                        </span>
                        <input
                          ref={handleInput}
                          id="join-handle"
                          class="field__input"
                          name="handle"
                          type="text"
                          required
                          minLength={3}
                          maxLength={32}
                          autocomplete="username"
                          autocapitalize="none"
                          spellcheck={false}
                          value={handle()}
                          aria-invalid={handleError() !== null}
                          aria-describedby="join-handle-hint join-handle-error"
                          onInput={(event) => {
                            setHandle(event.currentTarget.value);
                            setHandleError(null);
                          }}
                        />
                      </div>
                      <p id="join-handle-hint" class="field__hint">
                        {t('join.handleHint')}
                      </p>
                      <p id="join-handle-error" class="field__error">
                        {handleError()}
                      </p>
                    </div>
                    <div class="field">
                      <label class="field__label" for="join-display-name">
                        {t('join.displayNameLabel')}
                      </label>
                      <input
                        id="join-display-name"
                        class="field__input"
                        name="displayName"
                        type="text"
                        required
                        maxLength={DISPLAY_NAME_MAX}
                        autocomplete="name"
                        value={displayName()}
                        aria-invalid={nameError() !== null}
                        aria-describedby="join-display-name-hint join-display-name-error"
                        onInput={(event) => {
                          setDisplayName(event.currentTarget.value);
                          setNameError(null);
                        }}
                      />
                      <p id="join-display-name-hint" class="field__hint">
                        {t('join.displayNameHint')}
                      </p>
                      <p id="join-display-name-error" class="field__error">
                        {nameError()}
                      </p>
                    </div>
                  </Show>
                  <p class="form__note">
                    <Icon name="key" class="form__note-icon" />
                    <span>{t('join.passkeyNote')}</span>
                  </p>
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
                    {busy()
                      ? t('join.working')
                      : invite().kind === 'recovery'
                        ? t('join.recover')
                        : t('join.create')}
                  </button>
                  <p class="field__hint">{t('join.expires', { date: expiry(invite()) })}</p>
                </form>
              </>
            )}
          </Match>
        </Switch>
      </section>
    </div>
  );
}

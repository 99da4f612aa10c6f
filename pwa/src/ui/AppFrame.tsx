import { A, useLocation, useNavigate, type RouteSectionProps } from '@solidjs/router';
import { APP_ROUTES } from '@vaultroom/shared';
import { Show, createEffect, type JSX } from 'solid-js';
import { useApp } from '../state/AppContext.js';
import { AccountNotices } from './components/AccountNotices.js';
import { BrandMark } from './components/BrandMark.js';
import { MainNav } from './components/MainNav.js';
import { RelayStatusIndicator } from './components/RelayStatusIndicator.js';
import { UpdateNotices } from './components/UpdateNotices.js';

export const MAIN_ID = 'main';

/** Routes a signed-out person may see; every other one sends them to sign-in. */
const PUBLIC_ROUTES: readonly string[] = [APP_ROUTES.signIn, APP_ROUTES.join];

/**
 * The frame around every screen: skip link, header, notices, navigation and the main landmark.
 * It also guards the routes: nothing but sign-in and join until the relay confirms a session,
 * no sign-in page once signed in, and administration for administrators only.
 */
export function AppFrame(props: RouteSectionProps): JSX.Element {
  const { t, session } = useApp();
  const location = useLocation();
  const navigate = useNavigate();

  createEffect(() => {
    const state = session.state();
    const path = location.pathname;
    if (state.kind === 'signed-out' && !PUBLIC_ROUTES.includes(path)) {
      navigate(APP_ROUTES.signIn, { replace: true });
    } else if (state.kind === 'signed-in') {
      if (path === APP_ROUTES.signIn) navigate(APP_ROUTES.conversations, { replace: true });
      else if (path.startsWith(APP_ROUTES.admin) && state.account.role !== 'admin') {
        navigate(APP_ROUTES.conversations, { replace: true });
      }
    }
  });

  const allowed = (): boolean => {
    const state = session.state();
    const path = location.pathname;
    if (state.kind === 'checking') return false;
    if (state.kind === 'signed-out') return PUBLIC_ROUTES.includes(path);
    return !(path.startsWith(APP_ROUTES.admin) && state.account.role !== 'admin');
  };
  const signedIn = () => session.state().kind === 'signed-in';

  // Focus moves into <main> itself, so the next Tab continues from the content, not the header.
  const skipToMain = (event: MouseEvent): void => {
    event.preventDefault();
    document.getElementById(MAIN_ID)?.focus();
  };

  return (
    <div class="app" data-signed-in={signedIn()}>
      <a class="skip-link" href={`#${MAIN_ID}`} onClick={skipToMain}>
        {t('app.skipToContent')}
      </a>
      <header class="app-header">
        <A
          href={signedIn() ? APP_ROUTES.conversations : APP_ROUTES.signIn}
          class="brand"
          activeClass=""
          inactiveClass=""
        >
          <BrandMark />
          <span class="brand__name">{t('app.name')}</span>
        </A>
        <RelayStatusIndicator />
      </header>
      {/* One grid cell for both kinds of notice: stacked, never one on top of the other. */}
      <div class="app-notices">
        <UpdateNotices />
        <Show when={signedIn()}>
          <AccountNotices />
        </Show>
      </div>
      <Show when={signedIn()}>
        <MainNav />
      </Show>
      <main id={MAIN_ID} class="app-main" tabindex="-1">
        <Show
          when={allowed()}
          fallback={
            <p class="app-main__loading" role="status">
              {t('common.loading')}
            </p>
          }
        >
          {props.children}
        </Show>
      </main>
    </div>
  );
}

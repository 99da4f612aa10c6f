import { A } from '@solidjs/router';
import { APP_ROUTES } from '@vaultroom/shared';
import { Show, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { Icon } from './Icon.js';

/** Primary navigation: a bottom tab bar on phones, a side rail from 900 px. */
export function MainNav(): JSX.Element {
  const { t, session } = useApp();
  return (
    <nav class="main-nav" aria-label={t('nav.label')}>
      <A
        href={APP_ROUTES.conversations}
        class="main-nav__link"
        activeClass="is-active"
        inactiveClass=""
      >
        <Icon name="chat" class="main-nav__icon" />
        <span class="main-nav__label">{t('nav.conversations')}</span>
      </A>
      <A href={APP_ROUTES.settings} class="main-nav__link" activeClass="is-active" inactiveClass="">
        <Icon name="settings" class="main-nav__icon" />
        <span class="main-nav__label">{t('nav.settings')}</span>
      </A>
      <Show when={session.account()?.role === 'admin'}>
        <A href={APP_ROUTES.admin} class="main-nav__link" activeClass="is-active" inactiveClass="">
          <Icon name="shield" class="main-nav__icon" />
          <span class="main-nav__label">{t('nav.admin')}</span>
        </A>
      </Show>
    </nav>
  );
}

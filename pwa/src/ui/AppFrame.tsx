import { A, type RouteSectionProps } from '@solidjs/router';
import { APP_ROUTES } from '@vaultroom/shared';
import type { JSX } from 'solid-js';
import { useApp } from '../state/AppContext.js';
import { BrandMark } from './components/BrandMark.js';
import { MainNav } from './components/MainNav.js';
import { RelayStatusIndicator } from './components/RelayStatusIndicator.js';
import { UpdateNotices } from './components/UpdateNotices.js';

export const MAIN_ID = 'main';

/** The frame around every screen: skip link, header, notices, navigation and the main landmark. */
export function AppFrame(props: RouteSectionProps): JSX.Element {
  const { t } = useApp();

  // Focus moves into <main> itself, so the next Tab continues from the content, not the header.
  const skipToMain = (event: MouseEvent): void => {
    event.preventDefault();
    document.getElementById(MAIN_ID)?.focus();
  };

  return (
    <div class="app">
      <a class="skip-link" href={`#${MAIN_ID}`} onClick={skipToMain}>
        {t('app.skipToContent')}
      </a>
      <header class="app-header">
        <A href={APP_ROUTES.conversations} class="brand" activeClass="" inactiveClass="">
          <BrandMark />
          <span class="brand__name">{t('app.name')}</span>
        </A>
        <RelayStatusIndicator />
      </header>
      <UpdateNotices />
      <MainNav />
      <main id={MAIN_ID} class="app-main" tabindex="-1">
        {props.children}
      </main>
    </div>
  );
}

import { A } from '@solidjs/router';
import { APP_ROUTES } from '@vaultroom/shared';
import type { JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { BrandMark } from '../components/BrandMark.js';
import { Icon } from '../components/Icon.js';
import { useDocumentTitle } from '../useDocumentTitle.js';

/**
 * Welcome and, later, passkey sign-in. Until the relay enables accounts there is nothing to press,
 * so the screen says so instead of showing a button that does nothing.
 */
export function SignInScreen(): JSX.Element {
  const { t } = useApp();
  useDocumentTitle(
    () => t('signIn.title'),
    () => t('app.titleSuffix'),
  );

  return (
    <div class="screen screen--centered">
      <section class="welcome-card" aria-labelledby="sign-in-title">
        <BrandMark class="welcome-card__mark" />
        <h1 id="sign-in-title" class="welcome-card__title">
          {t('signIn.title')}
        </h1>
        <p class="welcome-card__lead">{t('signIn.encrypted')}</p>
        <p class="welcome-card__lead">{t('signIn.passkey')}</p>
        <div class="callout">
          <Icon name="info" class="callout__icon" />
          <div>
            <h2 class="callout__title">{t('signIn.notYetTitle')}</h2>
            <p class="callout__text">{t('signIn.notYet')}</p>
          </div>
        </div>
        <p class="welcome-card__meanwhile">{t('signIn.meanwhile')}</p>
        <A
          href={APP_ROUTES.settings}
          class="button button--secondary"
          activeClass=""
          inactiveClass=""
        >
          {t('signIn.openSettings')}
        </A>
      </section>
    </div>
  );
}

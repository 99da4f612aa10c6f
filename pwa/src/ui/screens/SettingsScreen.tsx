import { A, useNavigate } from '@solidjs/router';
import { APP_ROUTES } from '@vaultroom/shared';
import { For, Show, createMemo, createSignal, type JSX } from 'solid-js';
import { formatDuration } from '../format/formatDuration.js';
import { LOCALES } from '../../core/preferences/locales.js';
import { THEME_PREFERENCES, type ThemePreference } from '../../core/preferences/themePreference.js';
import { LOCALE_NAMES } from '../../i18n/localeNames.js';
import { isAccountKnown } from '../../core/account/rememberedAccount.js';
import { useApp } from '../../state/AppContext.js';
import { Icon } from '../components/Icon.js';
import { DevicesSection } from '../components/DevicesSection.js';
import { DeviceStorageSection } from '../components/DeviceStorageSection.js';
import { InstallAppSection } from '../components/InstallAppSection.js';
import { PasskeysSection } from '../components/PasskeysSection.js';
import { PushNotificationsSection } from '../components/PushNotificationsSection.js';
import { SessionsSection } from '../components/SessionsSection.js';
import { useDocumentTitle } from '../useDocumentTitle.js';

/**
 * The account (passkeys, devices and sessions, sign-out), then appearance and language (stored on
 * this device) and what the app knows about its relay.
 */
export function SettingsScreen(): JSX.Element {
  const { t, preferences, relayStatus, origin, session } = useApp();
  const navigate = useNavigate();
  const [signingOut, setSigningOut] = createSignal(false);
  const signOut = async (): Promise<void> => {
    setSigningOut(true);
    try {
      await session.signOut();
    } catch {
      // Signed out on this device either way; the relay ends a stale session on its own.
    } finally {
      setSigningOut(false);
      navigate(APP_ROUTES.signIn, { replace: true });
    }
  };
  useDocumentTitle(
    () => t('settings.title'),
    () => t('app.titleSuffix'),
  );

  const themeLabel = (preference: ThemePreference): string => {
    switch (preference) {
      case 'system':
        return t('settings.appearance.system');
      case 'light':
        return t('settings.appearance.light');
      case 'dark':
        return t('settings.appearance.dark');
    }
  };

  const about = createMemo(() => {
    const status = relayStatus();
    const unknown = t('settings.about.unknown');
    switch (status.kind) {
      case 'connected': {
        const { report } = status;
        const statusText =
          report.status === 'ok'
            ? t('settings.about.statusOk')
            : report.database === 'unavailable'
              ? t('settings.about.statusDegradedDatabase')
              : t('settings.about.statusDegraded');
        return {
          version: report.version,
          status: statusText,
          uptime: formatDuration(report.uptimeSeconds, preferences.locale()),
          checkedAt: status.checkedAt,
        };
      }
      case 'unreachable':
        return {
          version: unknown,
          status: t('settings.about.statusUnreachable'),
          uptime: unknown,
          checkedAt: status.checkedAt,
        };
      case 'offline':
        return { version: unknown, status: t('settings.about.statusOffline'), uptime: unknown };
      case 'checking':
        return { version: unknown, status: t('settings.about.statusChecking'), uptime: unknown };
    }
  });

  const checkedAtText = createMemo(() => {
    const { checkedAt } = about();
    if (checkedAt === undefined) return undefined;
    const time = new Intl.DateTimeFormat(preferences.locale(), { timeStyle: 'short' }).format(
      checkedAt,
    );
    return t('settings.about.lastChecked', { time });
  });

  return (
    <div class="screen screen--settings">
      <h1 class="screen__title">{t('settings.title')}</h1>

      <Show when={session.account()}>
        {(account) => (
          <section class="settings-section" aria-labelledby="account-title">
            <h2 id="account-title" class="settings-section__title">
              {t('settings.account.title')}
            </h2>
            <div class="account-row">
              <Show
                when={isAccountKnown(account())}
                fallback={
                  <div class="account-row__text">
                    {/* Offline before unlocking: the handle is sealed in the chat store. */}
                    <p class="account-row__meta">{t('settings.account.sealed')}</p>
                  </div>
                }
              >
                <span class="avatar" aria-hidden="true">
                  {account().displayName.slice(0, 1).toUpperCase()}
                </span>
                <div class="account-row__text">
                  <p class="account-row__name">{account().displayName}</p>
                  <p class="account-row__meta">
                    @{account().handle} ·{' '}
                    {account().role === 'admin'
                      ? t('settings.account.roleAdmin')
                      : t('settings.account.roleMember')}
                  </p>
                </div>
              </Show>
              <button
                type="button"
                class="button button--secondary button--compact"
                disabled={signingOut()}
                aria-busy={signingOut()}
                onClick={() => void signOut()}
              >
                {signingOut() ? t('settings.account.signingOut') : t('settings.account.signOut')}
              </button>
            </div>
            <A href={APP_ROUTES.security} class="link-row">
              <span class="item__badge" aria-hidden="true">
                <Icon name="shield" />
              </span>
              <span class="link-row__text">
                <span class="link-row__label">{t('security.settingsLink')}</span>
                <span class="link-row__hint">{t('security.settingsLinkHint')}</span>
              </span>
              <Icon name="chevron" class="link-row__chevron" />
            </A>
          </section>
        )}
      </Show>

      <Show when={session.account()}>
        <PasskeysSection />
        <DevicesSection />
        <SessionsSection />
        <PushNotificationsSection />
      </Show>

      <section class="settings-section" aria-labelledby="appearance-title">
        <h2 id="appearance-title" class="settings-section__title">
          {t('settings.appearance.title')}
        </h2>
        <fieldset class="choice-list">
          <legend class="visually-hidden">{t('settings.appearance.legend')}</legend>
          <For each={THEME_PREFERENCES}>
            {(preference) => (
              <label class="choice">
                <input
                  class="choice__input"
                  type="radio"
                  name="theme"
                  value={preference}
                  checked={preferences.theme() === preference}
                  onChange={() => {
                    preferences.setTheme(preference);
                  }}
                />
                <span class="choice__text">
                  <span class="choice__label">{themeLabel(preference)}</span>
                  <Show when={preference === 'system'}>
                    <span class="choice__hint">{t('settings.appearance.systemHint')}</span>
                  </Show>
                </span>
              </label>
            )}
          </For>
        </fieldset>
      </section>

      <section class="settings-section" aria-labelledby="language-title">
        <h2 id="language-title" class="settings-section__title">
          {t('settings.language.title')}
        </h2>
        <fieldset class="choice-list">
          <legend class="visually-hidden">{t('settings.language.legend')}</legend>
          <For each={LOCALES}>
            {(locale) => (
              <label class="choice">
                <input
                  class="choice__input"
                  type="radio"
                  name="locale"
                  value={locale}
                  checked={preferences.locale() === locale}
                  onChange={() => {
                    preferences.setLocale(locale);
                  }}
                />
                <span class="choice__text">
                  <span class="choice__label" lang={locale}>
                    {LOCALE_NAMES[locale]}
                  </span>
                </span>
              </label>
            )}
          </For>
        </fieldset>
      </section>

      <DeviceStorageSection />

      <InstallAppSection />

      <section class="settings-section" aria-labelledby="about-title">
        <h2 id="about-title" class="settings-section__title">
          {t('settings.about.title')}
        </h2>
        <dl class="facts">
          <div class="facts__row">
            <dt>{t('settings.about.version')}</dt>
            <dd>{about().version}</dd>
          </div>
          <div class="facts__row">
            <dt>{t('settings.about.status')}</dt>
            <dd>{about().status}</dd>
          </div>
          <div class="facts__row">
            <dt>{t('settings.about.uptime')}</dt>
            <dd>{about().uptime}</dd>
          </div>
          <div class="facts__row">
            <dt>{t('settings.about.address')}</dt>
            <dd class="facts__mono">{origin}</dd>
          </div>
        </dl>
        <Show when={checkedAtText()}>
          {(text) => <p class="settings-section__footnote">{text()}</p>}
        </Show>
      </section>
    </div>
  );
}

import { Show, createSignal, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { Icon } from './Icon.js';

/**
 * "Install app", where the browser offers to install it (Chromium-based browsers); nothing at all
 * where it does not, or when the app already runs installed. After the browser's dialog, the
 * button goes and a line says what happened.
 */
export function InstallAppSection(): JSX.Element {
  const { t, install } = useApp();
  const [result, setResult] = createSignal<'installed' | 'failed' | null>(null);

  const run = async (): Promise<void> => {
    setResult(null);
    try {
      if ((await install.install()) === 'accepted') setResult('installed');
    } catch {
      // The offer is gone (the browser refused to show its dialog); its menu still installs.
      setResult('failed');
    }
  };

  return (
    <Show when={install.available() || result() !== null}>
      <section class="settings-section" aria-labelledby="install-title">
        <h2 id="install-title" class="settings-section__title">
          {t('install.title')}
        </h2>
        <p class="settings-section__intro">{t('install.intro')}</p>
        <div class="settings-section__footer">
          <div role="status" class="settings-section__status">
            <Show when={result() === 'installed'}>
              <p class="form__ok">{t('install.installed')}</p>
            </Show>
            <Show when={result() === 'failed'}>
              <p class="form__error">{t('install.failed')}</p>
            </Show>
          </div>
          <Show when={install.available()}>
            <button
              type="button"
              class="button button--primary"
              disabled={install.prompting()}
              aria-busy={install.prompting()}
              onClick={() => void run()}
            >
              <Icon name="plus" />
              <span>{install.prompting() ? t('install.prompting') : t('install.button')}</span>
            </button>
          </Show>
        </div>
      </section>
    </Show>
  );
}

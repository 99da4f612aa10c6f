import { Match, Show, Switch, createResource, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { Icon } from './Icon.js';

/**
 * What this browser keeps (keys, messages, drafts), how it is sealed (with a passkey, or with a
 * key kept in the browser where no passkey can), what clearing its site data loses, and the
 * request that asks the browser not to evict it on its own.
 */
export function DeviceStorageSection(): JSX.Element {
  const { t, storage, chat, chatLock } = useApp();
  // How this device's records are sealed: only known once the chat opened (or found it locked).
  const sealing = (): string | null => {
    if (chat.status() === 'locked') return t('deviceStorage.sealedLocked');
    switch (chatLock.protection()) {
      case 'passkey':
        return t('deviceStorage.sealedWithPasskey');
      case 'device':
        return t('deviceStorage.sealedWithDevice');
      case null:
        return null;
    }
  };
  const [persisted, { mutate }] = createResource(() => storage.persisted());

  const ask = async (): Promise<void> => {
    mutate(await storage.persist());
  };

  return (
    <section class="settings-section" aria-labelledby="device-storage-title">
      <h2 id="device-storage-title" class="settings-section__title">
        {t('deviceStorage.title')}
      </h2>
      <p class="settings-section__intro">{t('deviceStorage.intro')}</p>
      <Show when={sealing()}>
        {(text) => (
          <p class="settings-section__intro" data-testid="storage-sealing">
            {text()}
          </p>
        )}
      </Show>
      <p class="settings-section__intro">
        <strong>{t('deviceStorage.lossWarning')}</strong>
      </p>
      <div class="settings-section__footer">
        <div role="status" class="settings-section__status">
          <Switch>
            <Match when={persisted() === true}>
              <p class="form__ok">{t('deviceStorage.persisted')}</p>
            </Match>
            <Match when={persisted() === false}>
              <p class="settings-section__hint">{t('deviceStorage.notPersisted')}</p>
            </Match>
            <Match when={persisted() === null}>
              <p class="settings-section__hint">{t('deviceStorage.unsupported')}</p>
            </Match>
          </Switch>
        </div>
        <Show when={persisted() === false}>
          <button type="button" class="button button--secondary" onClick={() => void ask()}>
            <Icon name="shield" />
            <span>{t('deviceStorage.persist')}</span>
          </button>
        </Show>
      </div>
    </section>
  );
}

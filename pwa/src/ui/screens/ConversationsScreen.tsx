import type { JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { Icon } from '../components/Icon.js';
import { useDocumentTitle } from '../useDocumentTitle.js';

/**
 * The conversation list and, from 900 px, the conversation pane beside it. With no conversations
 * yet, the list shows its first-run empty state and the pane says what protects them.
 */
export function ConversationsScreen(): JSX.Element {
  const { t } = useApp();
  useDocumentTitle(
    () => t('conversations.title'),
    () => t('app.titleSuffix'),
  );

  return (
    <div class="split">
      <section class="split__list" aria-labelledby="conversations-title">
        <div class="pane-header">
          <h1 id="conversations-title" class="pane-header__title">
            {t('conversations.title')}
          </h1>
        </div>
        <div class="empty-state">
          <span class="empty-state__badge">
            <Icon name="chat" />
          </span>
          <h2 class="empty-state__title">{t('conversations.emptyTitle')}</h2>
          <p class="empty-state__text">{t('conversations.emptyBody')}</p>
        </div>
      </section>
      <section class="split__content" aria-labelledby="conversation-pane-title">
        <div class="pane-placeholder">
          <span class="pane-placeholder__badge">
            <Icon name="lock" />
          </span>
          <h2 id="conversation-pane-title" class="pane-placeholder__title">
            {t('conversations.paneTitle')}
          </h2>
          <p class="pane-placeholder__text">{t('conversations.paneBody')}</p>
        </div>
      </section>
    </div>
  );
}

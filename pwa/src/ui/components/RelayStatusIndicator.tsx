import { createMemo, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';

type Tone = 'ok' | 'warn' | 'error' | 'muted';

/**
 * The relay's reachability in the header. A polite live region, so a change ("Relay unreachable")
 * is announced without moving focus. Narrow screens show a short label; screen readers always get
 * the full sentence.
 */
export function RelayStatusIndicator(): JSX.Element {
  const { t, relayStatus } = useApp();

  const view = createMemo((): { tone: Tone; text: string; short: string } => {
    const status = relayStatus();
    switch (status.kind) {
      case 'checking':
        return { tone: 'muted', text: t('relay.checking'), short: t('relay.checkingShort') };
      case 'connected': {
        const { version } = status.report;
        return status.report.status === 'ok'
          ? {
              tone: 'ok',
              text: t('relay.connected', { version }),
              short: t('relay.connectedShort'),
            }
          : {
              tone: 'warn',
              text: t('relay.degraded', { version }),
              short: t('relay.degradedShort'),
            };
      }
      case 'unreachable':
        return {
          tone: 'error',
          text: t('relay.unreachable'),
          short: t('relay.unreachableShort'),
        };
      case 'offline':
        return { tone: 'muted', text: t('relay.offline'), short: t('relay.offline') };
    }
  });

  return (
    <div class="relay-status" data-tone={view().tone} role="status">
      <span class="relay-status__dot" aria-hidden="true" />
      <span class="relay-status__text relay-status__text--full">{view().text}</span>
      <span class="relay-status__text relay-status__text--short" aria-hidden="true">
        {view().short}
      </span>
    </div>
  );
}

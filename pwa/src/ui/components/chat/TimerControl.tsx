import { For, Show, type JSX } from 'solid-js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';
import { TIMER_CHOICES, timerKeyOf } from './timerChoices.js';

/** Disappearing messages for one conversation; either person may change it. */
export function TimerControl(props: {
  readonly conversation: string;
  readonly seconds: number;
  readonly onError: (error: unknown) => void;
}): JSX.Element {
  const { t, chat } = useApp();
  return (
    <div class="timer-control">
      <Icon name="clock" />
      <label for="timer-select">{t('conversation.timer.label')}</label>
      <select
        id="timer-select"
        class="timer-control__select"
        value={String(props.seconds)}
        onChange={(event) => {
          chat.setTimer(props.conversation, Number(event.currentTarget.value)).catch(props.onError);
        }}
      >
        <For each={TIMER_CHOICES}>
          {(choice) => (
            <option value={String(choice.seconds)}>{t(`conversation.timer.${choice.key}`)}</option>
          )}
        </For>
        <Show when={timerKeyOf(props.seconds) === null}>
          <option value={String(props.seconds)}>{`${String(props.seconds)} s`}</option>
        </Show>
      </select>
    </div>
  );
}

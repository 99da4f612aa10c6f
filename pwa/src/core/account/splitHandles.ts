import { handleFromInput } from '@vaultroom/shared';

/** Handles typed into one field, split at commas, semicolons and spaces, without their `@`. */
export function splitHandles(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map(handleFromInput)
    .filter((handle) => handle !== '');
}

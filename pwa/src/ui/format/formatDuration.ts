const UNITS = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
] as const;

/**
 * A duration in whole units for people, at most the two largest non-zero units: "3 days, 4 hours",
 * "3 jours et 4 heures", "42 seconds". Uses the platform's Intl data for the given language.
 */
export function formatDuration(totalSeconds: number, locale: string): string {
  let remaining = Math.max(0, Math.floor(totalSeconds));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const count = Math.floor(remaining / size);
    remaining -= count * size;
    if (count > 0 && parts.length < 2) {
      parts.push(
        new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(count),
      );
    }
    // Seconds only matter when nothing larger is shown.
    if (parts.length > 0 && unit === 'minute') break;
  }
  if (parts.length === 0) {
    return new Intl.NumberFormat(locale, {
      style: 'unit',
      unit: 'second',
      unitDisplay: 'long',
    }).format(0);
  }
  return new Intl.ListFormat(locale, { style: 'long', type: 'unit' }).format(parts);
}

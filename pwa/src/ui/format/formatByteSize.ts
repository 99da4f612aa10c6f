const UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/**
 * A size for people: "24 bytes", "1.5 kB", "256 MB" ("256 Mo" in French), in steps of 1024 like
 * the relay's quota settings, one decimal below ten. Uses the platform's Intl data.
 */
export function formatByteSize(bytes: number, locale: string): string {
  if (bytes < 1024) {
    return new Intl.NumberFormat(locale, {
      style: 'unit',
      unit: 'byte',
      unitDisplay: 'long',
    }).format(bytes);
  }
  let value = bytes / 1024;
  let index = 0;
  while (value >= 1024 && index < UNITS.length - 1) {
    value /= 1024;
    index += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: UNITS[index] ?? 'terabyte',
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 ? 1 : 0,
  }).format(value);
}

/**
 * A Range request header (RFC 9110 §14.1.2) against a resource of `size` bytes: null when there
 * is none or it is not one we honour (several ranges, another unit: the whole file is served),
 * 'unsatisfiable' for one outside the file (416), else the first and last byte.
 */
export function parseByteRange(
  header: string | null,
  size: number,
): { readonly first: number; readonly last: number } | 'unsatisfiable' | null {
  if (header === null) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return null;
  const [, start = '', end = ''] = match;
  if (start === '' && end === '') return null;
  if (start === '') {
    // A suffix: the last `end` bytes.
    const suffix = Number(end);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { first: Math.max(0, size - suffix), last: size - 1 };
  }
  const first = Number(start);
  if (first >= size) return 'unsatisfiable';
  const last = end === '' ? size - 1 : Math.min(Number(end), size - 1);
  if (last < first) return null;
  return { first, last };
}

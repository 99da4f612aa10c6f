/** One rendered file, at the path it is installed to (relative to the filesystem root). */
export interface RenderedFile {
  /** Relative path such as `etc/bind/named.conf.local`; the output directory mirrors `/`. */
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/** The header every rendered file starts with, in that file's comment syntax. */
export function renderedHeader(comment: string): string {
  return (
    `${comment} Rendered by \`vaultroom site render\` from the site configuration.\n` +
    `${comment} Edit the site file and render again rather than this file.\n`
  );
}

/** `/etc/bind` → `etc/bind`: rendered paths mirror the root inside the output directory. */
export function underRoot(absolute: string, ...rest: string[]): string {
  return [absolute.replace(/^\/+/, ''), ...rest].join('/');
}

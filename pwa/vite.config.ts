import type { Preset } from '@vite-pwa/assets-generator/config';
import { defineConfig } from 'vite';
import { VitePWA, type IconResource } from 'vite-plugin-pwa';
import solid from 'vite-plugin-solid';
import { THEME_COLORS } from './src/core/preferences/themePreference.js';

/** The background of the mark in public/icon.svg, and the app's accent (--brand in tokens.css). */
const BRAND_BLUE = '#2158c9';

/**
 * The icons @vite-pwa/assets-generator renders from public/icon.svg at build time, straight into
 * dist/ (none is committed). Its default names: pwa-192x192.png, maskable-icon-512x512.png,
 * apple-touch-icon-180x180.png, and favicon.ico.
 */
const ICON_PRESET: Preset = {
  // The mark is a full rounded square already: any margin would only make it smaller.
  transparent: { sizes: [192, 512], padding: 0, favicons: [[48, 'favicon.ico']] },
  // Launchers cut a maskable icon to any shape that holds the centred circle of 80 % of its width
  // (the safe zone). Scaled to 80 %, the mark's farthest point (the bubble's tail) stays inside it
  // with room to spare, and the blue background fills the rest edge to edge.
  maskable: { sizes: [512], padding: 0.2, resizeOptions: { background: BRAND_BLUE } },
  // iOS rounds the corners itself and shows transparency as black: a full-bleed opaque square.
  apple: { sizes: [180], padding: 0, resizeOptions: { background: BRAND_BLUE } },
};

const png = (name: string, size: number, purpose: 'any' | 'maskable'): IconResource => ({
  src: `/${name}`,
  sizes: `${size}x${size}`,
  type: 'image/png',
  purpose,
});

// The relay serves dist/ under a strict CSP (script-src 'self', style-src 'self', no inline
// anything) and caches /assets/* as immutable, so every asset is a hashed file under /assets and
// nothing is inlined into the HTML.
export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, bundled like our own code.
  resolve: { conditions: ['source'] },
  plugins: [
    solid(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // Registered from bundled code (state/createAppUpdate.ts): an injected inline script
      // would be blocked by the CSP.
      injectRegister: false,
      registerType: 'prompt',
      pwaAssets: {
        image: 'public/icon.svg',
        preset: ICON_PRESET,
        // <link> tags for favicon.ico, icon.svg and the apple-touch-icon go into index.html;
        // the theme colour stays as index.html states it, one per colour scheme.
        includeHtmlHeadLinks: true,
        injectThemeColor: false,
        overrideManifestIcons: false,
      },
      // The generated icons are not in public/, so the build's own glob precaches them (below).
      includeManifestIcons: false,
      injectManifest: {
        // The shell, the icons the manifest and index.html name (generated into dist/ before
        // this glob runs) and the SVG mark, so the app starts offline with its icons. The plugin
        // adds manifest.webmanifest itself.
        globPatterns: ['**/*.{js,css,html,png,ico,svg}'],
        rollupFormat: 'iife',
        target: 'es2022',
      },
      manifest: {
        id: '/',
        name: 'VaultRoom',
        short_name: 'VaultRoom',
        description: 'End-to-end encrypted chat on your own relay.',
        lang: 'en',
        dir: 'ltr',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        // A manifest has one colour of each; the light theme's. index.html gives the browser
        // chrome both themes' colours with media queries.
        theme_color: THEME_COLORS.light,
        background_color: THEME_COLORS.light,
        categories: ['social', 'productivity'],
        icons: [
          png('pwa-192x192.png', 192, 'any'),
          png('pwa-512x512.png', 512, 'any'),
          png('maskable-icon-512x512.png', 512, 'maskable'),
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
        // Files shared from other apps (Web Share Target): the service worker takes the POST
        // (SHARE_TARGET_PATH in src/core/files/shareInbox.ts) and the app asks where they go.
        share_target: {
          action: '/share',
          method: 'POST',
          enctype: 'multipart/form-data',
          params: { files: [{ name: 'files', accept: ['*/*'] }] },
        },
        // App routes (APP_ROUTES in @vaultroom/shared), written out: the config loads before any
        // workspace package is built. The install test checks that each one opens the app.
        shortcuts: [
          {
            name: 'New conversation',
            short_name: 'New',
            description: 'Start a conversation by handle',
            url: '/conversations?new=1',
          },
          {
            name: 'Security',
            description: 'Your devices, passkeys and security activity',
            url: '/security',
          },
        ],
      },
    }),
  ],
  build: {
    target: 'es2022',
    assetsDir: 'assets',
    // 0: never inline an asset as a data: URL.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});

import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import solid from 'vite-plugin-solid';
import { THEME_COLORS } from './src/core/themePreference.js';

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
      injectManifest: {
        // The manifest and its icons (icon.svg, also the favicon) are added by the plugin.
        globPatterns: ['**/*.{js,css,html}'],
        rollupFormat: 'iife',
        target: 'es2022',
      },
      manifest: {
        id: '/',
        name: 'VaultRoom',
        short_name: 'VaultRoom',
        description: 'End-to-end encrypted chat on your own relay.',
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME_COLORS.light,
        background_color: THEME_COLORS.light,
        icons: [
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'maskable' },
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

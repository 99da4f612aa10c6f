/**
 * The one importer of @peculiar/x509. Its dependency tsyringe refuses to load without a Reflect
 * metadata polyfill, and ES modules evaluate their imports in source order, so the polyfill comes
 * first (as @simplewebauthn/server does for the same library).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node 20 also exposes globalThis.crypto, but naming the provider keeps the choice explicit and
// independent of which globals a test runner installs.
x509.cryptoProvider.set(webcrypto);

export { x509 };

/** The inputs every protocol figure shares, made once libsodium is ready. */
import sodium from 'libsodium-wrappers';
import { systemRandom } from '@vaultroom/shared/crypto';

await sodium.ready;

export const MESSAGE_BYTES = 200;
export const random = systemRandom(sodium);
export const message = sodium.randombytes_buf(MESSAGE_BYTES);
export const aeadKey = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
export const ad = sodium.randombytes_buf(64);
export const signing = sodium.crypto_sign_keypair();

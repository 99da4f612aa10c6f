import type {
  IdentityKeyPair,
  OneTimePrekeyPair,
  PqPrekeyPair,
  SignedPrekeyPair,
} from './keyTypes.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { generateIdentityKeyPair } from './generateIdentityKeyPair.js';
import { generateOneTimePrekeys } from './generateOneTimePrekeys.js';
import { generatePqPrekey } from './generatePqPrekey.js';
import { generateSignedPrekey } from './generateSignedPrekey.js';
import { ONE_TIME_PREKEY_BATCH } from './labels.js';

export interface DeviceKeys {
  readonly identity: IdentityKeyPair;
  readonly signedPrekey: SignedPrekeyPair;
  readonly pqPrekey: PqPrekeyPair;
  readonly oneTimePrekeys: readonly OneTimePrekeyPair[];
}

/**
 * Everything a new device generates at enrolment (PROTOCOL.md §1.4): identity, signed prekey
 * id 1, X-Wing prekey id 1, and one-time prekeys 1..count. Random draws in that order.
 */
export function generateDeviceKeys(
  sodium: Sodium,
  options: { readonly now: number; readonly oneTimePrekeys?: number; readonly random?: Random },
): DeviceKeys {
  const random = options.random ?? systemRandom(sodium);
  const identity = generateIdentityKeyPair(sodium, random);
  return {
    identity,
    signedPrekey: generateSignedPrekey(sodium, identity, 1, options.now, random),
    pqPrekey: generatePqPrekey(sodium, identity, 1, options.now, random),
    oneTimePrekeys: generateOneTimePrekeys(
      sodium,
      1,
      options.oneTimePrekeys ?? ONE_TIME_PREKEY_BATCH,
      random,
    ),
  };
}

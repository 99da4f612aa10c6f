import { generateIdentityKeyPair } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import type { LoadGenerator } from './LoadGenerator.js';
import type { Identity } from './WorkerCommand.js';

/**
 * Registers one device with fresh identity keys for each client index, each over the socket of
 * the worker that holds that client, and tells every worker the device ids of all (the clients
 * address their peers' devices). Resolves to those ids by client index.
 */
export async function registerDevices(
  generator: LoadGenerator,
  indexes: readonly number[],
  workerOf: (index: number) => number,
): Promise<Record<number, string>> {
  await sodium.ready;
  const identities: Identity[] = indexes.map((index) => {
    const keys = generateIdentityKeyPair(sodium);
    return {
      index,
      signingPublicKey: keys.signingPublicKey,
      dhPublicKey: keys.dhPublicKey,
      dhSignature: keys.dhSignature,
    };
  });
  const registered = await generator.all<Record<number, string>>((worker) => ({
    op: 'connectRelay',
    indexes: indexes.filter((index) => workerOf(index) === worker),
    identities: identities.filter((identity) => workerOf(identity.index) === worker),
  }));
  const devices = Object.assign({}, ...registered) as Record<number, string>;
  await generator.all({ op: 'setDevices', devices });
  return devices;
}

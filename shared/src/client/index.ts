export { createDeliveryClient } from './createDeliveryClient.js';
export type {
  AccountTrust,
  Bundles,
  DeliveryClient,
  DeliveryClientOptions,
  DeviceOwners,
  DeviceRegistered,
  Devices,
  Envelope,
  PrekeysStored,
  PrekeyUpload,
  PublicIdentity,
  SealedKey,
  KeyProofs,
  LogLeaves,
  SendState,
  SendUpdate,
  TrustUpload,
} from './DeliveryClient.js';
export { DeliveryError, type DeliveryErrorCode } from './DeliveryError.js';
export type { DeliveryIssue } from './DeliveryIssue.js';
export type { ConnectionState } from './ConnectionState.js';
export type { SocketFactory, SocketPort } from './SocketPort.js';
export type { Clock } from './Clock.js';
export type { BackoffOptions } from './backoffDelay.js';
export type { OutboxRecipient, OutboxRecord, OutboxStore } from './OutboxStore.js';
export { createMemoryOutboxStore } from './createMemoryOutboxStore.js';

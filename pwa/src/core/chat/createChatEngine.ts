import { decodeIdentityKeyPair } from '@vaultroom/shared/crypto';
import { background, commit, createChatContext, emit, type ChatContext } from './ChatContext.js';
import type { ChatEngine, ChatEngineOptions } from './ChatEngine.js';
import { acknowledgeKeyChange, safetyNumber, setVerified } from './contactDirectory.js';
import {
  markRead,
  react,
  saveDraft,
  sendTyping,
  setTimer,
  startConversation,
  removeFailed,
  sweepExpired,
} from './conversationActions.js';
import { createChatRepository } from './createChatRepository.js';
import { enrol, openDevice, replenishPrekeys } from './deviceEnrolment.js';
import { approveDevice, devicesWaiting, linkCode } from './deviceLinking.js';
import { establishOwnTrust, replaceAccountKey, restoreOwnTrust } from './ownTrust.js';
import { monitorOwnAccount, MONITOR_INTERVAL_MS } from './ownLogMonitor.js';
import { listOwnDevices, removeOwnDevice, renameOwnDevice } from './ownDevices.js';
import { refreshTrust } from './trustRefresh.js';
import { addMembers, createGroup, leaveGroup, removeMember, renameGroup } from './groups.js';
import { applyHeld, receive } from './receivePipeline.js';
import { applySendUpdate, dispatchPending, retryText, writeText } from './sendPipeline.js';
import { STOPPED, cancelUpload, resumeUploads, retryFile, sendFile } from './attachmentSend.js';
import { downloadAttachment } from './attachmentDownload.js';
import { openAttachment } from './attachmentRead.js';
import { withFile } from './attachmentRecord.js';
import { compareCheckpoint } from './compareCheckpoint.js';
import { dismissLogAlert } from './logNotices.js';
import { summarize } from './trustedLog.js';

export type {
  ChatEngine,
  ChatEngineOptions,
  ChatEvent,
  ChatIssue,
  ChatTransport,
  ChatTransportHandlers,
  OwnDevice,
  OwnTrustState,
  WaitingDevice,
  AccountKeySecret,
  LogStatus,
} from './ChatEngine.js';
export type { LogAlert, LogNoticesRecord, LogWarning, LogWarningKind } from './logNotices.js';
export type { CheckpointComparison } from './compareCheckpoint.js';
export type { TrustedLogSummary } from './trustedLog.js';
export { keysChangedSinceVerified, sendingPaused } from './contactDirectory.js';

/**
 * The chat on this device (framework-free): keys, conversations and messages in a SealedStore,
 * every message encrypted per recipient device with the E2E protocol before it reaches the
 * delivery client's outbox. Persist first, then tell listeners (Hydrogen's rule), so what the
 * interface shows is always on disk.
 *
 * This file wires the parts and keeps the public face; each job is a module of free functions
 * over one `ChatContext`: `deviceEnrolment`, `contactDirectory`, `conversations` (records and
 * `createMessageRecord`), `sendPipeline`, `receivePipeline`, `contentApplication`, `groups` and
 * `conversationActions`. Every operation that writes runs in the context's serial queue.
 */
export function createChatEngine(options: ChatEngineOptions): ChatEngine {
  const ctx: ChatContext = createChatContext(options);
  const { serial } = ctx;
  // Reads from outside the queue (the interface, the delivery client) see what is committed,
  // never an operation's writes half-way.
  const committed = createChatRepository(options.store);
  const unsubscribers: (() => void)[] = [];
  /** Runs an operation of the engine in the serial queue. */
  const queued =
    <A extends unknown[], T>(operation: (ctx: ChatContext, ...args: A) => Promise<T>) =>
    (...args: A): Promise<T> =>
      serial(() => operation(ctx, ...args));

  return {
    async start() {
      if (ctx.transport !== null) return;
      const device = await serial(async () => {
        await ctx.repo.migrate();
        return openDevice(ctx);
      });
      ctx.device = device;
      ctx.identity = decodeIdentityKeyPair(device.identity);
      await restoreOwnTrust(ctx);
      const link = options.connect({
        device: device.device,
        outbox: {
          load: () => committed.outbox.load(),
          // What goes on the wire must be stored first, with the sessions it advanced: the send,
          // its ratchet steps and its stage are one transaction.
          save: async (record) => {
            await ctx.repo.outbox.save(record);
            await commit(ctx);
          },
          // The delivery client tells every answer it deletes for (`sent`, `failed`) right after:
          // applySendUpdate deletes the record then, in one transaction with the answer's effect
          // on the message. Lost in a crash, the record is only sent again, and the relay stores
          // a resent id once (PROTOCOL.md §2.6).
          delete: () => Promise.resolve(),
        },
        onEnvelope: (envelope) => serial(() => receive(ctx, envelope)),
        onPrekeysLow: () => {
          background(ctx, 'replenish prekeys', () => serial(() => replenishPrekeys(ctx)));
        },
        onQueueEmpty: () => {
          emit(ctx, { kind: 'caught-up' });
        },
        onTrustChanged: (account) => {
          background(ctx, 'refresh device list', () => serial(() => refreshTrust(ctx, account)));
        },
      });
      ctx.transport = link;
      const monitoring = setInterval(() => {
        background(ctx, 'monitor the log', () => serial(() => monitorOwnAccount(ctx)));
      }, MONITOR_INTERVAL_MS);
      unsubscribers.push(
        () => {
          clearInterval(monitoring);
        },
        link.subscribe((state) => {
          emit(ctx, { kind: 'connection', state });
          if (state === 'connected') {
            background(ctx, 'enrol', () => serial(() => enrol(ctx)));
            background(ctx, 'device trust', () => serial(() => establishOwnTrust(ctx)));
            background(ctx, 'monitor the log', () => serial(() => monitorOwnAccount(ctx)));
            background(ctx, 'send waiting messages', () => serial(() => dispatchPending(ctx)));
            background(ctx, 'resume uploads', () => serial(() => resumeUploads(ctx)));
          }
        }),
        link.subscribeSends((update) => {
          background(ctx, 'send update', () => serial(() => applySendUpdate(ctx, update)));
        }),
      );
    },

    subscribe(listener) {
      ctx.listeners.add(listener);
      return () => ctx.listeners.delete(listener);
    },

    connectionState: () => ctx.transport?.state ?? 'connecting',

    async listConversations() {
      const all = await committed.listConversations();
      return all.sort((a, b) => b.lastAt - a.lastAt);
    },
    listMessages: (conversation) => committed.listMessages(conversation),
    loadContact: (conversation) => committed.loadContact(conversation),

    startConversation: queued(startConversation),
    createGroup: queued(createGroup),
    renameGroup: queued(renameGroup),
    addMembers: queued(addMembers),
    removeMember: queued(removeMember),
    leaveGroup: queued(leaveGroup),
    sendText: (conversation, text, replyTo = null) =>
      serial(() => writeText(ctx, conversation, text, replyTo)),
    async retry(message) {
      const failed = await committed.loadMessage(message);
      if (withFile(failed) !== null) return retryFile(ctx, message);
      return serial(() => retryText(ctx, message));
    },
    removeFailed: queued(removeFailed),
    sendFile: (conversation, file, caption = '') => sendFile(ctx, conversation, file, caption),
    cancelUpload: (message) => cancelUpload(ctx, message),
    downloadAttachment: (message, options) => downloadAttachment(ctx, message, options),
    openAttachment: (message) => openAttachment(ctx, message),
    // In the queue like every write: read outside it, a draft could write an older preview and
    // unread count back over what an incoming message just stored.
    saveDraft: queued(saveDraft),
    setTimer: queued(setTimer),
    react: queued(react),
    sweepExpired: queued(sweepExpired),
    markRead: queued(markRead),
    sendTyping: queued(sendTyping),
    safetyNumber: queued(safetyNumber),
    setVerified: queued(setVerified),
    acknowledgeKeyChange: (conversation) =>
      serial(async () => {
        await acknowledgeKeyChange(ctx, conversation);
        // What the new key's devices sent meanwhile (each checked against its list, fetched
        // once), then what waited to go.
        await applyHeld(ctx, conversation);
        await dispatchPending(ctx);
      }),

    trustState: () => ctx.ownTrust,
    async logStatus() {
      const view = await committed.loadLogView();
      const notices = await committed.loadLogNotices();
      return {
        trusted: view === undefined ? null : summarize(view),
        notices: { warnings: notices?.warnings ?? [], alerts: notices?.alerts ?? [] },
      };
    },
    compareRelayCheckpoint: (note) => serial(() => compareCheckpoint(ctx, note, null)),
    dismissLogAlert: queued(dismissLogAlert),
    linkCode: () => Promise.resolve(linkCode(ctx)),
    devicesWaiting: queued(devicesWaiting),
    listOwnDevices: queued(listOwnDevices),
    renameDevice: (device, name) => renameOwnDevice(ctx, device, name),
    approveDevice: queued(approveDevice),
    revokeDevice: queued(removeOwnDevice),
    replaceAccountKey: queued(replaceAccountKey),

    // Transfers run beside the queue and write through it when they end: both are waited for.
    async whenIdle() {
      for (;;) {
        await serial.whenIdle();
        if (ctx.transfers.size === 0) return;
        await Promise.allSettled([...ctx.transfers.values()].map((t) => t.done));
      }
    },

    stop() {
      for (const transfer of ctx.transfers.values()) transfer.abort.abort(STOPPED);
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
      ctx.transport?.close();
      ctx.transport = null;
      ctx.listeners.clear();
    },
  };
}

import { APP_ROUTES } from '@vaultroom/shared';
import type { ConversationRoutes } from '../../../core/chat/conversationRoutes.js';
import { useApp } from '../../../state/AppContext.js';

export interface ConversationPaths {
  /** The app address of a conversation: its opaque route, never its id (a handle). */
  pathOf(conversationId: string): string;
  /** The conversation an address segment names, or null (not yet loaded, locked, unknown). */
  idOf(segment: string): string | null;
  /** The segment is a conversation's plain id: an address saved by an older version. */
  isPlainId(segment: string): boolean;
}

/** A conversation's address with these routes; the list's while the store is locked. */
export function conversationPath(
  routes: ConversationRoutes | null,
  conversationId: string,
): string {
  if (routes === null) return APP_ROUTES.conversations;
  return `${APP_ROUTES.conversations}/${routes.routeOf(conversationId)}`;
}

/**
 * Conversation addresses for the screens. The browser keeps them where the sealed store cannot
 * reach (history, session restore), so they carry the route conversationRoutes.ts derives with
 * the unlocked store's key; while the store is locked no conversation has an address.
 */
export function useConversationPaths(): ConversationPaths {
  const { chat, chatLock } = useApp();
  return {
    pathOf: (conversationId) => conversationPath(chatLock.routes(), conversationId),
    idOf(segment) {
      const routes = chatLock.routes();
      if (routes === null) return null;
      return chat.conversations().find((c) => routes.routeOf(c.id) === segment)?.id ?? null;
    },
    isPlainId: (segment) => chat.conversation(segment) !== undefined,
  };
}

import { Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CloudError } from '../cloud/driver/cloud-error';
import type { Settings } from '../config/settings.schema';
import { STATE_STORE } from '../store/state-store';
import type { StateStore } from '../store/state-store';

/** The longest cursor this service issues (and reads): a driver marker plus a few ids, base64url. */
export const MAX_CURSOR_LENGTH = 2048;

/** Bytes of HMAC-SHA256 kept in a cursor: 128 bits (NIST SP 800-107 allows truncation to 64 bits and more). */
const TAG_BYTES = 16;

/**
 * The listing a cursor belongs to: its kind and everything that selects its rows (cloud, filters).
 * A cursor only opens for the very listing it was sealed for.
 */
export interface CursorScope {
  listing: 'nodes' | 'all-nodes' | 'operations' | 'node-sets';
  /** Cloud and filters, as the listing renders them (stable text). */
  selection: string;
}

/**
 * Makes cursors authenticated: `<base64url JSON>.<base64url HMAC-SHA256/128>`, the MAC over the
 * content and the listing it belongs to (CursorScope), keyed by `cursors.secret`. So a cursor this
 * service did not issue, one altered, or one of another listing, cloud or filters is refused
 * (`invalid_cursor`, 400) before anything in it is trusted. Without a secret the key is one the
 * service makes once and keeps in its state store (`service_keys`), so cursors still survive restarts
 * and cross the replicas that share the store; `cursors.secret` overrides it (e.g. to rotate it).
 */
@Injectable()
export class CursorSeal implements OnModuleInit {
  private key?: Buffer;

  constructor(
    @Inject(ConfigService) private readonly config: ConfigService,
    @Inject(STATE_STORE) private readonly store: StateStore,
  ) {}

  async onModuleInit(): Promise<void> {
    const secret = this.config.getOrThrow<Settings>('settings').cursors.secret;
    this.key = secret !== undefined ? Buffer.from(secret, 'utf8') : await this.store.serviceKey('cursor-seal');
  }

  seal(scope: CursorScope, content: unknown): string {
    const body = Buffer.from(JSON.stringify(content)).toString('base64url');
    return `${body}.${this.tag(scope, body).toString('base64url')}`;
  }

  /** The content of a cursor sealed for this scope; `invalid_cursor` for anything else. */
  open(scope: CursorScope, cursor: string): unknown {
    if (cursor.length > MAX_CURSOR_LENGTH)
      throw new CloudError('invalid_cursor', `cursor is longer than any this service issues (${MAX_CURSOR_LENGTH})`);
    const dot = cursor.indexOf('.');
    const body = dot < 0 ? '' : cursor.slice(0, dot);
    const tag = dot < 0 ? Buffer.alloc(0) : Buffer.from(cursor.slice(dot + 1), 'base64url');
    const expected = this.tag(scope, body);
    if (
      !body ||
      tag.length !== expected.length ||
      !timingSafeEqual(tag, expected) ||
      tagText(tag) !== cursor.slice(dot + 1)
    )
      throw new CloudError(
        'invalid_cursor',
        'cursor is not one this service issued for this listing (same cloud and filters): pass nextCursor unchanged',
      );
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new CloudError('invalid_cursor', 'cursor is not one this service issued');
    }
  }

  private tag(scope: CursorScope, body: string): Buffer {
    return createHmac('sha256', this.key!)
      .update(JSON.stringify(['v1', scope.listing, scope.selection, body]))
      .digest()
      .subarray(0, TAG_BYTES);
  }
}

/** base64url decoding ignores stray characters: compare the canonical text too, so no two texts open alike. */
function tagText(tag: Buffer): string {
  return tag.toString('base64url');
}

/** Reads a whole number from a cursor: a safe integer within [min, max], else undefined. */
export function boundedInteger(value: unknown, min: number, max: number): number | undefined {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
    ? (value as number)
    : undefined;
}

@Global()
@Module({ providers: [CursorSeal], exports: [CursorSeal] })
export class CursorsModule {}

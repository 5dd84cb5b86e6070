/**
 * oidc-provider's storage adapter over the metadata store: every model (sessions, interactions, authorization codes,
 * refresh tokens, grants, registered clients) is one `oauth_records` row with its payload as JSON, so the
 * authorization server survives restarts and several processes share it.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { MetaStore, OAuthRecord } from '../../meta/meta-store.js';

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export class MetaStoreAdapter implements Adapter {
  constructor(
    private readonly meta: MetaStore,
    /** The oidc-provider model name, e.g. `RefreshToken`. */
    private readonly kind: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.meta.saveOAuthRecord({
      kind: this.kind,
      id,
      payload: JSON.stringify(payload),
      grantId: str(payload.grantId),
      uid: str(payload.uid),
      accountId: str(payload.accountId),
      clientId: str(payload.clientId) ?? str(payload.client_id),
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
    });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return live(await this.meta.findOAuthRecord(this.kind, id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return live(await this.meta.findOAuthRecordByUid(this.kind, uid));
  }

  /** Device flow only, which is not enabled. */
  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async consume(id: string): Promise<void> {
    const record = await this.meta.findOAuthRecord(this.kind, id);
    if (!record) return;
    const payload = JSON.parse(record.payload) as AdapterPayload;
    payload.consumed = Math.floor(Date.now() / 1000);
    await this.meta.saveOAuthRecord({ ...record, payload: JSON.stringify(payload) });
  }

  async destroy(id: string): Promise<void> {
    await this.meta.deleteOAuthRecord(this.kind, id);
  }

  /** Deletes everything the grant produced, whatever the model: one call revokes a connection completely. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.meta.deleteOAuthGrant(grantId);
  }
}

function live(record: OAuthRecord | null): AdapterPayload | undefined {
  if (!record) return undefined;
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= Date.now()) return undefined;
  return JSON.parse(record.payload) as AdapterPayload;
}

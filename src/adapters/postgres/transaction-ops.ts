/**
 * The shared queries as they run inside one PostgreSQL transaction (READ
 * COMMITTED). Reads of a node or an upload lock the row (lockReads), so a
 * use case that decides by what it read holds it until it commits; the
 * second of two racing servers then waits and reads the first one's result,
 * as if the two had run one after the other, which is what SQLite's serial
 * transactions give. Where the row to hold does not exist yet, the unique
 * constraints decide, and the loser is run again (see `conflicted`).
 */
import { sql, type Kysely } from 'kysely';
import { isOriginError } from '../../domain/errors.js';
import type { AccountSecurityRecord, NewNode, NodeRecord } from '../../domain/model.js';
import type { NodePatch } from '../../ports/metadata-store.js';
import { SqlMetadataOps, type CompiledLookups } from '../sql/metadata-ops.js';
import type { Database } from '../sql/schema.js';
import { isUniqueViolation } from './faults.js';

/** pg_advisory_xact_lock key that serialises uid allocation (any constant will do). */
const UID_ALLOCATION_LOCK = 0x6f726967;

export class PostgresTransactionOps extends SqlMetadataOps {
  /**
   * A node insert or move hit a unique key that our earlier read found free:
   * another transaction took it meanwhile. Run again, this transaction sees
   * it and takes the documented path (makeDir: exists; upload: replace;
   * rename: -2).
   */
  conflicted = false;

  constructor(db: Kysely<Database>, compiledLookups: CompiledLookups) {
    super(db, isUniqueViolation, { lockReads: true, compiledLookups });
  }

  override async insertNode(node: NewNode): Promise<NodeRecord> {
    try {
      return await super.insertNode(node);
    } catch (err) {
      if (isOriginError(err) && err.kind === 'AlreadyExists') this.conflicted = true;
      throw err;
    }
  }

  override async updateNode(id: number, patch: NodePatch): Promise<void> {
    try {
      await super.updateNode(id, patch);
    } catch (err) {
      if (isOriginError(err) && err.kind === 'AlreadyExists') this.conflicted = true;
      throw err;
    }
  }

  /** Counting a user's open uploads before creating one: hold the user so two creates count in turn. */
  override async countMultiparts(userId: number, states: readonly number[]): Promise<number> {
    await this.db.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
    return super.countMultiparts(userId, states);
  }

  /** The next uid is max + 1: two new users must not both take it. */
  override async maxUid(): Promise<number> {
    await sql`SELECT pg_advisory_xact_lock(${UID_ALLOCATION_LOCK})`.execute(this.db);
    return super.maxUid();
  }

  /** The account's secrets are created on first use: hold the account so two servers create one secret, not two. */
  override async getAccountSecurity(account: string): Promise<AccountSecurityRecord | undefined> {
    await this.db.selectFrom('accounts').select('name').where('name', '=', account).forUpdate().execute();
    return super.getAccountSecurity(account);
  }
}

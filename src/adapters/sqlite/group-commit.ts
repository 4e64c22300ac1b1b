/**
 * Group commit for SQLite. With synchronous=FULL every COMMIT waits for an
 * fsync of the WAL, and SQLite has one writer, so N concurrent small uploads
 * used to queue for N fsyncs one after another. Here a transaction that
 * arrives while another is running waits, and then all that waited run
 * together inside one BEGIN IMMEDIATE … COMMIT, each in a SAVEPOINT of its
 * own: one fsync for the lot.
 *
 * Durability is unchanged: no caller's promise resolves before the COMMIT
 * that contains its writes has returned (and so is on disk). Isolation is
 * the same as running them one after another, since they do run one after
 * another on one connection. A transaction that throws is rolled back to its
 * savepoint alone and its caller gets the error; the others still commit.
 * If SQLite abandons the whole transaction (an I/O error, a full disk),
 * every caller whose writes were in it gets the error and the ones not yet
 * run go back to the queue for the next batch.
 *
 * better-sqlite3 is synchronous: a batch runs from BEGIN to COMMIT (and its
 * fsync) without the event loop turning, so nobody can join a batch once it
 * has started. A batch therefore starts one turn of the event loop
 * (setImmediate) after the first transaction arrives: every request whose
 * I/O completed in the same turn joins it. That turn is all the latency an
 * idle server adds.
 */

export interface GroupConnection<C> {
  /** Run `fn` holding the store's one connection. */
  withConnection<R>(fn: (conn: C) => Promise<R>): Promise<R>;
  exec(conn: C, statement: string): Promise<void>;
  /** False once SQLite has rolled the open transaction back on its own. */
  inTransaction(): boolean;
}

interface Waiting<C> {
  readonly fn: (conn: C) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Enough to share one fsync widely; bounded so that one batch cannot hold the writer for long. */
const MAX_BATCH = 64;

export class GroupCommitter<C> {
  private readonly queue: Waiting<C>[] = [];
  private draining = false;

  constructor(private readonly db: GroupConnection<C>) {}

  run<T>(fn: (conn: C) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.db.withConnection((conn) => this.runBatch(conn, batch).catch(async (err: unknown) => {
          // An unexpected failure (BEGIN, SAVEPOINT): nobody in the batch is committed.
          if (this.db.inTransaction()) await this.db.exec(conn, 'ROLLBACK').catch(() => undefined);
          throw err;
        })).catch((err: unknown) => {
          for (const w of batch) w.reject(err);
        });
        // Let the event loop turn, so that requests whose I/O finished meanwhile can join the next batch.
        if (this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(conn: C, batch: Waiting<C>[]): Promise<void> {
    await this.db.exec(conn, 'BEGIN IMMEDIATE');
    const committed: Array<{ waiting: Waiting<C>; value: unknown }> = [];
    for (let i = 0; i < batch.length; i++) {
      const waiting = batch[i]!;
      await this.db.exec(conn, 'SAVEPOINT grouped');
      try {
        const value = await waiting.fn(conn);
        await this.db.exec(conn, 'RELEASE grouped');
        committed.push({ waiting, value });
      } catch (err) {
        if (await this.rollbackTo(conn)) {
          waiting.reject(err);
          continue;
        }
        // The whole transaction is gone: nothing in it was committed.
        waiting.reject(err);
        for (const c of committed) c.waiting.reject(err);
        this.queue.unshift(...batch.slice(i + 1));
        return;
      }
    }
    try {
      await this.db.exec(conn, 'COMMIT');
    } catch (err) {
      if (this.db.inTransaction()) await this.db.exec(conn, 'ROLLBACK').catch(() => undefined);
      for (const c of committed) c.waiting.reject(err);
      return;
    }
    for (const c of committed) c.waiting.resolve(c.value);
  }

  /** Undo one transaction's writes; false when the enclosing transaction itself is lost. */
  private async rollbackTo(conn: C): Promise<boolean> {
    if (!this.db.inTransaction()) return false;
    try {
      await this.db.exec(conn, 'ROLLBACK TO grouped');
      await this.db.exec(conn, 'RELEASE grouped');
      return true;
    } catch {
      if (this.db.inTransaction()) await this.db.exec(conn, 'ROLLBACK').catch(() => undefined);
      return false;
    }
  }
}

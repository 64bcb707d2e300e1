/**
 * The monitor's history: one SQLite file (better-sqlite3) with every recorded run — its summary,
 * each check's status and duration, the alerts it raised and what became of their webhook. The
 * schema is versioned (`monitor_schema`); a file that is not SQLite, is corrupt, holds other
 * tables, or was written with another schema version is refused with a HistoryError naming the
 * fix, before anything in it is changed. Each run is stored in one transaction, so a run is in
 * the history whole or not at all.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { RunReport } from '../runner/index.js';
import type { Alert, RunRecord } from './rules.js';

export const HISTORY_SCHEMA_VERSION = 1;

export class HistoryError extends Error {
  constructor(
    readonly problem: 'missing' | 'unusable' | 'write',
    message: string,
  ) {
    super(message);
    this.name = 'HistoryError';
  }
}

const SCHEMA = `
CREATE TABLE monitor_schema (
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  exit_code INTEGER NOT NULL,
  target TEXT NOT NULL,
  total INTEGER NOT NULL,
  executed INTEGER NOT NULL,
  passed INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  skipped INTEGER NOT NULL,
  unsupported INTEGER NOT NULL,
  problem TEXT
);
CREATE TABLE check_results (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  check_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  status TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  reason TEXT,
  PRIMARY KEY (run_id, check_id)
);
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  kind TEXT NOT NULL,
  check_id TEXT,
  message TEXT NOT NULL,
  detail TEXT NOT NULL,
  webhook TEXT
);
`;

/** A stored run with its alerts, as the report reads it. */
export interface StoredRun extends RunRecord {
  exitCode: number;
  target: string;
  problem?: string;
  alerts: StoredAlert[];
}

export interface StoredAlert {
  runId: number;
  kind: Alert['kind'];
  check?: string;
  message: string;
  /** `sent`, `failed: …`, or absent when no webhook was configured. */
  webhook?: string;
}

interface RunRow {
  id: number;
  started_at: string;
  duration_ms: number;
  verdict: RunRecord['verdict'];
  exit_code: number;
  target: string;
  total: number;
  executed: number;
  passed: number;
  failed: number;
  skipped: number;
  unsupported: number;
  problem: string | null;
}

interface CheckRow {
  run_id: number;
  check_id: string;
  status: RunRecord['checks'][number]['status'];
  duration_ms: number;
  reason: string | null;
}

interface AlertRow {
  id: number;
  run_id: number;
  kind: Alert['kind'];
  check_id: string | null;
  message: string;
  webhook: string | null;
}

export class History {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Opens (and for `write`, creates when new) the history at `path`. `read` never creates or
   * changes the file.
   */
  static open(path: string, mode: 'read' | 'write', createdBy = 'agentwire'): History {
    if (mode === 'read' && !existsSync(path))
      throw new HistoryError(
        'missing',
        `--history ${path} does not exist: name the file "agentwire monitor --history" wrote`,
      );
    let db: Database.Database;
    try {
      db = new Database(path, mode === 'read' ? { readonly: true, fileMustExist: true } : {});
    } catch (error) {
      throw new HistoryError(
        'unusable',
        `--history ${path} cannot be opened (${messageOf(error)}): name a file in a directory that exists and can be written`,
      );
    }
    try {
      const history = new History(db, path);
      history.checkSchema(mode, createdBy);
      return history;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private checkSchema(mode: 'read' | 'write', createdBy: string): void {
    let tables: string[];
    try {
      tables = this.db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .all() as string[];
    } catch (error) {
      throw new HistoryError(
        'unusable',
        `--history ${this.path} is not a readable SQLite database (${messageOf(error)}): it is corrupt or another kind of file; give a new file name (the monitor creates it)`,
      );
    }
    if (tables.length === 0) {
      if (mode === 'read')
        throw new HistoryError(
          'unusable',
          `--history ${this.path} holds no monitor history (an empty database): name the file "agentwire monitor --history" wrote`,
        );
      this.db.transaction(() => {
        this.db.exec(SCHEMA);
        this.db
          .prepare('INSERT INTO monitor_schema (version, created_at, created_by) VALUES (?, ?, ?)')
          .run(HISTORY_SCHEMA_VERSION, new Date().toISOString(), createdBy);
      })();
      return;
    }
    if (!tables.includes('monitor_schema'))
      throw new HistoryError(
        'unusable',
        `--history ${this.path} is a SQLite database but not a monitor history (its tables: ${tables.slice(0, 5).join(', ')}): give a new file name so it is left alone`,
      );
    let version: unknown;
    try {
      version = this.db.prepare('SELECT version FROM monitor_schema').pluck().get();
    } catch (error) {
      throw new HistoryError(
        'unusable',
        `--history ${this.path}: its schema version cannot be read (${messageOf(error)})`,
      );
    }
    if (version !== HISTORY_SCHEMA_VERSION)
      throw new HistoryError(
        'unusable',
        `--history ${this.path} has schema version ${String(version)}, and this agentwire reads version ${HISTORY_SCHEMA_VERSION}: use the agentwire that wrote it, or start a new history file`,
      );
    try {
      const integrity = this.db.pragma('quick_check', { simple: true });
      if (integrity !== 'ok') throw new Error(String(integrity));
    } catch (error) {
      throw new HistoryError(
        'unusable',
        `--history ${this.path} is corrupt (${messageOf(error)}): restore it from a copy or start a new history file`,
      );
    }
  }

  /** The last `count` runs, oldest first. */
  recentRuns(count: number): RunRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM (SELECT * FROM runs ORDER BY id DESC LIMIT ?) ORDER BY id')
      .all(count) as RunRow[];
    return this.withChecks(rows);
  }

  /** Every run, oldest first, with its checks and alerts. */
  allRuns(): StoredRun[] {
    const rows = this.db.prepare('SELECT * FROM runs ORDER BY id').all() as RunRow[];
    const alerts = this.db.prepare('SELECT * FROM alerts ORDER BY id').all() as AlertRow[];
    return this.withChecks(rows).map((run, index) => {
      const row = rows[index]!;
      return {
        ...run,
        exitCode: row.exit_code,
        target: row.target,
        ...(row.problem === null ? {} : { problem: row.problem }),
        alerts: alerts
          .filter((alert) => alert.run_id === run.id)
          .map((alert) => ({
            runId: alert.run_id,
            kind: alert.kind,
            ...(alert.check_id === null ? {} : { check: alert.check_id }),
            message: alert.message,
            ...(alert.webhook === null ? {} : { webhook: alert.webhook }),
          })),
      };
    });
  }

  private withChecks(rows: RunRow[]): RunRecord[] {
    if (rows.length === 0) return [];
    const checks = this.db
      .prepare('SELECT * FROM check_results WHERE run_id BETWEEN ? AND ? ORDER BY run_id, rowid')
      .all(rows[0]!.id, rows.at(-1)!.id) as CheckRow[];
    return rows.map((row) => ({
      id: row.id,
      startedAt: row.started_at,
      durationMs: row.duration_ms,
      verdict: row.verdict,
      summary: {
        total: row.total,
        executed: row.executed,
        passed: row.passed,
        failed: row.failed,
        skipped: row.skipped,
        unsupported: row.unsupported,
      },
      checks: checks
        .filter((check) => check.run_id === row.id)
        .map((check) => ({
          id: check.check_id,
          status: check.status,
          durationMs: check.duration_ms,
          ...(check.reason === null ? {} : { reason: check.reason }),
        })),
    }));
  }

  /** Stores a run, its checks and its alerts in one transaction; returns the run's number and the alerts' ids. */
  record(report: RunReport, target: string, alerts: readonly Alert[]): { runId: number; alertIds: number[] } {
    try {
      return this.db.transaction(() => {
        const { summary } = report;
        const runId = Number(
          this.db
            .prepare(
              `INSERT INTO runs (started_at, duration_ms, verdict, exit_code, target, total, executed, passed, failed, skipped, unsupported, problem)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              report.started_at,
              report.duration_ms,
              report.verdict,
              report.exit_code,
              target,
              summary.total,
              summary.executed,
              summary.passed,
              summary.failed,
              summary.skipped,
              summary.unsupported,
              report.problem ?? null,
            ).lastInsertRowid,
        );
        const insertCheck = this.db.prepare(
          'INSERT INTO check_results (run_id, check_id, rule, status, duration_ms, reason) VALUES (?, ?, ?, ?, ?, ?)',
        );
        for (const check of report.checks)
          insertCheck.run(
            runId,
            check.id,
            check.rule,
            check.status,
            Math.round(check.duration_ms),
            check.reason ?? null,
          );
        const insertAlert = this.db.prepare(
          'INSERT INTO alerts (run_id, kind, check_id, message, detail) VALUES (?, ?, ?, ?, ?)',
        );
        const alertIds = alerts.map((alert) =>
          Number(
            insertAlert.run(
              runId,
              alert.kind,
              'check' in alert ? alert.check : null,
              alert.message,
              JSON.stringify(alert),
            ).lastInsertRowid,
          ),
        );
        return { runId, alertIds };
      })();
    } catch (error) {
      throw new HistoryError('write', `run not stored in --history ${this.path}: ${messageOf(error)}`);
    }
  }

  /** What became of the alerts' webhook POST: `sent` or `failed: …`. */
  markWebhook(alertIds: readonly number[], outcome: string): void {
    try {
      const update = this.db.prepare('UPDATE alerts SET webhook = ? WHERE id = ?');
      this.db.transaction(() => {
        for (const id of alertIds) update.run(outcome, id);
      })();
    } catch (error) {
      throw new HistoryError(
        'write',
        `webhook outcome not stored in --history ${this.path}: ${messageOf(error)}`,
      );
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What an instance reports on `GET /metrics` (Prometheus text format, prom-client). Each instance
 * has a registry of its own, so several in one process (an embedded cluster) never mix their
 * numbers. Gauges are read when scraped; counters and histograms are fed where things happen.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why a handshake or a session was refused: the HTTP status or the close code, or an error code. */
export type RefusalReason = '401' | '403' | '404' | '503' | '1003' | '1009' | '4401' | 'rate_limited';

export interface MetricsSources {
  openSessions(): number;
  runsInFlight(): number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly eventsDelivered: Counter;
  readonly deliverySeconds: Histogram;
  readonly handshakeSeconds: Histogram;
  readonly refusals: Counter<'reason'>;
  readonly storeErrors: Counter;
  readonly busErrors: Counter;
  readonly leaseTakeovers: Counter;
  readonly orphanedRunsEnded: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    new Gauge({
      name: 'agentwire_open_sessions',
      help: 'WebSocket sessions open on this instance',
      registers,
      collect() {
        this.set(sources.openSessions());
      },
    });
    new Gauge({
      name: 'agentwire_runs_in_flight',
      help: 'Runs this instance is executing',
      registers,
      collect() {
        this.set(sources.runsInFlight());
      },
    });
    this.eventsDelivered = new Counter({
      name: 'agentwire_events_delivered_total',
      help: 'Events sent to connections (live and replayed)',
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'agentwire_event_delivery_seconds',
      help: 'From an event being stored (its ts) to its send on a connection, live events only',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.handshakeSeconds = new Histogram({
      name: 'agentwire_handshake_seconds',
      help: 'From the upgrade request to ready sent',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.refusals = new Counter({
      name: 'agentwire_refusals_total',
      help: 'Handshakes refused (HTTP status), sessions closed for cause (close code), runs refused (rate_limited)',
      labelNames: ['reason'],
      registers,
    });
    this.storeErrors = new Counter({
      name: 'agentwire_store_errors_total',
      help: 'Event store operations that failed',
      registers,
    });
    this.busErrors = new Counter({
      name: 'agentwire_bus_errors_total',
      help: 'Fan-out publishes that failed',
      registers,
    });
    this.leaseTakeovers = new Counter({
      name: 'agentwire_lease_takeovers_total',
      help: 'Lapsed instances whose runs this instance took over (R-6.5)',
      registers,
    });
    this.orphanedRunsEnded = new Counter({
      name: 'agentwire_orphaned_runs_ended_total',
      help: 'Runs of lapsed instances this instance ended as instance_lost (R-6.5)',
      registers,
    });
  }

  refused(reason: RefusalReason): void {
    this.refusals.inc({ reason });
  }

  /** The text a scrape gets, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

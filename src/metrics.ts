import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from './core/ports.js';

/** Tessera's Prometheus metrics, every name prefixed `tessera_`, in a registry of its own. */
export interface ServerMetrics extends Metrics {
  registry: Registry;
  /** One answered HTTP request, by its route pattern (never the raw URL, which can hold tokens). */
  request(route: string, method: string, status: number, seconds: number): void;
  /** One attempt to hand a message to a provider. */
  send(attempt: { channel: string; provider: string; result: 'delivered' | 'failed' }): void;
}

/** `activeSessions` is counted in the database when Prometheus scrapes, so every instance reports the same figure. */
export function createMetrics(activeSessions: () => Promise<number>): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
  const requests = new Counter({
    name: 'tessera_http_requests_total',
    help: 'HTTP requests answered, by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route and method',
    labelNames: ['route', 'method'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const verifications = new Counter({
    name: 'tessera_verifications_total',
    help: 'Second-factor answers, by factor and result',
    labelNames: ['factor', 'result'],
    registers: [registry],
  });
  const sends = new Counter({
    name: 'tessera_sends_total',
    help: 'Attempts to hand a message to a provider, by channel, provider and result',
    labelNames: ['channel', 'provider', 'result'],
    registers: [registry],
  });
  const lockouts = new Counter({
    name: 'tessera_lockouts_total',
    help: 'Accounts locked after too many wrong second-factor answers',
    registers: [registry],
  });
  new Gauge({
    name: 'tessera_active_sessions',
    help: 'Sessions before their end and not idle, across all instances',
    registers: [registry],
    async collect() {
      this.set(await activeSessions());
    },
  });
  return {
    registry,
    request(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      latency.observe({ route, method }, seconds);
    },
    verification(factor, result) {
      verifications.inc({ factor, result });
    },
    lockout() {
      lockouts.inc();
    },
    send({ channel, provider, result }) {
      sends.inc({ channel, provider, result });
    },
  };
}

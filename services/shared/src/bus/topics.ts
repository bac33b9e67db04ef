/**
 * Pub/Sub names and push paths, declared once: the env defaults, the worker's routes and
 * infra/pubsub.tf use these, and test/infra checks that Terraform names the same. Topic ids here are
 * without the deployment's prefix; a deployment's topic is `${prefix}${id}` (default prefix
 * `gatehouse-`, Terraform's var.prefix).
 */
export const DEFAULT_PREFIX = 'gatehouse-';

export const TOPICS = {
  /** Usage events, gateway → worker. */
  usage: 'usage',
  /** Usage messages the worker cannot read, and those Pub/Sub gave up delivering. */
  usageDeadLetter: 'usage-dead-letter',
  /** Budget and rate-limit alerts (docs/design.md §7.5). */
  alerts: 'alerts',
} as const;

/** Push subscriptions: the worker route each one's topic is delivered to. */
export const PUSH_PATHS = {
  usage: '/pubsub/usage',
} as const;

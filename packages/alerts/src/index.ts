/**
 * @cms/alerts — alert rules, evaluation (pending → firing → resolved), silences, and outgoing webhooks
 * (Standard Webhooks, Slack, PagerDuty, Alertmanager) with an SSRF guard. See README.md.
 */
export * from './rules.schema'
export * from './rules'
export * from './endpoints'
export * from './notification'
export { fingerprintOf, type EvaluationResult, type Observation } from './evaluate'
export * from './evaluate-metrics'
export * from './evaluate-inventory'
export * from './evaluate-health'
export * from './evaluate-costs'
export * from './state-machine'
export * from './deliveries'
export * from './formats'
export * from './signing'
export * from './retry'
export * from './send'
export * from './ssrf'
export { isGlobalUnicast } from './ip-policy'

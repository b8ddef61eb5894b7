export { startWorker, type WorkerOptions, type StartedWorker } from './worker'
export {
  notifyAccountChanged,
  notifyTenantChanged,
  enqueueDelivery,
  createNotifier,
  type Notifier,
  type DeliveryJobRef,
} from './notify'
export {
  CATALOG,
  ACTIVE_QUEUES,
  jobIds,
  schedulerIds,
  parsePayload,
  deliveryJobOptions,
  type QueueName,
  type ActiveQueue,
  type Payload,
} from './catalog'
export { pickResolution, readSeries, type Resolution, type SeriesPoint } from './storage/read'
export {
  resolveSchedule,
  parsePlanLimits,
  DEFAULT_SCHEDULE,
  DEFAULT_RETENTION,
  type ScheduleSettings,
} from './plans'
export { loadSchedulerConfig, queuePrefix, type SchedulerConfig } from './config'
export { RedisBudget } from './budget'

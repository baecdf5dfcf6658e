export {
  type DomainEvents,
  type EventType,
  type EventPayload,
  type ProductSnapshot,
  type VariantSnapshot,
  type CancellationCode,
  cancellationCodes,
  ROLES,
  eventSchemas,
  isEventType,
} from './catalog';
export {
  type ProductSnapshotLike,
  type ProductVariantAnswer,
  type TaxClass,
  type VariantCatalogRow,
  type VariantFacts,
  PRODUCT_VARIANT_SELECTION,
  variantCatalogRowFields,
  variantFactsOf,
  variantName,
  variantRows,
} from './product-variants';
export {
  type ConsumerDeclaration,
  type ConsumerTx,
  type TransactionalConsumer,
  type TransactionalHandler,
  type TransactionalHandlers,
  type DirectConsumer,
  type StateIdempotentConsumer,
  type DirectHandler,
  type DirectHandlers,
  consumedTypes,
  consumerHandler,
  subscribeConsumers,
  validateEvent,
} from './consumers';
export {
  type SagaParticipant,
  type SagaStep,
  checkoutSaga,
  checkoutSagaEvents,
  renderSagaTable,
} from './saga';
export {
  type DomainEvent,
  type CatalogEvent,
  createEvent,
  createUncheckedEvent,
  eventDomain,
  isDomainEvent,
  parseEvent,
  serializeEvent,
} from './event';
export { type EventBus, type EventHandler, type SubscribeOptions, type DeadLetter } from './bus';
export { type BackoffPolicy, DEFAULT_BACKOFF, backoffDelay } from './backoff';
export { type EventMetrics, type HandledOutcome, eventMetrics } from './metrics';
export { type Logger, silentLogger } from './logger';
export { StreamBus, type StreamBusOptions, DEFAULT_KEY_PREFIX, signEvent } from './stream-bus';
export {
  type GroupStart,
  type StreamTransport,
  type StreamReader,
  type StreamEntry,
  type AutoClaimRequest,
  type AutoClaimResult,
} from './stream-transport';
export { InProcessBus, type InProcessBusOptions } from './in-process-bus';
export { MemoryStreamBroker } from './memory-stream-broker';
export { type LiveBus, type LiveListener, type LiveUnsubscribe } from './live-bus';
export { InProcessLiveBus } from './in-process-live-bus';
export { runTransaction, isTransientTransactionError, transactionBackoffMs } from './transaction';
export {
  Outbox,
  type OutboxDocument,
  type OutboxOptions,
  OUTBOX_COLLECTION,
  DEFAULT_OUTBOX_RETENTION_SECONDS,
  inTransaction,
  writeOutbox,
  outboxCollection,
  ensureOutboxIndexes,
  notifyOutboxWritten,
  type RelayEntry,
} from './outbox';
export {
  DocumentEvents,
  type PendingEvent,
  PENDING_EVENTS_FIELD,
  pendingEventsFilter,
  pendingEventsPath,
} from './document-events';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export { type RelayStore, documentEventsStore, outboxStore } from './relay-store';
export {
  idempotentConsumer,
  type IdempotentConsumerOptions,
  type IdempotentOutcome,
  type ProcessedEventDocument,
  PROCESSED_EVENTS_COLLECTION,
  PROCESSED_RETENTION_SECONDS,
} from './idempotent-consumer';
export { isDuplicateKeyError } from './mongo-errors';
export { activeTraceparent, inConsumerSpan } from './tracing';
export { EventRejectedError, rejectEvent, isEventRejected } from './rejected-event';

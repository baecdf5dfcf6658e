// The parts of the unified test format this runner reads.
import { type RunOnRequirement } from './requirements';

export interface CollectionData {
  collectionName: string;
  databaseName: string;
  createOptions?: Record<string, unknown>;
  documents: Record<string, unknown>[];
}

export interface ExpectedError {
  isError?: true;
  isClientError?: boolean;
  isTimeoutError?: boolean;
  errorContains?: string;
  errorCode?: number;
  errorCodeName?: string;
  errorLabelsContain?: string[];
  errorLabelsOmit?: string[];
  writeErrors?: Record<string, unknown>;
  writeConcernErrors?: unknown[];
  errorResponse?: Record<string, unknown>;
  expectResult?: unknown;
}

export interface Operation {
  name: string;
  object: string;
  arguments?: Record<string, any>;
  ignoreResultAndError?: boolean;
  expectError?: ExpectedError;
  expectResult?: unknown;
  saveResultAsEntity?: string;
}

export interface ExpectedEventsForClient {
  client: string;
  eventType?: 'command' | 'cmap' | 'sdam';
  events: Record<string, Record<string, unknown>>[];
  ignoreExtraEvents?: boolean;
}

export interface TestCase {
  description: string;
  runOnRequirements?: RunOnRequirement[];
  skipReason?: string;
  operations: Operation[];
  expectEvents?: ExpectedEventsForClient[];
  expectLogMessages?: unknown;
  expectTracingMessages?: unknown;
  outcome?: CollectionData[];
}

export interface TestFile {
  description: string;
  schemaVersion: string;
  runOnRequirements?: RunOnRequirement[];
  createEntities?: Record<string, any>[];
  initialData?: CollectionData[];
  tests: TestCase[];
}

// expectEvents: the command (and CMAP) events a client observed, in order.
import { type EntityMap, type RecordedEvent } from './entities';
import { assertMatches, MatchFailure } from './match';
import { type ExpectedEventsForClient } from './types';
import { render } from './values';

export function assertExpectedEvents(expectation: ExpectedEventsForClient, entities: EntityMap): void {
  const client = entities.client(expectation.client);
  const eventType = expectation.eventType ?? 'command';
  const actual = eventType === 'cmap' ? client.cmapEvents : client.commandEvents;
  const expected = expectation.events;
  const path = `events(${expectation.client})`;
  const tooFew = actual.length < expected.length;
  const tooMany = !expectation.ignoreExtraEvents && actual.length > expected.length;
  if (tooFew || tooMany) {
    throw new MatchFailure(
      path,
      `expected ${expected.length} ${eventType} events [${expected.map((e) => summariseExpected(e)).join(', ')}], ` +
        `observed ${actual.length} [${actual.map(summariseActual).join(', ')}]`,
    );
  }
  expected.forEach((expectedEvent, index) =>
    assertEvent(expectedEvent, actual[index]!, entities, `${path}[${index}]`),
  );
}

function assertEvent(
  expected: Record<string, Record<string, unknown>>,
  actual: RecordedEvent,
  entities: EntityMap,
  path: string,
): void {
  const [type, assertions] = Object.entries(expected)[0] as [string, Record<string, unknown>];
  if (actual.type !== type)
    throw new MatchFailure(path, `expected ${type}, observed ${summariseActual(actual)}`);
  for (const [field, value] of Object.entries(assertions ?? {})) {
    const fieldPath = `${path}.${field}`;
    switch (field) {
      case 'command':
      case 'reply':
        assertMatches(value, actual.event[field], entities, { root: true }, fieldPath);
        break;
      case 'commandName':
      case 'databaseName':
        if (actual.event[field] !== value) {
          throw new MatchFailure(
            fieldPath,
            `expected ${render(value)}, observed ${render(actual.event[field])}`,
          );
        }
        break;
      case 'hasServiceId':
        if ((actual.event.serviceId != null) !== value)
          throw new MatchFailure(fieldPath, `expected ${String(value)}`);
        break;
      case 'hasServerConnectionId':
        if ((actual.event.serverConnectionId != null) !== value)
          throw new MatchFailure(fieldPath, `expected ${String(value)}`);
        break;
      default:
        // CMAP event fields (reason, interruptInUseConnections...) compare as plain values.
        assertMatches(value, actual.event[field], entities, { root: false }, fieldPath);
    }
  }
}

function summariseExpected(expected: Record<string, Record<string, unknown>>): string {
  const [type, assertions] = Object.entries(expected)[0] as [string, Record<string, unknown>];
  const command = assertions?.command as Record<string, unknown> | undefined;
  const name = assertions?.commandName ?? (command ? Object.keys(command)[0] : undefined);
  return name ? `${type}(${String(name)})` : type;
}

function summariseActual(actual: RecordedEvent): string {
  return actual.event.commandName ? `${actual.type}(${actual.event.commandName})` : actual.type;
}

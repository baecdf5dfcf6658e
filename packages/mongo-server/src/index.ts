export {
  startEmbeddedMongo,
  DEFAULT_REPLICA_SET,
  type EmbeddedMongo,
  type EmbeddedMongoOptions,
} from './server';
export { SERVER_VERSION, MAX_WIRE_VERSION } from './commands/handshake';

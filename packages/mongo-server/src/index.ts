export {
  startEmbeddedMongo,
  privateSocketPath,
  DEFAULT_REPLICA_SET,
  type EmbeddedMongo,
  type EmbeddedMongoOptions,
} from './server';
export { SERVER_VERSION, MAX_WIRE_VERSION } from './commands/handshake';
export { DataFilesDamagedError, DataDirInUseError } from './storage/journal';
export { repairDataDir, formatRepairReport, type RepairReport } from './storage/repair';
export { startEmbeddedMongoThread } from './thread';

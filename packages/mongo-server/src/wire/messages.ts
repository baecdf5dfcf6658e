// Framing of the MongoDB wire protocol: OP_MSG (with kind-1 document sequences) for all commands,
// OP_QUERY only for the legacy handshake that drivers may still open with, answered by OP_REPLY.
import { deserialize, serialize, type Document } from 'bson';
import { ErrorCodes, MongoCommandError } from '../errors';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const MSG_CHECKSUM_PRESENT = 1 << 0;
export const MSG_MORE_TO_COME = 1 << 1;
export const MSG_EXHAUST_ALLOWED = 1 << 16;

export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
export const MAX_WRITE_BATCH_SIZE = 100_000;

export const HEADER_SIZE = 16;

export interface MessageHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export interface CommandRequest {
  kind: 'msg' | 'query';
  requestId: number;
  /** The command document with kind-1 sequences merged in as array fields, as mongod does. */
  command: Document;
  /** For OP_QUERY: the "db.$cmd" namespace's database. */
  queryDb?: string;
  moreToCome: boolean;
  exhaustAllowed: boolean;
}

const DESERIALIZE_OPTIONS = {
  promoteLongs: true,
  promoteValues: true,
  promoteBuffers: false,
  bsonRegExp: false,
} as const;

function protocolError(message: string): MongoCommandError {
  return new MongoCommandError(ErrorCodes.ProtocolError, message, { codeName: 'ProtocolError' });
}

export function readHeader(buf: Buffer): MessageHeader {
  return {
    messageLength: buf.readInt32LE(0),
    requestId: buf.readInt32LE(4),
    responseTo: buf.readInt32LE(8),
    opCode: buf.readInt32LE(12),
  };
}

function readBsonAt(buf: Buffer, offset: number, end: number): { doc: Document; size: number } {
  if (offset + 5 > end) throw protocolError('truncated BSON document');
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw protocolError('invalid BSON document length');
  if (size > MAX_BSON_OBJECT_SIZE + 16 * 1024)
    throw new MongoCommandError(ErrorCodes.BSONObjectTooLarge, 'BSONObj size is invalid', {
      codeName: 'BSONObjectTooLarge',
    });
  try {
    const doc = deserialize(buf.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
    return { doc, size };
  } catch (err) {
    throw new MongoCommandError(ErrorCodes.InvalidBSON, `invalid BSON: ${(err as Error).message}`, {
      codeName: 'InvalidBSON',
    });
  }
}

function readCString(buf: Buffer, offset: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw protocolError('unterminated cstring');
  return { value: buf.toString('utf8', offset, zero), next: zero + 1 };
}

/** Parses one complete message (header included). Throws MongoCommandError on malformed input. */
export function parseMessage(buf: Buffer): CommandRequest {
  const header = readHeader(buf);
  const end = header.messageLength;
  if (header.opCode === OP_MSG) {
    const flags = buf.readUInt32LE(HEADER_SIZE);
    // Bits 0-15 are "required" flags: an unknown one must fail the message.
    if ((flags & 0xfffc) !== 0) throw protocolError(`unsupported OP_MSG flag bits: ${flags}`);
    const sectionsEnd = flags & MSG_CHECKSUM_PRESENT ? end - 4 : end;
    let offset = HEADER_SIZE + 4;
    let body: Document | undefined;
    const sequences: Array<[string, Document[]]> = [];
    while (offset < sectionsEnd) {
      const kind = buf.readUInt8(offset);
      offset += 1;
      if (kind === 0) {
        if (body) throw protocolError('OP_MSG has more than one body section');
        const { doc, size } = readBsonAt(buf, offset, sectionsEnd);
        body = doc;
        offset += size;
      } else if (kind === 1) {
        if (offset + 4 > sectionsEnd) throw protocolError('truncated document sequence');
        const size = buf.readInt32LE(offset);
        const seqEnd = offset + size;
        if (size < 5 || seqEnd > sectionsEnd) throw protocolError('invalid document sequence length');
        const { value: identifier, next } = readCString(buf, offset + 4, seqEnd);
        const docs: Document[] = [];
        let p = next;
        while (p < seqEnd) {
          const { doc, size: ds } = readBsonAt(buf, p, seqEnd);
          docs.push(doc);
          p += ds;
        }
        sequences.push([identifier, docs]);
        offset = seqEnd;
      } else {
        throw protocolError(`unknown OP_MSG section kind ${kind}`);
      }
    }
    if (!body) throw protocolError('OP_MSG without a body section');
    for (const [identifier, docs] of sequences) {
      if (identifier in body)
        throw protocolError(`duplicate field ${identifier} in OP_MSG body and document sequence`);
      body[identifier] = docs;
    }
    return {
      kind: 'msg',
      requestId: header.requestId,
      command: body,
      moreToCome: (flags & MSG_MORE_TO_COME) !== 0,
      exhaustAllowed: (flags & MSG_EXHAUST_ALLOWED) !== 0,
    };
  }
  if (header.opCode === OP_QUERY) {
    let offset = HEADER_SIZE + 4;
    const { value: ns, next } = readCString(buf, offset, end);
    offset = next + 8; // numberToSkip, numberToReturn
    const { doc } = readBsonAt(buf, offset, end);
    const dot = ns.indexOf('.');
    const db = dot < 0 ? ns : ns.slice(0, dot);
    const coll = dot < 0 ? '' : ns.slice(dot + 1);
    if (coll !== '$cmd') throw protocolError('OP_QUERY is only supported for commands');
    // Legacy handshake wraps the command as {$query: {...}} when it carries read preference.
    const command = doc.$query && typeof doc.$query === 'object' ? (doc.$query as Document) : doc;
    return {
      kind: 'query',
      requestId: header.requestId,
      command,
      queryDb: db,
      moreToCome: false,
      exhaustAllowed: false,
    };
  }
  if (header.opCode === OP_COMPRESSED) throw protocolError('compression is not supported');
  throw protocolError(`unsupported opCode ${header.opCode}`);
}

let nextRequestId = 1;

function writeHeader(out: Buffer, length: number, responseTo: number, opCode: number): void {
  out.writeInt32LE(length, 0);
  out.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(opCode, 12);
}

export function serializeReply(doc: Document): Buffer {
  // bson hands back a Node Buffer on Node; copying it again would only cost time.
  const bytes = serialize(doc, { ignoreUndefined: true, checkKeys: false });
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** One buffer holding the whole message: a single copy of the body, a single socket write. */
export function encodeOpMsg(responseTo: number, body: Buffer, flags = 0): Buffer {
  const length = HEADER_SIZE + 4 + 1 + body.length;
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, length, responseTo, OP_MSG);
  out.writeUInt32LE(flags, HEADER_SIZE);
  out.writeUInt8(0, HEADER_SIZE + 4); // section kind 0: the body
  body.copy(out, HEADER_SIZE + 5);
  return out;
}

export function encodeOpReply(responseTo: number, body: Buffer): Buffer {
  const length = HEADER_SIZE + 20 + body.length;
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, length, responseTo, OP_REPLY);
  out.writeInt32LE(0, HEADER_SIZE); // responseFlags
  out.writeBigInt64LE(0n, HEADER_SIZE + 4); // cursorID
  out.writeInt32LE(0, HEADER_SIZE + 12); // startingFrom
  out.writeInt32LE(1, HEADER_SIZE + 16); // numberReturned
  body.copy(out, HEADER_SIZE + 20);
  return out;
}

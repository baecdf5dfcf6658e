// A bare TCP client for wire-level tests: sends hand-built (or deliberately broken) messages and reads
// the raw replies, without the driver's own validation in the way.
import { connect, type Socket } from 'node:net';
import { deserialize, serialize, type Document } from 'bson';

export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(buf: Buffer): void {
    this.socket.write(buf);
  }

  /** Next complete reply, or undefined if the server closed the connection first. */
  async reply(timeoutMs = 5_000): Promise<{ opCode: number; responseTo: number; doc: Document } | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffer.length >= 4) {
        const length = this.buffer.readInt32LE(0);
        if (this.buffer.length >= length) {
          const msg = this.buffer.subarray(0, length);
          this.buffer = this.buffer.subarray(length);
          const opCode = msg.readInt32LE(12);
          const responseTo = msg.readInt32LE(8);
          const bodyStart = opCode === 1 ? 36 : 21;
          return { opCode, responseTo, doc: deserialize(msg.subarray(bodyStart)) };
        }
      }
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a reply');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves true once the server has closed the connection. */
  async closedByServer(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export function opMsg(command: Document, requestId = 1, flags = 0): Buffer {
  const body = Buffer.from(serialize(command));
  const rest = Buffer.alloc(5);
  rest.writeUInt32LE(flags, 0);
  rest.writeUInt8(0, 4);
  return Buffer.concat([header(16 + 5 + body.length, requestId, 2013), rest, body]);
}

/** OP_MSG with a kind-1 document sequence, as drivers send insert documents. */
export function opMsgWithSequence(
  command: Document,
  identifier: string,
  docs: Document[],
  requestId = 1,
): Buffer {
  const body = Buffer.from(serialize(command));
  const seqDocs = Buffer.concat(docs.map((d) => Buffer.from(serialize(d))));
  const id = Buffer.from(identifier + '\0', 'utf8');
  const seqHeader = Buffer.alloc(5);
  seqHeader.writeUInt8(1, 0);
  seqHeader.writeInt32LE(4 + id.length + seqDocs.length, 1);
  const flagsAndKind0 = Buffer.from([0, 0, 0, 0, 0]);
  const parts = [flagsAndKind0, body, seqHeader, id, seqDocs];
  const total = 16 + parts.reduce((n, p) => n + p.length, 0);
  return Buffer.concat([header(total, requestId, 2013), ...parts]);
}

export function opQuery(ns: string, query: Document, requestId = 1): Buffer {
  const nsBuf = Buffer.from(ns + '\0', 'utf8');
  const fields = Buffer.alloc(4);
  const skipReturn = Buffer.alloc(8);
  skipReturn.writeInt32LE(0, 0);
  skipReturn.writeInt32LE(-1, 4);
  const body = Buffer.from(serialize(query));
  const total = 16 + 4 + nsBuf.length + 8 + body.length;
  return Buffer.concat([header(total, requestId, 2004), fields, nsBuf, skipReturn, body]);
}

// One client connection: reassembles messages from the stream (TCP or unix socket), runs them one at a time (as mongod
// does per connection) and writes replies. Framing errors close the connection; everything else is
// answered with an error document so the client and other connections carry on.
import type { Socket } from 'node:net';
import type { Doc } from '../bson/values';
import { dispatch } from '../commands/dispatch';
import type { Client, ServerState } from '../commands/context';
import { MongoCommandError } from '../errors';
import {
  HEADER_SIZE,
  MAX_MESSAGE_SIZE_BYTES,
  OP_MSG,
  OP_QUERY,
  encodeOpMsg,
  encodeOpReply,
  parseMessage,
  readHeader,
  serializeReply,
} from './messages';

/** Messages read ahead of the one being answered before we stop reading from the socket. */
const MAX_QUEUED_MESSAGES = 64;

export class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly queue: Buffer[] = [];
  private running = false;
  private closed = false;

  private readonly client: Client;

  constructor(
    private readonly socket: Socket,
    private readonly state: ServerState,
    id: number,
    /** The address the client dialed (the listener's), which hello advertises to it. */
    me: string,
  ) {
    this.client = { id, me };
    // A no-op on a unix socket, which has no Nagle to turn off.
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => {
      this.closed = true;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 4) {
      const length = this.buffer.readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE_BYTES) {
        // The stream cannot be re-synchronised after a bad length: drop the connection like mongod.
        this.close();
        return;
      }
      if (this.buffer.length < length) break;
      this.queue.push(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
    }
    // A client that pipelines faster than we answer (or never reads) must not grow our memory unbounded.
    if (this.queue.length >= MAX_QUEUED_MESSAGES) this.socket.pause();
    if (!this.running) {
      this.drain().catch((err: unknown) => {
        // A bug must cost this connection, not the server.
        console.error('[mongo-server] connection failed', err);
        this.close();
      });
    }
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed) {
        const message = this.queue.shift();
        if (!message) break;
        await this.handle(message);
        if (this.queue.length < MAX_QUEUED_MESSAGES && this.socket.isPaused()) this.socket.resume();
      }
    } finally {
      this.running = false;
    }
  }

  private async handle(message: Buffer): Promise<void> {
    const header = readHeader(message);
    let reply: Doc;
    let moreToCome = false;
    let isQuery = header.opCode === OP_QUERY;
    try {
      const request = parseMessage(message);
      isQuery = request.kind === 'query';
      moreToCome = request.moreToCome;
      reply = await dispatch(this.state, request.command, this.client, request.queryDb);
    } catch (err) {
      if (!(err instanceof MongoCommandError))
        console.error('[mongo-server] unexpected error handling a message', err);
      reply =
        err instanceof MongoCommandError
          ? err.toReply()
          : { ok: 0, errmsg: String(err), code: 1, codeName: 'InternalError' };
      if (header.opCode !== OP_MSG && header.opCode !== OP_QUERY) {
        this.close();
        return;
      }
    }
    if (moreToCome || this.closed) return;
    let body: Buffer;
    try {
      body = serializeReply(reply);
    } catch (err) {
      body = serializeReply({
        ok: 0,
        errmsg: `reply could not be encoded: ${(err as Error).message}`,
        code: 10334,
        codeName: 'BSONObjectTooLarge',
      });
    }
    const flushed = this.socket.write(
      isQuery ? encodeOpReply(header.requestId, body) : encodeOpMsg(header.requestId, body),
    );
    if (!flushed && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }
}

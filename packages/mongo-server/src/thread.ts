// The embedded server on a worker thread of the calling process.
import { Worker } from 'node:worker_threads';
import type { EmbeddedMongo, EmbeddedMongoOptions } from './server';

type Reply =
  | { started: { uri: string; socketUri?: string; port: number } }
  | { failed: { name: string; message: string; code?: string } }
  | { stopped: true };

/**
 * startEmbeddedMongo, run on a worker thread: the same server, data directory and journal, but its
 * query work has an event loop and a core of its own, as a real MongoDB has its own process. In
 * `npm start` everything else (gateway, subgraphs, buses) shares the main thread, so without this
 * the database's CPU time (about a third of a catalog page's) is taken from the same core and a
 * 2-core machine leaves the second one idle.
 *
 * A start failure rejects with an Error carrying the worker's name, message and code (so
 * EADDRINUSE can be told apart). A crash of the database after it started crashes the process, as
 * it would if the server ran on the main thread: nothing should keep serving without its database.
 */
export function startEmbeddedMongoThread(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const worker = new Worker(new URL('./thread-entry.mjs', import.meta.url), { workerData: options });
  return new Promise((resolve, reject) => {
    let started = false;
    let stopped: Promise<void> | undefined;
    let onStopped: (() => void) | undefined;
    worker.on('message', (reply: Reply) => {
      if ('started' in reply) {
        started = true;
        resolve({
          ...reply.started,
          stop() {
            stopped ??= new Promise<void>((done) => {
              onStopped = done;
              worker.postMessage('stop');
            }).then(() => worker.terminate().then(() => undefined));
            return stopped;
          },
        });
      } else if ('failed' in reply) {
        const error = Object.assign(new Error(reply.failed.message), reply.failed);
        void worker.terminate();
        reject(error);
      } else onStopped?.();
    });
    worker.on('error', (error) => {
      if (!started) return reject(error);
      process.nextTick(() => {
        throw error;
      });
    });
    worker.on('exit', (code) => {
      if (!started)
        reject(new Error(`the embedded MongoDB thread exited with code ${code} before it started`));
      else if (!stopped)
        process.nextTick(() => {
          throw new Error(`the embedded MongoDB thread exited with code ${code}`);
        });
    });
  });
}

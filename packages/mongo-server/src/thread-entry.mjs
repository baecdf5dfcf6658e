// The worker side of startEmbeddedMongoThread (thread.ts). Plain JavaScript because a worker
// thread does not inherit tsx's loader from its parent: it registers tsx itself, then loads the
// server from source exactly as the parent would.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { startEmbeddedMongo } = await import('./server.ts');

try {
  const mongo = await startEmbeddedMongo(workerData);
  parentPort.on('message', (message) => {
    if (message !== 'stop') return;
    void mongo.stop().then(() => {
      parentPort.postMessage({ stopped: true });
      parentPort.close();
    });
  });
  parentPort.postMessage({ started: { uri: mongo.uri, socketUri: mongo.socketUri, port: mongo.port } });
} catch (error) {
  // Errors cross threads as plain data: name, message and code are what callers look at.
  parentPort.postMessage({ failed: { name: error.name, message: error.message, code: error.code } });
  parentPort.close();
}

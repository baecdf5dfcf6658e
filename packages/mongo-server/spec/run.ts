// `npm run spec:mongo -- --dir <folder> [--dir <folder>...] [--grep <text>] [--file <text>]
//   [--include collation] [--verbose]`
//
// Runs every unified-format JSON file in the folder(s) with the official driver against a freshly
// started embedded server, or against MONGO_URL when it is set. Prints each skip with its reason
// and each failure with a short diff, ends with `spec: N passed, M failed, K skipped`, and exits
// non-zero when anything failed.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { describeServer } from './unified/requirements';
import { killAllSessions, runTestFile, type TestResult } from './unified/runner';
import { OPTIONAL_CATEGORIES } from './unified/scope';

interface Target {
  uri: string;
  label: string;
  stop(): Promise<void>;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', multiple: true },
      grep: { type: 'string' },
      file: { type: 'string' },
      include: { type: 'string', multiple: true },
      verbose: { type: 'boolean', default: false },
    },
  });
  const include = new Set(values.include ?? []);
  const unknownCategory = [...include].find((category) => !OPTIONAL_CATEGORIES.includes(category));
  if (unknownCategory) {
    console.error(`--include takes ${OPTIONAL_CATEGORIES.join(' or ')}, not ${unknownCategory}`);
    return 2;
  }
  if (!values.dir || values.dir.length === 0) {
    console.error(
      'usage: npm run spec:mongo -- --dir <folder> [--grep <test text>] [--file <file name text>] [--verbose]',
    );
    return 2;
  }
  // npm runs workspace scripts from the workspace folder; paths are meant relative to where
  // the user typed the command.
  const base = process.env.INIT_CWD ?? process.cwd();
  const files = values.dir.flatMap((dir) => jsonFiles(isAbsolute(dir) ? dir : resolve(base, dir)));
  const selected = files.filter((file) => !values.file || file.includes(values.file));
  if (selected.length === 0) {
    console.error(`no JSON test files found in ${values.dir.join(', ')}`);
    return 2;
  }

  const target = await startTarget();
  const internalClient = new MongoClient(target.uri, { serverSelectionTimeoutMS: 10_000 });
  const results: TestResult[] = [];
  try {
    await internalClient.connect();
    const server = await describeServer(internalClient);
    console.log(
      `spec: ${selected.length} files against ${target.label} ` +
        `(server ${server.versionString}, ${server.topology}, maxWireVersion ${server.maxWireVersion})`,
    );
    await killAllSessions(internalClient);
    for (const file of selected) {
      const fileResults = await runTestFile(file, {
        uri: target.uri,
        internalClient,
        server,
        grep: values.grep,
        include,
      });
      for (const result of fileResults) report(result, values.verbose ?? false);
      results.push(...fileResults);
    }
  } finally {
    await internalClient.close().catch(() => undefined);
    await target.stop();
  }

  const count = (status: TestResult['status']) => results.filter((result) => result.status === status).length;
  const failed = count('failed');
  printSkipSummary(results);
  console.log(`spec: ${count('passed')} passed, ${failed} failed, ${count('skipped')} skipped`);
  return failed > 0 ? 1 : 0;
}

function jsonFiles(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`not a directory: ${dir}`);
  }
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

async function startTarget(): Promise<Target> {
  const external = process.env.MONGO_URL;
  if (external) return { uri: external, label: 'MONGO_URL', stop: async () => undefined };
  const { startEmbeddedMongo } = await import('../src/index');
  const server = await startEmbeddedMongo({ port: 0, inMemory: true });
  return { uri: server.uri, label: `embedded server ${server.uri}`, stop: () => server.stop() };
}

function report(result: TestResult, verbose: boolean): void {
  const name = `${result.file}: ${result.description}`;
  if (result.status === 'failed') console.log(`FAIL ${name}\n     ${result.detail ?? ''}`);
  else if (result.status === 'skipped') console.log(`skip ${name} — ${result.detail ?? ''}`);
  else if (verbose) console.log(`pass ${name}`);
}

function printSkipSummary(results: TestResult[]): void {
  const reasons = new Map<string, number>();
  for (const result of results) {
    if (result.status !== 'skipped') continue;
    const reason = result.detail ?? 'unspecified';
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  if (reasons.size === 0) return;
  console.log('skipped, by reason:');
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1]))
    console.log(`  ${count} × ${reason}`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);

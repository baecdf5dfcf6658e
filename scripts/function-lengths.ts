/**
 * `npx tsx scripts/function-lengths.ts [--top N] [--over N] [dirs...]`: lists the functions of the
 * TypeScript source (.ts and .tsx) under `subgraphs/`, `packages/`, `gateway/` and `storefront/`
 * (tests, specs and benches left out) by length in lines, longest first. With `--over N` it lists
 * only those longer than N and exits 1 when there is any, so the rule "no function over 80 lines"
 * can be checked.
 *
 * A function is any function declaration, method, arrow function or function expression; its
 * length is the number of lines from its first to its last character, nested functions included
 * (a function that holds a long callback is as long as the reader sees it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './lib/supergraph-config';

export interface FunctionLength {
  file: string;
  name: string;
  line: number;
  lines: number;
}

/** The embedded server's command tables are tables, not logic: the rule leaves them out. */
const EXEMPT = [/^packages\/mongo-server\/src\/commands\//];
const SKIP_DIRS = new Set(['node_modules', 'test', 'tests', 'spec', 'bench', 'dist', '.data']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIP_DIRS.has(entry) || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry) && !/\.(test|d)\.tsx?$/.test(entry)) out.push(path);
  }
  return out;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  if (parent && ts.isCallExpression(parent))
    return `(callback of ${parent.expression.getText(source).slice(0, 40)})`;
  return '(anonymous)';
}

export function functionLengths(files: string[]): FunctionLength[] {
  const found: FunctionLength[] = [];
  for (const path of files) {
    const file = relative(repoRoot, path);
    if (EXEMPT.some((pattern) => pattern.test(file))) continue;
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        found.push({ file, name: nameOf(node, source), line: start + 1, lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
}

export function allSourceFiles(dirs = ['subgraphs', 'packages', 'gateway', 'storefront']): string[] {
  return dirs.flatMap((dir) => sourceFiles(join(repoRoot, dir)));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const args = process.argv.slice(2);
  const option = (name: string): number | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const value = Number(args[at + 1]);
    args.splice(at, 2);
    return value;
  };
  const top = option('--top') ?? 20;
  const over = option('--over');
  const lengths = functionLengths(allSourceFiles(args.length > 0 ? args : undefined));
  const listed = over === undefined ? lengths.slice(0, top) : lengths.filter((f) => f.lines > over);
  for (const f of listed) console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}`);
  if (over !== undefined) {
    console.log(`${listed.length} function(s) over ${over} lines`);
    if (listed.length > 0) process.exitCode = 1;
  }
}

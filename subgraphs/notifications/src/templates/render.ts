import { readFileSync } from 'node:fs';
import { type NotificationType } from '../models/notification';

/**
 * Message templates live beside this file as `<type>.txt` and `<type>.html`. The text template's
 * first line is `Subject: ...`. The HTML template holds only the message's own markup: `layout.html`
 * (the NovaMart heading and the footer every email carries) wraps it in place of its
 * `<!-- message -->` line, indented as that line is. Syntax, deliberately small:
 *   {{path.to.value}}              a value; in HTML it is always escaped, there is no raw form
 *   {{#each list}}...{{/each}}     repeats for each item; inside, names resolve on the item first
 *   {{#if value}}...{{/if}}        keeps the block when the value is truthy
 * Whatever a customer or an admin typed (a product name, an address) can therefore never become
 * markup in a message.
 */

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

type Scope = Record<string, unknown>;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]!);
}

function lookup(scopes: Scope[], path: string): unknown {
  const [head, ...rest] = path.split('.');
  for (const scope of scopes) {
    if (head! in scope)
      return rest.reduce<unknown>((value, key) => (value as Scope | undefined)?.[key], scope[head!]);
  }
  return undefined;
}

function renderTemplate(template: string, scopes: Scope[], escape: (s: string) => string): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, open);
    const close = template.indexOf('}}', open);
    if (close < 0) throw new Error('Unclosed {{ in template');
    const tag = template.slice(open + 2, close).trim();
    i = close + 2;
    const block = tag.match(/^#(each|if)\s+([\w.]+)$/);
    if (block) {
      const [, kind, path] = block;
      const end = findBlockEnd(template, i, kind!);
      const inner = template.slice(i, end.start);
      i = end.after;
      const value = lookup(scopes, path!);
      if (kind === 'if') {
        if (value && !(Array.isArray(value) && value.length === 0))
          out += renderTemplate(inner, scopes, escape);
      } else {
        for (const item of Array.isArray(value) ? value : []) {
          out += renderTemplate(
            inner,
            [typeof item === 'object' && item ? (item as Scope) : { this: item }, ...scopes],
            escape,
          );
        }
      }
      continue;
    }
    const value = lookup(scopes, tag);
    out += value === undefined || value === null ? '' : escape(String(value));
  }
  return out;
}

function findBlockEnd(template: string, from: number, kind: string): { start: number; after: number } {
  let depth = 1;
  const pattern = new RegExp(`{{\\s*(#${kind}\\b[^}]*|/${kind})\\s*}}`, 'g');
  pattern.lastIndex = from;
  for (let m = pattern.exec(template); m; m = pattern.exec(template)) {
    depth += m[1]!.startsWith('#') ? 1 : -1;
    if (depth === 0) return { start: m.index, after: m.index + m[0].length };
  }
  throw new Error(`Unclosed {{#${kind}}} in template`);
}

const readTemplate = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');

let layout: { before: string; indent: string; after: string } | undefined;

/** A message's own HTML put in the layout, each of its lines indented as the `<!-- message -->` line is. */
function inLayout(message: string): string {
  if (!layout) {
    const file = readTemplate('layout.html');
    const slot = file.match(/^([ \t]*)<!-- message -->\n/m);
    if (!slot) throw new Error('layout.html must hold a "<!-- message -->" line');
    layout = {
      before: file.slice(0, slot.index),
      indent: slot[1]!,
      after: file.slice(slot.index! + slot[0].length),
    };
  }
  return layout.before + message.replace(/^(?=.)/gm, layout.indent) + layout.after;
}

const cache = new Map<NotificationType, { subject: string; text: string; html: string }>();

function load(type: NotificationType) {
  let entry = cache.get(type);
  if (!entry) {
    const name = type.toLowerCase();
    const [firstLine, ...rest] = readTemplate(`${name}.txt`).split('\n');
    const subject = firstLine?.match(/^Subject:\s*(.+)$/)?.[1];
    if (!subject) throw new Error(`${name}.txt must start with "Subject: ..."`);
    entry = {
      subject,
      text: rest.join('\n').replace(/^\n+/, ''),
      html: inLayout(readTemplate(`${name}.html`)),
    };
    cache.set(type, entry);
  }
  return entry;
}

// Subject lines are headers: no line breaks may survive into them.
const headerSafe = (s: string) => s.replace(/[\r\n]+/g, ' ');

/** An admin's replacement of a type's subject and plain-text body (`notification_templates`). */
export interface TemplateOverride {
  subject: string;
  body: string;
}

export function renderMessage(
  type: NotificationType,
  data: Scope,
  override?: TemplateOverride | null,
): RenderedMessage {
  if (override) {
    // The override is plain text: its HTML part is that text escaped, and every value escaped as always.
    const body = renderTemplate(escapeHtml(override.body), [data], escapeHtml);
    return {
      subject: renderTemplate(override.subject, [data], headerSafe),
      text: renderTemplate(override.body, [data], (s) => s),
      html: `<!doctype html>\n<html>\n  <body style="font-family: Arial, sans-serif; white-space: pre-wrap">${body}</body>\n</html>\n`,
    };
  }
  const template = load(type);
  return {
    subject: renderTemplate(template.subject, [data], headerSafe),
    text: renderTemplate(template.text, [data], (s) => s),
    html: renderTemplate(template.html, [data], escapeHtml),
  };
}

/** The names a template refers to: values, `#each` lists and `#if` conditions (the first segment of each path). */
export function variablesOf(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(/{{\s*([^}]*?)\s*}}/g)) {
    const tag = match[1]!;
    if (tag.startsWith('/')) continue;
    const path = tag.replace(/^#(each|if)\s+/, '');
    names.add(path.split('.')[0]!);
  }
  return [...names];
}

/**
 * The variables a type provides: every name its own templates use (item fields of its lists
 * included). An override may use these and nothing else.
 */
export function providedVariables(type: NotificationType): string[] {
  const template = load(type);
  return [...new Set([template.subject, template.text, template.html].flatMap(variablesOf))].sort();
}

/** Throws (with a message fit for the admin) when the template's blocks are malformed. */
export function checkTemplateSyntax(template: string): void {
  renderTemplate(template, [{}], (s) => s);
  const tags = [...template.matchAll(/{{\s*([^}]*?)\s*}}/g)].map((m) => m[1]!);
  for (const tag of tags) {
    if (!/^(#(each|if)\s+[\w.]+|\/(each|if)|[\w.]+)$/.test(tag)) throw new Error(`Unknown tag {{${tag}}}`);
  }
}

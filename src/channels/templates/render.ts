import { Liquid, type Template } from 'liquidjs';
import { invalidInput } from '../../lib/errors.ts';
import type { MessageContent, RenderedMessage } from '../types.ts';

// strictVariables makes a missing variable an error naming it rather than a blank in a customer's message;
// `| default: "…"` and `{% if %}` still let a template handle an absent field on purpose.
const options = { strictVariables: true, strictFilters: true, ownPropertyOnly: true, lenientIf: true, cache: false } as const;
const textEngine = new Liquid(options);
const htmlEngine = new Liquid({ ...options, outputEscape: 'escape' });

// Parsed templates by source, so a batch of thousands renders each template once parsed.
const parsedCache = new Map<string, Template[]>();
const cacheLimit = 500;

function parse(engine: Liquid, source: string, field: string): Template[] {
  const key = `${engine === htmlEngine ? 'h' : 't'}:${source}`;
  let parsed = parsedCache.get(key);
  if (!parsed) {
    try {
      parsed = engine.parse(source);
    } catch (error) {
      throw invalidInput(`The ${field} template does not parse: ${(error as Error).message}`, { path: ['content', field] });
    }
    if (parsedCache.size >= cacheLimit) parsedCache.delete(parsedCache.keys().next().value!);
    parsedCache.set(key, parsed);
  }
  return parsed;
}

function renderField(engine: Liquid, source: string, field: string, scope: Record<string, unknown>): string {
  const parsed = parse(engine, source, field);
  try {
    return engine.renderSync(parsed, scope) as string;
  } catch (error) {
    const message = (error as Error).message;
    const missing = /undefined variable: ([^,]+)/.exec(message);
    if (missing) {
      throw invalidInput(`The ${field} template uses the variable "${missing[1]}", which this customer does not have`, {
        path: ['content', field],
        variable: missing[1],
      });
    }
    throw invalidInput(`The ${field} template failed: ${message}`, { path: ['content', field] });
  }
}

/** Checks that every part of a content parses, without rendering it. */
export function parseContent(content: MessageContent): void {
  for (const field of ['subject', 'text'] as const) if (content[field] !== undefined) parse(textEngine, content[field], field);
  if (content.html !== undefined) parse(htmlEngine, content.html, 'html');
  for (const [key, value] of Object.entries(content.data ?? {})) parse(textEngine, value, `data.${key}`);
}

/**
 * Renders a content for one customer; a variable the scope lacks throws invalid_input naming it.
 * The HTML part escapes every output, the other parts do not (they are not HTML).
 */
export function renderContent(content: MessageContent, scope: Record<string, unknown>): RenderedMessage {
  const data = content.data
    ? Object.fromEntries(Object.entries(content.data).map(([key, value]) => [key, renderField(textEngine, value, `data.${key}`, scope)]))
    : undefined;
  return {
    ...(content.subject !== undefined ? { subject: renderField(textEngine, content.subject, 'subject', scope) } : {}),
    text: renderField(textEngine, content.text, 'text', scope),
    ...(content.html !== undefined ? { html: renderField(htmlEngine, content.html, 'html', scope) } : {}),
    ...(content.wechatTemplateId !== undefined ? { wechatTemplateId: content.wechatTemplateId } : {}),
    ...(data ? { data } : {}),
  };
}

/**
 * RFC 6902 JSON Patch, applied strictly, for judging STATE_DELTA events: every path must resolve
 * as the RFC says (`replace`, `remove` and `test` need an existing target; `add` needs an
 * existing parent). Returns the new document, or the reason the patch does not apply.
 */
type Json = unknown;

export type PatchResult = { ok: true; document: Json } | { ok: false; reason: string };

function tokensOf(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isContainer(value: Json): value is Record<string, Json> | Json[] {
  return value !== null && typeof value === 'object';
}

function parentOf(document: Json, tokens: string[]): { parent: Json; key: string } | undefined {
  let node = document;
  for (const token of tokens.slice(0, -1)) {
    if (!isContainer(node)) return undefined;
    if (Array.isArray(node)) node = node[Number(token)];
    else if (Object.hasOwn(node, token)) node = node[token];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return { parent: node, key: tokens.at(-1)! };
}

function has(parent: Json, key: string): boolean {
  if (Array.isArray(parent)) return /^(0|[1-9]\d*)$/.test(key) && Number(key) < parent.length;
  return isContainer(parent) && Object.hasOwn(parent, key);
}

function get(document: Json, pointer: string): { found: boolean; value?: Json } {
  const tokens = tokensOf(pointer);
  if (!tokens) return { found: false };
  if (!tokens.length) return { found: true, value: document };
  const at = parentOf(document, tokens);
  if (!at || !has(at.parent, at.key)) return { found: false };
  return { found: true, value: (at.parent as Record<string, Json>)[at.key] };
}

function put(document: Json, pointer: string, value: Json, mode: 'add' | 'replace'): PatchResult {
  const tokens = tokensOf(pointer);
  if (!tokens) return { ok: false, reason: `path "${pointer}" is not a JSON Pointer (no leading /)` };
  if (!tokens.length) return { ok: true, document: structuredClone(value) };
  const at = parentOf(document, tokens);
  if (!at || !isContainer(at.parent))
    return { ok: false, reason: `the parent of "${pointer}" does not exist` };
  const { parent, key } = at;
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    const bound = mode === 'add' ? parent.length : parent.length - 1;
    if (!/^(0|[1-9]\d*|-)$/.test(key) || index > bound || (mode === 'replace' && key === '-'))
      return { ok: false, reason: `index "${key}" is out of range at "${pointer}"` };
    if (mode === 'add') parent.splice(index, 0, structuredClone(value));
    else parent[index] = structuredClone(value);
    return { ok: true, document };
  }
  if (mode === 'replace' && !Object.hasOwn(parent, key))
    return { ok: false, reason: `replace of "${pointer}", which does not exist (use add)` };
  parent[key] = structuredClone(value);
  return { ok: true, document };
}

function remove(document: Json, pointer: string): PatchResult {
  const tokens = tokensOf(pointer);
  if (!tokens?.length) return { ok: false, reason: `cannot remove "${pointer}"` };
  const at = parentOf(document, tokens);
  if (!at || !has(at.parent, at.key))
    return { ok: false, reason: `remove of "${pointer}", which does not exist` };
  if (Array.isArray(at.parent)) at.parent.splice(Number(at.key), 1);
  else delete (at.parent as Record<string, Json>)[at.key];
  return { ok: true, document };
}

export function applyPatch(document: Json, patch: unknown): PatchResult {
  if (!Array.isArray(patch)) return { ok: false, reason: 'the delta is not an array of operations' };
  let current = structuredClone(document);
  for (const [index, raw] of patch.entries()) {
    const operation = raw as { op?: unknown; path?: unknown; from?: unknown; value?: unknown };
    const path = typeof operation.path === 'string' ? operation.path : undefined;
    if (path === undefined) return { ok: false, reason: `operation ${index} has no string path` };
    let result: PatchResult;
    switch (operation.op) {
      case 'add':
      case 'replace':
        if (!('value' in operation))
          return { ok: false, reason: `operation ${index} (${operation.op}) has no value` };
        result = put(current, path, operation.value, operation.op);
        break;
      case 'remove':
        result = remove(current, path);
        break;
      case 'test': {
        const found = get(current, path);
        result =
          found.found && JSON.stringify(found.value) === JSON.stringify(operation.value)
            ? { ok: true, document: current }
            : { ok: false, reason: `test of "${path}" failed` };
        break;
      }
      case 'move':
      case 'copy': {
        const from = typeof operation.from === 'string' ? get(current, operation.from) : { found: false };
        if (!from.found)
          return { ok: false, reason: `operation ${index} (${operation.op}): "from" does not exist` };
        if (operation.op === 'move') {
          const removed = remove(current, operation.from as string);
          if (!removed.ok) return removed;
          current = removed.document;
        }
        result = put(current, path, from.value, 'add');
        break;
      }
      default:
        return { ok: false, reason: `operation ${index} has unknown op ${JSON.stringify(operation.op)}` };
    }
    if (!result.ok) return { ok: false, reason: `operation ${index}: ${result.reason}` };
    current = result.document;
  }
  return { ok: true, document: current };
}

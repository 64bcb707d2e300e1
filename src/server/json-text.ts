/**
 * Reading JSON text a client sent (a frame, a request body) without try/catch at every caller:
 * text that does not parse gives `NOT_JSON`, which no JSON text can parse to.
 */

// Stryker disable next-line StringLiteral: a symbol's description is free
export const NOT_JSON = Symbol('not JSON');

// Stryker disable BlockStatement: an emptied catch gives undefined, which every caller refuses next (not an object, not a RunAgentInput) with the same answer
export function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
// Stryker restore BlockStatement

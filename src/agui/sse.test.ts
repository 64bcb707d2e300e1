import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

const all = (chunks: string[]) => {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk)).map((m) => m.data);
};

describe('SseParser', () => {
  it('splits events on blank lines and joins multi-line data with \\n', () => {
    expect(all(['data: {"a":1}\n\ndata: line1\ndata: line2\n\n'])).toEqual(['{"a":1}', 'line1\nline2']);
  });

  it('ignores comments, id and retry, and accepts CRLF and CR line ends', () => {
    expect(all([': keep-alive\r\nid: 7\r\nretry: 10\r\ndata: x\r\n\r\n', 'data: y\r\r'])).toEqual(['x', 'y']);
  });

  it('gives the same events whatever the chunk boundaries, CRLF split included', () => {
    const text = 'data: {"type":"RUN_STARTED"}\r\n\r\ndata: {"type":"RUN_FINISHED"}\r\n\r\n';
    const whole = all([text]);
    for (let cut = 1; cut < text.length; cut++)
      expect(all([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    expect(whole).toHaveLength(2);
  });

  it('drops an event whose blank line never came', () => {
    expect(all(['data: complete\n\ndata: cut off'])).toEqual(['complete']);
  });
});

import { describe, expect, it } from 'vitest';
import { AepModel } from './model.js';

describe('the AEP/1 reference model', () => {
  it('predicts not_found for foreign and unknown threads, rate_limited at the in-flight limit, else ack', () => {
    const model = new AepModel(2, 2);
    const own = model.addThread(0);
    const foreign = model.addThread(1);
    expect(model.predictMessage(0, { kind: 'new' })).toEqual({ kind: 'ack' });
    expect(model.predictMessage(0, { kind: 'own', thread: own })).toEqual({ kind: 'ack' });
    expect(model.predictMessage(0, { kind: 'foreign', thread: foreign })).toEqual({
      kind: 'error',
      code: 'not_found',
    });
    expect(model.predictMessage(0, { kind: 'unknown' })).toEqual({ kind: 'error', code: 'not_found' });
    model.addRun(own, 'held');
    model.addRun(own, 'quick');
    expect(model.inFlight(0)).toBe(2);
    expect(model.predictMessage(0, { kind: 'new' })).toEqual({ kind: 'error', code: 'rate_limited' });
    expect(model.predictMessage(1, { kind: 'new' })).toEqual({ kind: 'ack' });
  });

  it('frees a slot when a run finishes, and only the owner may cancel a run still in flight', () => {
    const model = new AepModel(2, 1);
    const thread = model.addThread(0);
    const run = model.addRun(thread, 'held');
    expect(model.predictCancel(1, run)).toEqual({ kind: 'error', code: 'not_found' });
    expect(model.predictCancel(0, run)).toEqual({ kind: 'ack' });
    expect(model.predictCancel(0, undefined)).toEqual({ kind: 'error', code: 'not_found' });
    run.state = 'finished';
    expect(model.inFlight(0)).toBe(0);
    expect(model.predictCancel(0, run)).toEqual({ kind: 'error', code: 'not_found' });
  });

  it('resumes only own threads, and a closed connection loses its subscriptions', () => {
    const model = new AepModel(2, 4);
    const thread = model.addThread(0);
    expect(model.predictResume({ kind: 'own', thread })).toEqual({ kind: 'ack' });
    expect(model.predictResume({ kind: 'foreign', thread })).toEqual({ kind: 'error', code: 'not_found' });
    const connection = model.addConnection(0);
    model.subscribe(connection, thread);
    expect(model.subscribers(thread)).toEqual([connection]);
    model.closeConnection(connection);
    expect(model.subscribers(thread)).toEqual([]);
    expect(model.openConnections(0)).toEqual([]);
  });
});

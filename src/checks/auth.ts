/** Section 2 of AEP/1: JWT authentication at the handshake, Origin allowlist, expiry, no token leaks. */
import { HandshakeRejectedError } from '../client/index.js';
import { CloseCode, SUBPROTOCOL } from '../protocol/index.js';
import type { Check, CheckContext } from './check.js';
import { Unsupported } from './check.js';
import { expectEqual, expectHandshakeRefused, expectTrue, fail } from './expect.js';
import { scenario, sleep } from './helpers.js';

const FOREIGN_ORIGIN = 'https://attacker.agentwire.invalid';

/**
 * Origins that are not `allowed` but look like it to a loose comparison: one that starts with it
 * (`startsWith`), one that ends like it (`endsWith` on the host), and the same host on another
 * port (a comparison of hostnames only).
 */
function lookalikeOrigins(allowed: string): string[] {
  const origin = allowed.replace(/\/+$/, '');
  const lookalikes = [`${origin}.attacker.invalid`];
  if (origin.includes('://')) lookalikes.push(origin.replace('://', '://attacker-'));
  const url = URL.canParse(origin) ? new URL(origin) : undefined;
  if (url && url.port === '' && url.host !== '') lookalikes.push(`${origin}:8443`);
  return lookalikes;
}

function refusedTokenCheck(
  slug: string,
  title: string,
  makeToken: (context: CheckContext, sub: string) => Promise<string | null> | string | null,
): Check {
  return {
    id: `R-2.2/${slug}`,
    rules: ['R-2.2'],
    title,
    requires: [],
    async run(context) {
      const user = context.newUser();
      const token = await makeToken(context, user);
      await expectHandshakeRefused(
        context.connect({ user, token, auth: token ? 'header' : 'none' }),
        401,
        title,
      );
    },
  };
}

/** The token and its signature, either of which would be a leak. */
function secretsOf(token: string): string[] {
  const signature = token.split('.')[2];
  return signature && signature.length >= 16 ? [token, signature] : [token];
}

export const authChecks: Check[] = [
  {
    id: 'R-2.1/header-auth',
    rules: ['R-2.1'],
    title: 'A valid JWT in the Authorization header opens a session',
    requires: [],
    async run(context) {
      const connection = await context.session({ auth: 'header' });
      expectTrue(connection.isOpen, 'the session closed right after ready');
    },
  },
  {
    id: 'R-2.1/subprotocol-auth',
    rules: ['R-2.1'],
    title: 'A valid JWT offered as bearer.<jwt> subprotocol opens a session',
    requires: [],
    async run(context) {
      const connection = await context.session({ auth: 'subprotocol' });
      expectTrue(connection.isOpen, 'the session closed right after ready');
    },
  },
  {
    id: 'R-2.1/bearer-subprotocol-not-echoed',
    rules: ['R-2.1', 'R-1.1'],
    title: 'With bearer.<jwt> offered, the server selects aep.v1 and never echoes the token',
    requires: [],
    async run(context) {
      const connection = await context.session({ auth: 'subprotocol' });
      expectTrue(
        !connection.protocol.startsWith('bearer.'),
        'the server echoed the bearer.<jwt> subprotocol',
      );
      expectEqual(connection.protocol, SUBPROTOCOL, 'selected subprotocol');
    },
  },
  {
    id: 'R-2.1/query-token-refused',
    rules: ['R-2.1', 'R-2.2'],
    title: 'A token in the query string is not accepted (401)',
    requires: [],
    async run(context) {
      const user = context.newUser();
      const url = new URL(context.target.wsUrl);
      url.searchParams.set('token', await context.tokens.valid(user));
      await expectHandshakeRefused(
        context.connect({ user, token: null, auth: 'none', url: url.toString() }),
        401,
        'query token',
      );
    },
  },
  refusedTokenCheck('no-token-401', 'A handshake without a token is refused with 401', () => null),
  refusedTokenCheck('malformed-token-401', 'A malformed token is refused with 401', () => 'not-a.jwt'),
  refusedTokenCheck('bad-signature-401', 'A token signed with another key is refused with 401', (c, sub) =>
    c.tokens.badSignature(sub),
  ),
  refusedTokenCheck('expired-token-401', 'An expired token is refused with 401', (c, sub) =>
    c.tokens.expired(sub),
  ),
  refusedTokenCheck('alg-none-401', 'An unsigned token (alg: none) is refused with 401', (c, sub) =>
    c.tokens.algNone(sub),
  ),
  refusedTokenCheck(
    'wrong-algorithm-401',
    'A token signed with another algorithm (HS512) is refused with 401',
    (c, sub) => c.tokens.wrongAlgorithm(sub),
  ),
  refusedTokenCheck('missing-exp-401', 'A token without exp is refused with 401', (c, sub) =>
    c.tokens.withoutExp(sub),
  ),
  {
    id: 'R-2.2/sub-is-user-id',
    rules: ['R-2.2', 'R-3.1'],
    title: 'ready.user_id is the token’s sub claim',
    requires: [],
    async run(context) {
      const user = context.newUser();
      const connection = await context.connect({ user });
      const ready = await connection.ready();
      expectEqual(ready.user_id, user, 'ready.user_id');
    },
  },
  {
    id: 'R-2.3/foreign-origin-403',
    rules: ['R-2.3'],
    title: 'An Origin outside the allowlist is refused with 403 and no upgrade',
    requires: [],
    async run(context) {
      if (!context.target.allowedOrigin) {
        throw new Unsupported('no allowed Origin is known for this target (pass --allowed-origin URL)');
      }
      await expectHandshakeRefused(
        context.connect({ origin: FOREIGN_ORIGIN }),
        403,
        `Origin ${FOREIGN_ORIGIN}`,
      );
    },
  },
  {
    id: 'R-2.3/allowed-origin-accepted',
    rules: ['R-2.3'],
    title: 'An Origin on the allowlist opens a session',
    requires: [],
    async run(context) {
      const origin = context.target.allowedOrigin;
      if (!origin)
        throw new Unsupported('no allowed Origin is known for this target (pass --allowed-origin URL)');
      await context.session({ origin });
    },
  },
  {
    id: 'R-2.3/origin-matched-exactly',
    rules: ['R-2.3'],
    title:
      'An Origin that only starts like an allowed one, ends like it or has another port is refused with 403',
    requires: [],
    async run(context) {
      const allowed = context.target.allowedOrigin;
      if (!allowed)
        throw new Unsupported('no allowed Origin is known for this target (pass --allowed-origin URL)');
      // Through the Authorization header only: the bearer.<jwt> door is
      // R-2.3/foreign-origin-403-subprotocol's, and one check per door keeps a failure's cause plain.
      for (const origin of lookalikeOrigins(allowed)) {
        await expectHandshakeRefused(
          context.connect({ origin }),
          403,
          `Origin ${origin} (the allowed one is ${allowed})`,
        );
      }
    },
  },
  {
    id: 'R-2.4/expiry-closes-4401',
    rules: ['R-2.4', 'R-6.3'],
    title: 'A token expiring mid-session closes the connection with 4401 within expiry_grace_ms',
    requires: [],
    timeoutMs: 20_000,
    async run(context) {
      // exp is a whole second, so a token lives lifetimeS - 1 s at least: enough for a busy
      // machine to finish the handshake before it expires (2 s was not: the server refused it).
      const lifetimeS = 4;
      const user = context.newUser();
      const token = await context.tokens.valid(user, { expiresInS: lifetimeS });
      const expMs = Math.floor(Date.now() / 1000 + lifetimeS) * 1000;
      const connection = await context.session({ user, token });
      const grace = context.target.limits.expiry_grace_ms;
      const deadline = expMs + grace + 500 - Date.now();
      const close = await connection
        .waitForClose(Math.max(deadline, 100))
        .catch(() => fail(`the session stayed open more than ${grace} ms after the token expired`));
      expectEqual(close.code, CloseCode.tokenExpired, 'close code at token expiry');
      expectTrue(Date.now() >= expMs - 1000, 'the session was closed before its token expired');
    },
  },
  {
    id: 'R-2.4/long-lived-token-stays-open',
    rules: ['R-2.4'],
    title:
      'A token expiring in 30 days keeps its session open: no 4401 before exp (timers past 24.8 days overflow)',
    requires: [],
    async run(context) {
      // 30 days is more than 2^31 - 1 ms: a server that hands the whole wait to one setTimeout
      // (Node, browsers) sees its timer fire at once and closes the session long before exp.
      const user = context.newUser();
      const token = await context.tokens.valid(user, { expiresInS: 30 * 24 * 3600 });
      const connection = await context.session({ user, token });
      await sleep(1500);
      expectTrue(
        connection.isOpen,
        `the session of a token valid for 30 more days was closed (${connection.closeInfo?.code ?? '?'}) within 1.5 s`,
        { close: connection.closeInfo },
      );
      const pong = await connection.request({ type: 'ping' });
      expectEqual(pong.type, 'pong', 'answer to ping on the long-lived session');
    },
  },
  {
    id: 'R-2.5/no-token-in-frames',
    rules: ['R-2.5'],
    title: 'No frame of a session (events, errors) contains its token',
    requires: [],
    async run(context) {
      const user = context.newUser();
      const token = await context.tokens.valid(user);
      const connection = await context.session({ user, token, auth: 'subprotocol' });
      await connection.runToCompletion({ scenario: scenario(context, { tools: 1, fail_tool: 1 }) });
      connection.sendRaw('{"type":"user_message"');
      await connection.request({ type: 'resume', thread_id: 't_missing', after_seq: 0 });
      await connection.request({ type: 'ping' });
      for (const frame of connection.received) {
        for (const secret of secretsOf(token)) {
          if (frame.raw.includes(secret))
            fail('a server frame contains the session token', { frame_type: frame.json?.type });
        }
      }
    },
  },
  {
    id: 'R-2.5/no-token-in-refusal',
    rules: ['R-2.5', 'R-2.2'],
    title: 'The 401 answer to an expired token does not quote the token',
    requires: [],
    async run(context) {
      const user = context.newUser();
      const token = await context.tokens.expired(user);
      try {
        await context.connect({ user, token });
      } catch (error) {
        if (!(error instanceof HandshakeRejectedError)) throw error;
        for (const secret of secretsOf(token)) {
          expectTrue(!error.body.includes(secret), 'the refusal body contains the token', {
            status: error.status,
          });
        }
        return;
      }
      fail('the server accepted an expired token');
    },
  },
];

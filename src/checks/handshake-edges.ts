/**
 * The edges of the handshake that a server's token parsing gets wrong: the `Bearer` header as
 * HTTP defines it (scheme in any case, one or more spaces, nothing after the token, no other
 * scheme), and tokens that are signed and unexpired yet name no user.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type ClientTransport, tlsConnectOptions } from '../client/index.js';
import { BEARER_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from '../protocol/index.js';
import type { Check, CheckContext } from './check.js';
import { expectEqual, expectHandshakeRefused, fail } from './expect.js';

/**
 * A WebSocket upgrade with the Sec-WebSocket-Protocol header exactly as given (the `ws` client
 * rewrites it): resolves with the HTTP status and the selected subprotocol, then hangs up.
 */
function rawUpgrade(
  wsUrl: string,
  protocolHeader: string,
  signal: AbortSignal,
  transport: ClientTransport | undefined,
) {
  const url = new URL(wsUrl);
  const secure = url.protocol === 'wss:';
  url.protocol = secure ? 'https:' : 'http:';
  return new Promise<{ status: number; protocol: string | undefined }>((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(url, {
      signal,
      timeout: 5000,
      ...tlsConnectOptions(transport?.tls),
      headers: {
        ...transport?.headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Protocol': protocolHeader,
      },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      const selected = response.headers['sec-websocket-protocol'];
      resolve({ status: response.statusCode ?? 0, protocol: selected });
    });
    request.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, protocol: undefined });
    });
    request.on('timeout', () => request.destroy(new Error('no answer to the upgrade within 5000 ms')));
    request.on('error', reject);
    request.end();
  });
}

/** Opens a session with `header` as the whole Authorization header value. */
async function withAuthorization(context: CheckContext, user: string, header: (jwt: string) => string) {
  const token = await context.tokens.valid(user);
  return {
    token,
    attempt: context.connect({ user, token: null, auth: 'none', headers: { Authorization: header(token) } }),
  };
}

function acceptedHeaderCheck(slug: string, title: string, header: (jwt: string) => string): Check {
  return {
    id: `R-2.1/${slug}`,
    rules: ['R-2.1'],
    title,
    requires: [],
    async run(context) {
      const user = context.newUser();
      const { attempt } = await withAuthorization(context, user, header);
      const connection = await attempt;
      const ready = await connection.ready();
      expectEqual(ready?.type, 'ready', `first frame after "Authorization: ${header('<jwt>')}"`);
      expectEqual(ready.user_id, user, 'ready.user_id');
    },
  };
}

function refusedHeaderCheck(slug: string, title: string, header: (jwt: string) => string): Check {
  return {
    id: `R-2.2/${slug}`,
    rules: ['R-2.2', 'R-2.1'],
    title,
    requires: [],
    async run(context) {
      const { attempt } = await withAuthorization(context, context.newUser(), header);
      await expectHandshakeRefused(attempt, 401, `Authorization: ${header('<jwt>')}`);
    },
  };
}

function refusedClaimsCheck(
  slug: string,
  title: string,
  mint: (context: CheckContext) => Promise<string>,
): Check {
  return {
    id: `R-2.2/${slug}`,
    rules: ['R-2.2'],
    title,
    requires: [],
    async run(context) {
      const token = await mint(context);
      for (const auth of ['header', 'subprotocol'] as const) {
        await expectHandshakeRefused(
          context.connect({ token, auth }),
          401,
          `${title} (token in the ${auth})`,
        );
      }
    },
  };
}

export const handshakeEdgeChecks: Check[] = [
  // RFC 7235 §2.1: the auth scheme is case-insensitive.
  acceptedHeaderCheck(
    'bearer-scheme-any-case',
    'The Bearer scheme is matched in any case ("bearer <jwt>" opens a session)',
    (jwt) => `bearer ${jwt}`,
  ),
  // RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token.
  acceptedHeaderCheck(
    'bearer-several-spaces',
    'Several spaces between Bearer and the token open a session',
    (jwt) => `Bearer   ${jwt}`,
  ),
  refusedHeaderCheck(
    'bearer-trailing-text-401',
    'An Authorization header with text after the token is refused with 401',
    (jwt) => `Bearer ${jwt} extra`,
  ),
  refusedHeaderCheck(
    'other-scheme-401',
    'A valid JWT under another scheme than Bearer ("XBearer <jwt>") is refused with 401',
    (jwt) => `XBearer ${jwt}`,
  ),
  {
    id: 'R-2.1/subprotocol-list-with-spaces',
    rules: ['R-2.1', 'R-1.1'],
    title: 'Subprotocols listed as browsers send them ("aep.v1, bearer.<jwt>") open a session',
    requires: [],
    async run(context) {
      const token = await context.tokens.valid(context.newUser());
      // RFC 6455 §4.1: a comma-separated list, where browsers put a space after each comma.
      const header = `${SUBPROTOCOL}, ${BEARER_SUBPROTOCOL_PREFIX}${token}`;
      const answer = await rawUpgrade(
        context.target.wsUrl,
        header,
        context.signal,
        context.target.transport,
      ).catch((error: Error) =>
        fail(
          `the upgrade with "Sec-WebSocket-Protocol: ${SUBPROTOCOL}, bearer.<jwt>" failed: ${error.message}`,
        ),
      );
      expectEqual(answer.status, 101, `HTTP status of the upgrade offering "${SUBPROTOCOL}, bearer.<jwt>"`);
      expectEqual(answer.protocol, SUBPROTOCOL, 'selected subprotocol');
    },
  },
  {
    id: 'R-2.1/bearer-offered-alone-not-echoed',
    rules: ['R-2.1', 'R-2.5'],
    title:
      'A client offering only bearer.<jwt> (no aep.v1) never gets that entry, or anything it did not offer, selected back',
    requires: [],
    async run(context) {
      const token = await context.tokens.valid(context.newUser());
      const answer = await rawUpgrade(
        context.target.wsUrl,
        `${BEARER_SUBPROTOCOL_PREFIX}${token}`,
        context.signal,
        context.target.transport,
      ).catch((error: Error) =>
        fail(`the upgrade with "Sec-WebSocket-Protocol: bearer.<jwt>" failed: ${error.message}`),
      );
      // Refusing the upgrade, or opening it with no subprotocol, are both fine; selecting one is not.
      if (answer.status !== 101 || answer.protocol === undefined) return;
      fail(
        answer.protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX)
          ? 'the server selected the bearer.<jwt> entry, echoing the token back (R-2.1): select aep.v1 only, and none when it is not offered'
          : `the server selected "${answer.protocol}", which the client did not offer (RFC 6455 §4.2.2): select aep.v1 only, and none when it is not offered`,
      );
    },
  },
  refusedClaimsCheck(
    'missing-sub-401',
    'A signed, unexpired token without sub is refused with 401',
    (context) => context.tokens.withoutSub(),
  ),
  refusedClaimsCheck(
    'non-string-sub-401',
    'A signed, unexpired token whose sub is a number is refused with 401',
    (context) => context.tokens.numericSub(),
  ),
  refusedClaimsCheck(
    'empty-sub-401',
    'A signed, unexpired token whose sub is "" is refused with 401',
    (context) => context.tokens.emptySub(),
  ),
];

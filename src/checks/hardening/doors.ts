/**
 * Pattern 1, one door tried where AEP/1 allows several: lets a token in through the
 * Authorization header or the `bearer.<jwt>` subprotocol, and a server has a code path for each.
 * Every refusal of and the Origin check of must hold on both.
 */
import type { Check, CheckContext } from '../check.js';
import { Unsupported } from '../check.js';
import { expectHandshakeRefused } from '../expect.js';

const FOREIGN_ORIGIN = 'https://attacker.agentwire.invalid';

type Refusal = [what: string, token: (context: CheckContext, sub: string) => Promise<string> | string];

const REFUSALS: readonly Refusal[] = [
  ['a malformed token', () => 'not-a.jwt'],
  ['a token signed with another key', (c, sub) => c.tokens.badSignature(sub)],
  ['an expired token', (c, sub) => c.tokens.expired(sub)],
  ['an unsigned token (alg: none)', (c, sub) => c.tokens.algNone(sub)],
  ['a token signed with another algorithm (HS512)', (c, sub) => c.tokens.wrongAlgorithm(sub)],
  ['a token without exp', (c, sub) => c.tokens.withoutExp(sub)],
];

export const doorChecks: Check[] = [
  {
    id: 'R-2.2/refusals-via-subprotocol',
    rules: ['R-2.2', 'R-2.1'],
    title: 'Every token R-2.2 refuses is refused with 401 when offered as bearer.<jwt> too',
    requires: [],
    async run(context) {
      for (const [what, makeToken] of REFUSALS) {
        const user = context.newUser();
        const token = await makeToken(context, user);
        await expectHandshakeRefused(
          context.connect({ user, token, auth: 'subprotocol' }),
          401,
          `${what} offered as the bearer.<jwt> subprotocol`,
        );
      }
    },
  },
  {
    id: 'R-2.3/foreign-origin-403-subprotocol',
    rules: ['R-2.3', 'R-2.1'],
    title: 'A foreign Origin is refused with 403 when the token comes as bearer.<jwt> (the browser way)',
    requires: [],
    async run(context) {
      if (!context.target.allowedOrigin)
        throw new Unsupported('no allowed Origin is known for this target (pass --allowed-origin URL)');
      await expectHandshakeRefused(
        context.connect({ origin: FOREIGN_ORIGIN, auth: 'subprotocol' }),
        403,
        `Origin ${FOREIGN_ORIGIN} with a bearer.<jwt> token`,
      );
      await context.session({ origin: context.target.allowedOrigin, auth: 'subprotocol' });
    },
  },
];

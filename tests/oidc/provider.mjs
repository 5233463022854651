// A real OpenID Connect provider (node-oidc-provider, OpenID certified) for the sign-in tests.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG.json: {"port": N, "clients": [...client metadata...],
//               "accounts": {"<login>": {claims…}}, "ttl": {"IdToken": seconds},
//               "clockOffsetSeconds": N}
// clockOffsetSeconds runs the provider's clock that far off ours (negative: behind), so
// that it issues tokens that are already expired when they arrive.
// The provider's own development login and consent pages are used: any password signs in
// the account named by the login field. It prints "ready <issuer>" once it listens.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (config.clockOffsetSeconds) {
  const realNow = Date.now;
  Date.now = () => realNow() + config.clockOffsetSeconds * 1000;
}
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts || {};

const provider = new Provider(issuer, {
  clients: config.clients,
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  conformIdTokenClaims: false,  // put the claims in the ID token, as Entra ID does
  ttl: { IdToken: 3600, ...(config.ttl || {}) },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['mrp-test-cookie-key'] },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

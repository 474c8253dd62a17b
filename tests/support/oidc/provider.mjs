// A real OpenID Connect provider on loopback for the single sign-on tests: oidc-provider (certified), with a
// login page of its own, a few people in groups, the groups claim, PKCE required and one client for the service.
//
// Environment: OIDC_PORT (where it listens), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI (the service's
// callback) and OIDC_POST_LOGOUT_REDIRECT_URI (where the service wants people back after signing out here).
// It prints "listening" once it answers.
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const PASSWORD = 'provider-password';

// Each person the provider knows. `disabled` is an account switched off here: its sign-in fails at this provider.
// `quickCodes` makes the codes issued for that person expire after a second, so a test can let one lapse.
const people = {
  ada: { name: 'Ada Lovelace', email: 'ada@council.example', groups: ['benefits-finance', 'all-staff'] },
  brook: { name: 'Brook Taylor', email: 'brook@council.example', groups: ['facilities', 'all-staff'] },
  quinn: { name: 'Quinn Hale', email: 'quinn@council.example', groups: ['benefits-board'], quickCodes: true },
  dana: { name: 'Dana Scully', email: 'dana@council.example', groups: ['benefits-finance'], disabled: true },
};

const configuration = {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [process.env.OIDC_REDIRECT_URI],
    post_logout_redirect_uris: [process.env.OIDC_POST_LOGOUT_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // A confidential client too must send a PKCE challenge: a code without its verifier is refused.
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  // The claims go in the ID token itself, as Entra ID and Keycloak (with "Add to ID token") put them.
  conformIdTokenClaims: false,
  cookies: { keys: ['a key for the test provider only'] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  ttl: {
    AuthorizationCode: (ctx, code) => (people[code.accountId]?.quickCodes ? 4 : 60),
    Session: 3600,
    Interaction: 600,
    Grant: 3600,
    AccessToken: 600,
    IdToken: 600,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person || person.disabled) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: person.name, email: person.email, email_verified: true, groups: person.groups };
      },
    };
  },
  // Consent is the organisation's, given once for its own service: every sign-in carries the scopes asked for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, message) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Council sign-in</title></head>
<body><main><h1>Council sign-in</h1>${message ? `<p role="alert" id="problem">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Continue</button></form></main></body></html>`;
}

async function formOf(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(loginPage(details.uid));
    return;
  }
  const form = await formOf(req);
  const username = form.get('username') || '';
  const person = people[username];
  let problem = null;
  if (!person || form.get('password') !== PASSWORD) problem = 'Wrong username or password.';
  else if (person.disabled) problem = 'This account is disabled. Ask the service desk.';
  if (problem) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(loginPage(details.uid, problem));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`interaction failed: ${error.message}`);
    });
    return;
  }
  callback(req, res);
}).listen(port, '127.0.0.1', () => {
  console.log('listening');
});

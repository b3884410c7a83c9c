// A real OpenID provider (panva/oidc-provider) with the Swedish eID profile, for the test
// suite and the embedded demo. It is a TEST identity provider: anyone can sign in as any
// personnummer by typing it. Never expose it beyond the loopback interface.
//
//   node tests/idp/server.js --port 9100 \
//        --client portal:secret:http://127.0.0.1:8000/accounts/oidc/eid/login/callback/,http://127.0.0.1:8000/eid/bekrafta/svar/
//
// Options: --port N (0 = any free port), --host 127.0.0.1, --client id:secret:uri[,uri...]
// (repeatable), --staff-client id:secret:uri[,uri...] (repeatable: an agency's staff sign-in,
// see below), --jwks FILE (private JWKS to sign with; default: a fresh RSA key).
// It prints one line "READY <issuer>" on stdout once it listens.
//
// Swedish profile (https://www.oidc.se/): scope https://id.oidc.se/scope/naturalPersonNumber
// gives the claim https://id.oidc.se/claim/personalIdentityNumber (12 digits, no hyphen);
// acr is a Swedish LoA URI; prompt=login and max_age=0 force a fresh authentication.
//
// Staff clients (an agency's own IdP for its staff): the login form asks for a user name
// instead; scope `profile` gives the stable claim `hsa_id` (STAFF_HSA_PREFIX + user name)
// and the names, acr is LoA 3 with amr smartcard unless LoA 2 (amr pwd) is chosen.

import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const SCOPE_PNR = 'https://id.oidc.se/scope/naturalPersonNumber';
const CLAIM_PNR = 'https://id.oidc.se/claim/personalIdentityNumber';
const LOA3 = 'http://id.elegnamnden.se/loa/1.0/loa3';
const LOA2 = 'http://id.elegnamnden.se/loa/1.0/loa2';

// The demo people (portal/demo.py, cases/demo.py). Any other valid 12-digit number works too.
const PEOPLE = {
  198406054422: ['Lena', 'Andersson'],
  198109215510: ['Mikael', 'Andersson'],
  199002146687: ['Fatima', 'Hassan'],
  201403122383: ['Elsa', 'Andersson'],
  201906013352: ['Noah', 'Hassan'],
  201709104127: ['Liam', 'Berg'],
  201105053316: ['Maja', 'Lind'],
};

// Staff of the demo agencies; any other user name (letters, digits, . and -) works too.
const STAFF_HSA_PREFIX = 'SE2321000016-';
const STAFF = {
  rektor: ['Anna', 'Berg'],
  mentor: ['Erik', 'Holm'],
};
const STAFF_ID = /^[a-z0-9][a-z0-9.-]{0,62}$/;

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    client: { type: 'string', multiple: true, default: [] },
    'staff-client': { type: 'string', multiple: true, default: [] },
    jwks: { type: 'string' },
  },
});

function luhnOk(tenDigits) {
  let sum = 0;
  for (let i = 0; i < tenDigits.length; i += 1) {
    let d = Number(tenDigits[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

function normalisePnr(raw) {
  const digits = String(raw || '').replace(/[^0-9]/g, '');
  return digits.length === 12 && luhnOk(digits.slice(2)) ? digits : null;
}

function signingKeys() {
  if (args.jwks) return JSON.parse(readFileSync(args.jwks, 'utf8'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-idp', use: 'sig', alg: 'RS256' }] };
}

function clientFrom(spec) {
  const [clientId, secret, ...rest] = spec.split(':');
  const uris = rest.join(':').split(',').filter(Boolean);
  return {
    client_id: clientId,
    client_secret: secret,
    redirect_uris: uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  };
}

const clients = [...args.client, ...args['staff-client']].map(clientFrom);
const staffClients = new Set(args['staff-client'].map((spec) => spec.split(':')[0]));

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

async function main() {
  const server = http.createServer();
  await new Promise((resolve) => { server.listen(Number(args.port), args.host, resolve); });
  const issuer = `http://${args.host}:${server.address().port}`;

  const provider = new Provider(issuer, {
    clients,
    jwks: signingKeys(),
    cookies: { keys: [`test-idp-${Date.now()}-${Math.random()}`] },
    scopes: ['openid', SCOPE_PNR, 'profile'],
    claims: {
      openid: ['sub'],
      // Like most staff IdPs, always say how the person signed in (the eID clients ask with
      // acr_values instead and never request `profile`).
      profile: ['hsa_id', 'name', 'given_name', 'family_name', 'acr', 'amr', 'auth_time'],
      [SCOPE_PNR]: [CLAIM_PNR, 'name', 'given_name', 'family_name', 'birthdate', 'email', 'email_verified'],
      acr: null,
      amr: null,
      auth_time: null,
    },
    acrValues: [LOA3, LOA2],
    // The Swedish profile puts the identity claims in the ID token itself.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { Session: 600, Interaction: 600, AuthorizationCode: 60, AccessToken: 300, IdToken: 300, Grant: 600 },
    async findAccount(ctx, id) {
      if (id.startsWith('staff:')) {
        const username = id.slice('staff:'.length);
        const [given, family] = STAFF[username] || ['Test', 'Personal'];
        return {
          accountId: id,
          async claims() {
            return { sub: id, hsa_id: `${STAFF_HSA_PREFIX}${username}`, given_name: given, family_name: family, name: `${given} ${family}` };
          },
        };
      }
      const [given, family] = PEOPLE[id] || ['Test', 'Person'];
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            [CLAIM_PNR]: id,
            given_name: given,
            family_name: family,
            name: `${given} ${family}`,
            birthdate: `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}`,
            // Some brokers pass a verified e-mail: the portal must never link by it.
            email: `${id}@idp.test`,
            email_verified: true,
          };
        },
      };
    },
    // A first-party test IdP: the user is never asked to approve the portal.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      if (staffClients.has(ctx.oidc.client.clientId)) {
        grant.addOIDCScope('openid profile');
        grant.addOIDCClaims(['hsa_id', 'name', 'given_name', 'family_name', 'acr', 'amr', 'auth_time']);
      } else {
        grant.addOIDCScope(`openid ${SCOPE_PNR}`);
        grant.addOIDCClaims([CLAIM_PNR, 'name', 'given_name', 'family_name', 'birthdate', 'email', 'email_verified', 'acr', 'auth_time']);
      }
      await grant.save();
      return grant;
    },
  });

  // Redirect URIs: registered path on any loopback port (the test server picks its port).
  const allowed = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    if (allowed.call(this, value)) return true;
    try {
      const wanted = new URL(value);
      if (!['127.0.0.1', 'localhost', 'testserver'].includes(wanted.hostname)) return false;
      return this.redirectUris.some((uri) => new URL(uri).pathname === wanted.pathname);
    } catch {
      return false;
    }
  };

  const callback = provider.callback();

  function page(res, status, body, title = 'BankID (test)') {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin-top:1rem;font-weight:bold}input,select{font-size:1rem;padding:.4rem;width:100%}
button{margin-top:1rem;font-size:1rem;padding:.5rem 1rem}</style></head>
<body><main>${body}</main></body></html>`);
  }

  function readForm(req) {
    return new Promise((resolve, reject) => {
      let data = '';
      req.on('data', (chunk) => { data += chunk; if (data.length > 10000) reject(new Error('too large')); });
      req.on('end', () => resolve(new URLSearchParams(data)));
      req.on('error', reject);
    });
  }

  // An agency's staff sign-in: a user name, the level of assurance (LoA 3 by default).
  async function staffInteraction(req, res, url, details) {
    if (req.method === 'GET') {
      const staff = Object.entries(STAFF).map(([u, [g, f]]) => `<li>${g} ${f}: ${u}</li>`).join('');
      page(res, 200, `<h1>Logga in i organisationen (test)</h1>
<p>Det här är en testinloggning för personal. Skriv användarnamnet du vill logga in som.</p>
<form method="post" action="${escapeHtml(url.pathname)}">
<label for="username">Användarnamn</label>
<input id="username" name="username" autocomplete="off" required>
<label for="acr">Tillitsnivå</label>
<select id="acr" name="acr"><option value="${LOA3}">LoA 3 (SITHS-kort)</option><option value="${LOA2}">LoA 2 (lösenord)</option></select>
<button type="submit" name="action" value="login">Logga in</button>
<button type="submit" name="action" value="cancel">Avbryt</button>
</form>
<p>Begärd nivå: ${escapeHtml(details.params.acr_values || '') || '–'}</p>
<h2>Testpersonal</h2><ul>${staff}</ul>`, 'Organisationens inloggning (test)');
      return;
    }
    if (req.method !== 'POST') { page(res, 405, '<p>Method not allowed</p>'); return; }
    const form = await readForm(req);
    if (form.get('action') === 'cancel') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'cancelled' }, { mergeWithLastSubmission: false });
      return;
    }
    const username = String(form.get('username') || '').trim().toLowerCase();
    if (!STAFF_ID.test(username)) { page(res, 400, '<h1>Fel användarnamn</h1><p>Använd bokstäver a–z, siffror, punkt och bindestreck.</p>'); return; }
    const acr = form.get('acr') === LOA2 ? LOA2 : LOA3;
    await provider.interactionFinished(req, res, {
      login: { accountId: `staff:${username}`, acr, amr: [acr === LOA3 ? 'smartcard' : 'pwd'], ts: Math.floor(Date.now() / 1000), remember: false },
    }, { mergeWithLastSubmission: false });
  }

  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    const match = url.pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)$/);
    if (!match) { callback(req, res); return; }
    try {
      const details = await provider.interactionDetails(req, res);
      if (staffClients.has(details.params.client_id)) {
        await staffInteraction(req, res, url, details);
        return;
      }
      if (req.method === 'GET') {
        const people = Object.entries(PEOPLE).map(([n, [g, f]]) => `<li>${g} ${f}: ${n}</li>`).join('');
        const wanted = details.params.acr_values || '';
        page(res, 200, `<h1>Logga in med BankID (test)</h1>
<p>Det här är en testinloggning. Skriv personnumret du vill logga in som.</p>
<form method="post" action="${escapeHtml(url.pathname)}">
<label for="pnr">Personnummer (12 siffror)</label>
<input id="pnr" name="pnr" autocomplete="off" inputmode="numeric" required>
<label for="acr">Tillitsnivå</label>
<select id="acr" name="acr"><option value="${LOA3}">LoA 3 (BankID)</option><option value="${LOA2}">LoA 2</option></select>
<label for="age">Autentiseringstid, sekunder sedan (för test)</label>
<input id="age" name="age" value="0" inputmode="numeric">
<button type="submit" name="action" value="login">Logga in</button>
<button type="submit" name="action" value="cancel">Avbryt</button>
</form>
<p>Begärd nivå: ${escapeHtml(wanted) || '–'}</p>
<h2>Demopersoner</h2><ul>${people}</ul>`);
        return;
      }
      if (req.method !== 'POST') { page(res, 405, '<p>Method not allowed</p>'); return; }
      const form = await readForm(req);
      if (form.get('action') === 'cancel') {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'cancelled' }, { mergeWithLastSubmission: false });
        return;
      }
      const pnr = normalisePnr(form.get('pnr'));
      if (!pnr) { page(res, 400, '<h1>Fel personnummer</h1><p>Skriv tolv siffror med rätt kontrollsiffra.</p>'); return; }
      const acr = [LOA3, LOA2].includes(form.get('acr')) ? form.get('acr') : LOA3;
      const age = Math.max(0, Number.parseInt(form.get('age') || '0', 10) || 0);
      const ts = Math.floor(Date.now() / 1000) - age;
      await provider.interactionFinished(req, res, {
        login: { accountId: pnr, acr, amr: ['bankid'], ts, remember: false },
      }, { mergeWithLastSubmission: false });
    } catch (error) {
      const status = error instanceof errors.SessionNotFound ? 400 : 500;
      page(res, status, `<h1>Fel</h1><p>${escapeHtml(error.message)}</p>`);
    }
  });

  process.stdout.write(`READY ${issuer}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});

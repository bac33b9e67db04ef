import { createHash, generateKeyPairSync } from 'node:crypto';
import { generateKeySecret } from '../../services/gateway/src/auth/keys';
import { seededRandom } from './random';

/**
 * The guardrail corpus: for each built-in detector, texts that hold one thing it must find (with the
 * exact span) and near misses it must not; and false-positive traps no detector may fire on. Every
 * secret is generated here at test time from parts (prefixes are split so that the source holds no
 * string a secret scanner would take for a real key).
 */

export interface Positive {
  detector: string;
  /** The text, and the secret inside it (found by indexOf). */
  text: string;
  secret: string;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64URL = `${ALNUM}-_`;

export function corpusRandom(seed = 7) {
  const rand = seededRandom(seed);
  const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
  return { rand, pick };
}

function luhnDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) {
    const s = partial + d;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
      let v = +s[s.length - 1 - i];
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return String(d);
  }
  throw new Error('unreachable');
}

function iban(country: string, bban: string): string {
  const moved = `${bban}${country}00`;
  const digits = [...moved].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join('');
  const check = 98 - Number(BigInt(digits) % 97n);
  return `${country}${String(check).padStart(2, '0')}${bban}`;
}

const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** Positives per detector, each embedded in surrounding text the way it shows up in a prompt. */
export function positives(seed = 7): Positive[] {
  const { pick } = corpusRandom(seed);
  const out: Positive[] = [];
  const add = (detector: string, secret: string, wrap: (s: string) => string) => out.push({ detector, secret, text: wrap(secret) });
  // PII
  add('email', `${pick(LOWER, 6)}.${pick(LOWER, 5)}@${pick(LOWER, 7)}.com`, (s) => `Contact ${s} for access.`);
  add('email', `ops+alerts@${pick(LOWER, 5)}.co.uk`, (s) => `"to": "${s}"`);
  add('phone', `+1${pick('23456789', 1)}${pick(DIGITS, 9)}`, (s) => `call me at ${s} tomorrow`);
  add('phone', `+44 20 ${pick(DIGITS, 4)} ${pick(DIGITS, 4)}`, (s) => `Phone: ${s}`);
  add('phone', `(415) ${pick('23456789', 1)}${pick(DIGITS, 2)}-${pick(DIGITS, 4)}`, (s) => `office ${s}.`);
  add('phone', `212-${pick('23456789', 1)}${pick(DIGITS, 2)}-${pick(DIGITS, 4)}`, (s) => `fax ${s}`);
  add('phone', `020 ${pick(DIGITS, 4)} ${pick(DIGITS, 4)}`, (s) => `ring ${s} now`);
  for (const prefix of ['4', '51', '37', '6011']) {
    const len = prefix === '37' ? 15 : 16;
    const body = prefix + pick(DIGITS, len - prefix.length - 1);
    const card = body + luhnDigit(body);
    add('credit_card', card, (s) => `card ${s} exp 12/29`);
  }
  {
    const body = `4${pick(DIGITS, 14)}`;
    const card = (body + luhnDigit(body)).replace(/(\d{4})(?=\d)/g, '$1 ');
    add('credit_card', card, (s) => `paid with ${s}.`);
  }
  add(
    'us_ssn',
    `${pick('12345678', 1)}${pick(DIGITS, 2)}-${pick('123456789', 1)}${pick(DIGITS, 1)}-${pick('123456789', 1)}${pick(DIGITS, 3)}`,
    (s) => `SSN: ${s}`,
  );
  add('iban', iban('DE', pick(DIGITS, 18)), (s) => `IBAN ${s} (Berlin)`);
  add('iban', iban('GB', `${pick(UPPER, 4)}${pick(DIGITS, 14)}`), (s) => `pay to ${s}`);
  {
    const fr = iban('FR', pick(DIGITS, 23));
    add('iban', fr.replace(/(.{4})(?=.)/g, '$1 '), (s) => `compte: ${s}`);
  }
  add('ip_address', `10.${pick('123456789', 2)}.17.${pick('123456789', 1)}`, (s) => `ssh admin@host (${s}) failed`);
  add('ip_address', '2001:db8:85a3::8a2e:370:7334', (s) => `listening on [${s}]:443`);
  // Secrets
  add('aws_access_key_id', `${'AK'}${'IA'}${pick(UPPER + DIGITS, 16)}`, (s) => `aws_access_key_id = ${s}`);
  add('aws_access_key_id', `${'AS'}${'IA'}${pick(UPPER + DIGITS, 16)}`, (s) => `export AWS_ACCESS_KEY_ID="${s}"`);
  add('aws_secret_access_key', pick(`${ALNUM}/+`, 40), (s) => `aws_secret_access_key = ${s}`);
  add(
    'gcp_service_account',
    createHash('sha1').update(pick(ALNUM, 20)).digest('hex'),
    (s) => `{"type": "service_account", "private_key_id": "${s}", "client_email": "x"}`,
  );
  add('gcp_api_key', `${'AI'}${'za'}${pick(`${ALNUM}-_`, 35)}`, (s) => `const key = '${s}';`);
  add('github_token', `${'gh'}p_${pick(ALNUM, 36)}`, (s) => `GH auth: ${s}`);
  add('github_token', `${'github'}_pat_${pick(`${ALNUM}_`, 82)}`, (s) => `token=${s}`);
  add('gitlab_token', `${'gl'}pat-${pick(`${ALNUM}_-`, 20)}`, (s) => `PRIVATE-TOKEN: ${s}`);
  add('slack_token', `${'xo'}xb-${pick(DIGITS, 12)}-${pick(DIGITS, 12)}-${pick(ALNUM, 24)}`, (s) => `SLACK=${s}`);
  add(
    'slack_token',
    `https://hooks.${'slack'}.com/services/T${pick(UPPER + DIGITS, 8)}/B${pick(UPPER + DIGITS, 8)}/${pick(ALNUM, 24)}`,
    (s) => `webhook: ${s}`,
  );
  add('stripe_key', `${'sk'}_${'live'}_${pick(ALNUM, 24)}`, (s) => `Stripe.apiKey = "${s}"`);
  add('anthropic_key', `${'sk-'}${'ant-'}api03-${pick(B64URL, 93)}AA`, (s) => `ANTHROPIC_API_KEY=${s}`);
  add('openai_key', `${'sk-'}proj-${pick(B64URL, 120)}`, (s) => `OPENAI_API_KEY=${s}`);
  add('openai_key', `${'sk-'}${pick(ALNUM, 20)}${'T3Blbk'}FJ${pick(ALNUM, 20)}`, (s) => `openai.api_key = '${s}'`);
  add('gatehouse_key', generateKeySecret(), (s) => `"ANTHROPIC_AUTH_TOKEN": "${s}"`);
  {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
    add('private_key', pem, (s) => `$ cat key.pem\n${s}\n$ `);
    // As it sits inside a service-account JSON file: newlines escaped.
    const escaped = pem.replace(/\n/g, '\\n');
    add('private_key', escaped, (s) => `{"private_key": "${s}\\n", "client_email": "sa@p.iam.gserviceaccount.com"}`);
  }
  {
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(JSON.stringify({ sub: pick(DIGITS, 10), name: 'x', iat: 1_700_000_000 }));
    add('jwt', `${header}.${payload}.${pick(B64URL, 43)}`, (s) => `Authorization: Bearer ${s}`);
  }
  add('secret_assignment', `${pick(ALNUM, 12)}${pick(DIGITS, 2)}${pick(ALNUM, 14)}`, (s) => `DATABASE_PASSWORD=${s}`);
  add('secret_assignment', `${pick(ALNUM, 30)}9`, (s) => `  "client_secret": "${s}",`);
  add('secret_assignment', `${pick(ALNUM, 20)}7x`, (s) => `api_key: '${s}'`);
  return out;
}

/** Near misses per detector: the detector named must not fire on them. */
export function negatives(seed = 7): Array<{ detector: string; text: string }> {
  const { pick } = corpusRandom(seed);
  return [
    { detector: 'email', text: 'import pkg from "@scope/pkg"; see user@localhost' },
    { detector: 'phone', text: 'version 1.2.3-4567 built at 2026-12-03 10:15:00, port 8080' },
    { detector: 'credit_card', text: `order 4${pick(DIGITS, 14)}${'0'} and timestamp 1733220000000` },
    { detector: 'credit_card', text: 'the digits 4111 1111 1111 1112 fail Luhn' },
    { detector: 'us_ssn', text: 'ids 000-12-3456 and 666-12-3456 and 123-00-4567 are invalid' },
    { detector: 'iban', text: 'DE00123456789012345678 has a wrong checksum; XX12ABCD1234 is too short' },
    { detector: 'ip_address', text: 'timestamps 10:30:00 and 999.1.1.1 and C++ std::vector<int>' },
    { detector: 'aws_access_key_id', text: `the id ${'AK'}${'IA'}SHORT and ${'AK'}IA${pick(UPPER, 16)}${pick(UPPER, 4)} inside a longer token` },
    { detector: 'aws_secret_access_key', text: `secret_access_key = ${'x'.repeat(40)}` },
    { detector: 'gcp_api_key', text: `${'AI'}za-too-short-value` },
    { detector: 'github_token', text: 'ghp_ is the prefix of a GitHub token' },
    { detector: 'stripe_key', text: `pk_live_${pick(ALNUM, 24)} is a publishable key` },
    { detector: 'anthropic_key', text: 'set ANTHROPIC_API_KEY=sk-ant-... (placeholder)' },
    { detector: 'openai_key', text: 'sk-proj-short and the task sk-123' },
    { detector: 'gatehouse_key', text: 'keys start with gth_ and are 53 characters' },
    { detector: 'private_key', text: '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----' },
    { detector: 'jwt', text: 'a JWT starts with eyJ and has three parts' },
    {
      detector: 'secret_assignment',
      text: 'password = os.environ["DB_PASSWORD"]; token: config.auth.sessionToken; API_KEY=${API_KEY}; secret: "changeme"; token="short"',
    },
  ];
}

/** False-positive traps: no built-in detector may fire on any of them. */
export function traps(seed = 11): Array<{ name: string; text: string }> {
  const { pick, rand } = corpusRandom(seed);
  const hex = (n: number) => pick('0123456789abcdef', n);
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const png = Buffer.from(Array.from({ length: 3000 }, () => Math.floor(rand() * 256))).toString('base64');
  const integrity = () => `sha512-${Buffer.from(Array.from({ length: 64 }, () => Math.floor(rand() * 256))).toString('base64')}`;
  return [
    { name: 'UUIDs', text: Array.from({ length: 50 }, () => `request ${uuid()} session_id=${uuid()}`).join('\n') },
    { name: 'git SHAs', text: Array.from({ length: 50 }, () => `commit ${hex(40)}\nMerge: ${hex(7)} ${hex(7)}\nparent ${hex(40)}`).join('\n') },
    { name: 'base64 image', text: `data:image/png;base64,${png}` },
    { name: 'base64 blob in a file', text: png.match(/.{1,76}/g)!.join('\n') },
    {
      name: 'lockfile integrity hashes',
      text: Array.from(
        { length: 30 },
        (_, i) =>
          `"node_modules/pkg-${i}": { "version": "1.${i}.0", "resolved": "https://registry.npmjs.org/pkg-${i}/-/pkg-${i}-1.${i}.0.tgz", "integrity": "${integrity()}" }`,
      ).join(',\n'),
    },
    {
      name: 'test fixtures',
      text: [
        "const user = { id: 'usr_123', name: 'Test User', token: 'test-token', password: 'hunter2' };",
        "expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');",
        'fixtures/session-6d09f3e0.json: {"created_at": "2026-12-03T10:15:00.000Z", "count": 1234567890123}',
        `const apiKeyHeader = 'x-api-key'; const tokenCount = 4096; process.env.SECRET_NAME;`,
      ].join('\n'),
    },
    {
      name: 'minified code',
      text:
        '!function(e,t){"object"==typeof exports?module.exports=t():e.x=t()}(this,function(){var e={token:function(t){return t.split(".")},' +
        'secret:null,password:void 0};return e.v="3.12.4",e.h=0x5f3759df,e.k=[1779033703,3144134277,1013904242,2773480762],e});' +
        `var a=${Array.from({ length: 20 }, () => Math.floor(rand() * 1e9)).join(',')};`,
    },
    {
      name: 'source with hashes and versions',
      text: `go.sum: golang.org/x/net v0.21.0 h1:${Buffer.from(hex(32), 'hex').toString('base64')}=\nimage: gcr.io/proj/app@sha256:${hex(64)}\nversion: 10.2.0.1-beta`,
    },
  ];
}

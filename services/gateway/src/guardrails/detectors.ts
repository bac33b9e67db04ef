import { isIPv6 } from 'node:net';
import { entropy, ibanValid, luhnValid } from './checksums';

/** Where one detector matched, in UTF-16 offsets of the text it scanned; never the text itself. */
export interface Finding {
  detector: string;
  start: number;
  end: number;
}

/** Finds what it detects in a text; appends to `out`. */
export interface Detector {
  readonly id: string;
  find(text: string, out: Finding[]): void;
}

interface RegexSpec {
  /** Global, sticky-free; the whole match is the finding unless `group` names the part to redact. */
  regex: RegExp;
  /** Literals one of which every match contains: a text holding none is skipped without running the regex. */
  hints?: string[];
  /** The same, as a cheap regex. */
  gate?: RegExp;
  /** Checks a candidate (checksum, entropy); the finding is dropped when false. */
  valid?: (match: string, full: RegExpExecArray) => boolean;
  group?: number;
}

function regexDetector(id: string, spec: RegexSpec): Detector {
  const { regex, hints, gate, valid, group } = spec;
  return {
    id,
    find(text, out) {
      if (hints && !hints.some((h) => text.includes(h))) return;
      if (gate && !gate.test(text)) return;
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m; m = regex.exec(text)) {
        const part = group === undefined ? m[0] : m[group];
        if (part === undefined || (valid && !valid(part, m))) continue;
        const start = group === undefined ? m.index : m.index + m[0].lastIndexOf(part);
        out.push({ detector: id, start, end: start + part.length });
      }
    },
  };
}

// The boundaries are lookarounds so that a token inside a longer one (a key id inside base64, digits
// inside a hash) does not match.
const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5))/;
// Bounded repeats: an unbounded name would make each long token (a base64 blob) cost its length squared.
const SECRET_WORD = 'secret|token|passw(?:or)?d|passwd|pwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|credential';
const SECRET_NAME = `[A-Za-z0-9_.-]{0,40}(?:${SECRET_WORD})[A-Za-z0-9_.-]{0,40}`;
/** Values that name a secret instead of holding one: env lookups, templates, placeholders, dotted paths. */
const NOT_A_VALUE =
  /^(?:\$|<|%|\{|process\.|os\.|env\.|ENV\[|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$|(?:x+|\*+|changeme|example\w*|placeholder\w*|your[\w-]*|redacted\w*)$)/i;

/** A high-entropy value assigned to a secret-looking name: at least 16 characters, letters and digits, ≥ 3.5 bits each. */
function secretValue(v: string): boolean {
  return v.length >= 16 && /\d/.test(v) && /[A-Za-z]/.test(v) && !NOT_A_VALUE.test(v) && entropy(v) >= 3.5;
}

function ipv6(candidate: string): boolean {
  return candidate.split(':').filter(Boolean).length >= 3 && isIPv6(candidate);
}

/** Built-in detectors, by id, with the group each belongs to. */
export const BUILT_IN: Record<string, { group: 'pii' | 'secrets'; detector: Detector; description: string }> = {};

function add(group: 'pii' | 'secrets', id: string, description: string, spec: RegexSpec): void {
  BUILT_IN[id] = { group, description, detector: regexDetector(id, spec) };
}

add('pii', 'email', 'e-mail addresses', {
  regex: /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g,
  hints: ['@'],
});
add('pii', 'phone', 'phone numbers: E.164 (+15551234567, +44 20 7946 0958) and US/UK national formats', {
  regex:
    /(?<![\w+.-])(?:\+[1-9]\d{7,14}|\+[1-9]\d{0,2}(?:[ -]\(?\d{1,4}\)?){2,5}|\(\d{3}\) ?\d{3}[ -]\d{4}|\d{3}-\d{3}-\d{4}|0\d{2,4} \d{3,4} \d{3,4})(?![\w-]|\.\d)/g,
  valid: (m) => {
    const digits = m.replace(/\D/g, '').length;
    return digits >= 9 && digits <= 15;
  },
});
add('pii', 'credit_card', 'payment card numbers (Luhn-checked, with a card network prefix)', {
  regex: /(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w-]|\.\d)/g,
  valid: (m) => {
    const digits = m.replace(/\D/g, '');
    return CARD_PREFIX.test(digits) && luhnValid(digits) && /^(?:\d+|\d{4}(?:([ -])\d{4})(?:\1\d{1,4}){1,3})$/.test(m);
  },
});
add('pii', 'us_ssn', 'US social security numbers (123-45-6789)', {
  regex: /(?<![\w.-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g,
});
add('pii', 'iban', 'IBANs (length per country and mod-97 checksum)', {
  regex: /(?<![A-Za-z0-9+/])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9+/])/g,
  valid: ibanValid,
});
add('pii', 'ip_address', 'IPv4 and IPv6 addresses', {
  regex:
    /(?<![\w.:])(?:(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w-]|\.\d)|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w:])/g,
  valid: (m) => m.includes('.') || ipv6(m),
});

add('secrets', 'aws_access_key_id', 'AWS access key ids (AKIA…, ASIA…)', {
  regex: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  hints: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'APKA'],
});
add('secrets', 'aws_secret_access_key', 'AWS secret access keys assigned to an AWS-looking name', {
  regex: /(?:aws_?secret_?(?:access_?)?key|secret_?access_?key|SecretAccessKey)["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
  group: 1,
  valid: (v) => entropy(v) >= 4,
});
add('secrets', 'gcp_service_account', 'Google Cloud service-account key ids ("private_key_id" in a key file)', {
  regex: /private_key_id\\?["']?\s*:\s*\\?["']?([0-9a-f]{40})(?![0-9a-f])/g,
  hints: ['private_key_id'],
  group: 1,
});
add('secrets', 'gcp_api_key', 'Google Cloud API keys (AIza…)', {
  regex: /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g,
  hints: ['AIza'],
});
add('secrets', 'github_token', 'GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)', {
  regex: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/g,
  hints: ['gh', 'github_pat_'],
});
add('secrets', 'gitlab_token', 'GitLab tokens (glpat-, gldt-, glrt-, …)', {
  regex: /(?<![\w-])gl(?:pat|dt|rt|ptt|ft|cbt|imt|oas|soat)-[A-Za-z0-9_-]{20,255}(?![\w-])/g,
  hints: ['gl'],
});
add('secrets', 'slack_token', 'Slack tokens (xoxb-, xoxp-, …) and incoming-webhook URLs', {
  regex: /(?<![\w-])(?:xox[abposre]-[A-Za-z0-9-]{10,255}|https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,64})(?![\w-])/g,
  hints: ['xox', 'hooks.slack.com'],
});
add('secrets', 'stripe_key', 'Stripe secret and restricted keys, webhook secrets', {
  regex: /(?<![\w-])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,255}|whsec_[A-Za-z0-9]{24,255})(?![\w-])/g,
  hints: ['_live_', '_test_', 'whsec_'],
});
add('secrets', 'anthropic_key', 'Anthropic API keys (sk-ant-…)', {
  regex: /(?<![\w-])sk-ant-[A-Za-z0-9_-]{32,255}(?![\w-])/g,
  hints: ['sk-ant-'],
});
add('secrets', 'openai_key', 'OpenAI API keys (sk-proj-…, sk-svcacct-…, legacy sk-…T3BlbkFJ…)', {
  regex: /(?<![\w-])sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,255}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![\w-])/g,
  hints: ['sk-'],
});
add('secrets', 'gatehouse_key', "Gatehouse's own keys (gth_…)", {
  regex: /(?<![\w-])gth_[A-Za-z0-9_]{24,80}(?![\w-])/g,
  hints: ['gth_'],
});
add('secrets', 'private_key', 'PEM private keys (RSA, EC, OpenSSH, PKCS#8; also inside JSON key files)', {
  // The body is every base64 character, whitespace or JSON-escaped newline up to the END line, or up
  // to the first other character when the key is cut short: a truncated key is a leaked key too.
  regex: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\]*(?:-----END ([A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?/g,
  hints: ['PRIVATE KEY'],
});
add('secrets', 'jwt', 'JSON Web Tokens (signed)', {
  regex: /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![\w-])/g,
  hints: ['eyJ'],
});
add('secrets', 'secret_assignment', 'high-entropy values assigned to secret-looking names (API_TOKEN=…, "password": "…")', {
  regex: new RegExp(String.raw`(?<![A-Za-z0-9_])${SECRET_NAME}\\?["']?\s*(?::=|=>|[:=])\s*(?:\\?["'\x60])?([^\s"'\x60,;\\)\]}]{16,256})`, 'gi'),
  gate: new RegExp(SECRET_WORD, 'i'),
  group: 1,
  valid: secretValue,
});

export const GROUPS = {
  pii: Object.keys(BUILT_IN).filter((id) => BUILT_IN[id].group === 'pii'),
  secrets: Object.keys(BUILT_IN).filter((id) => BUILT_IN[id].group === 'secrets'),
};

/**
 * Parsing of auth-param lists as used in WWW-Authenticate / Proxy-Authenticate challenges and
 * Authorization / Proxy-Authorization credentials (RFC 3261 §25.1, RFC 7616 §3.3, §3.4).
 * One header value may hold several challenges ("Digest a=1, b=2, Digest c=3"): a new
 * challenge starts wherever a token is followed by whitespace instead of '='.
 */

export interface AuthValue {
  /** Auth scheme as written ("Digest"). Compare case-insensitively. */
  scheme: string;
  /** Parameter names lower-cased; quoted values unquoted. */
  params: Record<string, string>;
}

const isTokenChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x61 && c <= 0x7a) ||
  "-.!%*_+`'~/".includes(String.fromCharCode(c));
const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

class Cursor {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && isWs(this.s.charCodeAt(this.i))) this.i++;
  }
  token(): string {
    const start = this.i;
    while (this.i < this.s.length && isTokenChar(this.s.charCodeAt(this.i))) this.i++;
    return this.s.slice(start, this.i);
  }
  peek(): string {
    return this.s[this.i] ?? '';
  }
  /** A quoted string at the cursor, unescaped; undefined when unterminated. */
  quoted(): string | undefined {
    let out = '';
    for (let j = this.i + 1; j < this.s.length; j++) {
      const ch = this.s[j];
      if (ch === '\\' && j + 1 < this.s.length) out += this.s[++j];
      else if (ch === '"') {
        this.i = j + 1;
        return out;
      } else out += ch;
    }
    return undefined;
  }
  /** True when the token at the cursor is followed by '=' (an auth-param, not a new scheme). */
  paramAhead(): boolean {
    const save = this.i;
    this.token();
    this.ws();
    const isParam = this.peek() === '=';
    this.i = save;
    return isParam;
  }
}

function readParam(c: Cursor, params: Record<string, string>): boolean {
  const name = c.token().toLowerCase();
  c.ws();
  if (name === '' || c.peek() !== '=') return false;
  c.i++;
  c.ws();
  const value = c.peek() === '"' ? c.quoted() : c.token();
  if (value === undefined) return false;
  params[name] = value;
  return true;
}

function skipSeparators(c: Cursor): void {
  c.ws();
  while (c.peek() === ',') {
    c.i++;
    c.ws();
  }
}

/** Parses every challenge or credential in one header value. Undefined when malformed. */
export function parseAuthValues(value: string): AuthValue[] | undefined {
  const out: AuthValue[] = [];
  const c = new Cursor(value);
  let current: AuthValue | undefined;
  for (;;) {
    skipSeparators(c);
    if (c.i >= value.length) return out;
    if (current && c.paramAhead()) {
      if (!readParam(c, current.params)) return undefined;
      continue;
    }
    const scheme = c.token();
    if (scheme === '') return undefined;
    current = { scheme, params: {} };
    out.push(current);
  }
}

const UNQUOTED = new Set(['algorithm', 'qop', 'nc', 'stale', 'userhash']);

/** Serializes `Scheme name="value", …`; algorithm, qop, nc, stale and userhash stay bare. */
export function serializeAuthValue(scheme: string, params: Array<[string, string | undefined]>): string {
  const parts: string[] = [];
  for (const [name, value] of params) {
    if (value === undefined) continue;
    parts.push(UNQUOTED.has(name) ? `${name}=${value}` : `${name}="${value.replace(/["\\]/g, (ch) => '\\' + ch)}"`);
  }
  return `${scheme} ${parts.join(', ')}`;
}

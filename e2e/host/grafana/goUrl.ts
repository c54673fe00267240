/**
 * Paths and URLs as Go handles them: path.Clean, url.PathUnescape, url.URL.EscapedPath and
 * url.Parse (Go's path and net/url), pkg/util/url.go `JoinURLFragments`, and a request target
 * split into its escaped path and raw query (`URL.EscapedPath()`, `URL.RawQuery`).
 */

/** A request target (path with query string) split as Go's URL keeps it: escaped path, raw query. */
export function splitRequestUrl(raw: string): { escapedPath: string; rawQuery: string } {
  const q = raw.indexOf('?');
  const pathPart = q === -1 ? raw : raw.slice(0, q);
  return { escapedPath: pathPart, rawQuery: q === -1 ? '' : raw.slice(q + 1) };
}

/** Go's path.Clean (lexical: `//`, `.`, `..`; no trailing slash; "" → "."). */
export function goPathClean(p: string): string {
  if (p === '') {
    return '.';
  }
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') {
      continue;
    }
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') {
        out.pop();
      } else if (!rooted) {
        out.push('..');
      }
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

/** pkg/util/url.go `JoinURLFragments`: one slash between a and b; b empty → a. */
export function joinURLFragments(a: string, b: string): string {
  if (b.length === 0) {
    return a;
  }
  const aslash = a.endsWith('/');
  const bslash = b.startsWith('/');
  if (aslash && bslash) {
    return a + b.slice(1);
  }
  if (!aslash && !bslash) {
    return `${a}/${b}`;
  }
  return a + b;
}

/** Go's url.PathUnescape (throws on a bad escape, as Go returns an error). */
export function goPathUnescape(s: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) {
    throw new Error(`invalid URL escape in ${s}`);
  }
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's url.URL.EscapedPath for a Path without a matching RawPath (`escape(path, encodePath)`). */
export function goEscapePath(p: string): string {
  let out = '';
  for (const byte of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The parts of Go's url.Parse the proxies use: scheme, host, and the unescaped path ("" when absent). */
export interface GoUrl {
  scheme: string;
  host: string;
  path: string;
  rawPath: string;
}

/**
 * Go's url.Parse for the URLs in plugin routes and datasource settings. A string without
 * `scheme://` parses as a relative reference (no scheme, no host): the transport then fails, 502.
 * Throws where url.Parse returns an error (a bad escape).
 */
export function goParseUrl(raw: string): GoUrl {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(raw);
  if (!m) {
    const rawPath = raw.split(/[?#]/)[0];
    return { scheme: '', host: '', path: goPathUnescape(rawPath), rawPath };
  }
  return { scheme: m[1].toLowerCase(), host: m[2], path: goPathUnescape(m[3]), rawPath: m[3] };
}

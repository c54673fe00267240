import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A web root for busybox httpd (`httpd -f -p 8080 -h /www`) in a new temporary folder: `page` at
 * /index.html, /cgi-bin/slow answering after 1 s, /cgi-bin/fail answering `Status: 503`.
 */
export function httpdWebRoot(prefix: string, page: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'cgi-bin'));
  writeFileSync(join(dir, 'index.html'), page);
  writeFileSync(
    join(dir, 'cgi-bin', 'slow'),
    '#!/bin/sh\nsleep 1\nprintf "Content-Type: text/plain\\r\\n\\r\\nslow\\n"\n'
  );
  writeFileSync(
    join(dir, 'cgi-bin', 'fail'),
    '#!/bin/sh\nprintf "Status: 503 Service Unavailable\\r\\nContent-Type: text/plain\\r\\n\\r\\ndown\\n"\n'
  );
  for (const f of ['', 'cgi-bin', 'cgi-bin/slow', 'cgi-bin/fail', 'index.html']) chmodSync(join(dir, f), 0o755);
  return dir;
}

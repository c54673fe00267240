import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OPENSSL = '/usr/bin/openssl';

/** A PEM certificate and key, with the files they were written to (for path-based configs). */
export interface Pem {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

/**
 * Throw-away certificates made with the openssl CLI at test time (ECDSA P-256: fast to generate),
 * in a temporary directory that `cleanup` removes.
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'fl-pki-'));
  private serial = 1;

  private run(...args: string[]): void {
    execFileSync(OPENSSL, args, { cwd: this.dir, stdio: 'pipe', timeout: 30_000 });
  }

  private pem(name: string): Pem {
    const certFile = join(this.dir, `${name}.crt`);
    const keyFile = join(this.dir, `${name}.key`);
    return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
  }

  /** A self-signed CA certificate, or with `leafExt` a self-signed leaf (as a kubelet makes for itself). */
  selfSigned(name: string, cn: string, leafExt?: string[]): Pem {
    const ext = leafExt
      ? ['basicConstraints=CA:FALSE', ...leafExt]
      : ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
    const cnf = join(this.dir, `${name}.cnf`);
    writeFileSync(
      cnf,
      [
        '[req]',
        'distinguished_name=dn',
        'x509_extensions=v3',
        '[dn]',
        '[v3]',
        'subjectKeyIdentifier=hash',
        ...ext,
      ].join('\n') + '\n'
    );
    this.run(
      'req',
      '-x509',
      '-config',
      cnf,
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`
    );
    return this.pem(name);
  }

  /**
   * A certificate signed by `ca`. `ext` lines go into the certificate, e.g.
   * `subjectAltName=IP:127.0.0.1` and `extendedKeyUsage=serverAuth`.
   */
  signed(name: string, ca: Pem, subject: string, ext: string[]): Pem {
    this.run(
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject
    );
    writeFileSync(join(this.dir, `${name}.ext`), ['basicConstraints=CA:FALSE', ...ext].join('\n') + '\n');
    this.run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-set_serial',
      String(this.serial++),
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`
    );
    return this.pem(name);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What one request to a local HTTPS server looked like. */
export interface SeenRequest {
  path: string;
  authorization: string | undefined;
  /** The verified client certificate's CN (mTLS), or null when none was presented. */
  clientCn: string | null;
}

/** A local HTTPS server on 127.0.0.1 with a free port; `handle` answers, every request is recorded. */
export async function startHttpsServer(
  tls: ServerOptions,
  handle: (req: IncomingMessage, res: ServerResponse) => void
): Promise<{ url: string; port: number; seen: SeenRequest[]; tlsErrors: Error[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const tlsErrors: Error[] = [];
  const server: Server = createServer(tls, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push({
      path: req.url ?? '',
      authorization: req.headers.authorization,
      clientCn: peer && peer.subject ? String(peer.subject.CN) : null,
    });
    handle(req, res);
  });
  server.on('tlsClientError', (e) => tlsErrors.push(e));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    seen,
    tlsErrors,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

import { ConfigError } from './config';
import { startBackend } from './server';

/** Entry point: configuration from the environment, graceful stop on SIGINT/SIGTERM. */
async function main() {
  try {
    const backend = await startBackend({}, { env: process.env });
    const stop = async () => {
      await backend.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

void main();

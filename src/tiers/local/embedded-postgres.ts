/**
 * Postgres with nothing installed: PGlite (Postgres compiled to WebAssembly, in this process)
 * behind a Postgres wire-protocol socket on a free port. In-memory, so every run starts empty.
 */
import { freePort } from '../free-port.js';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  // Loaded on first use: a WebAssembly Postgres is heavy, and only this provider needs it.
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  const db = await PGlite.create();
  const port = await freePort();
  // Several clients (pool + probe) may connect; PGlite serialises their queries.
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 16 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

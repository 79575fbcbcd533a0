/**
 * The driver's thread: runs each request on the Session, posts the reply on
 * the reply port, then raises the shared flag that the caller's thread is
 * blocked on (Atomics.wait), so that it wakes and takes the reply.
 */
import { parentPort, workerData } from "node:worker_threads";
import { CLIENT_CODES, clientFailure, passwordMask } from "./errors";
import { SIGNAL } from "./protocol";
import type { Reply, Request, WorkerData } from "./protocol";
import { Failure, Session } from "./session";

function serve(port: NonNullable<typeof parentPort>, data: WorkerData): void {
  const signal = new Int32Array(data.signal);
  const mask = passwordMask(data.settings.url);
  const session = new Session(data.settings, mask);
  let current: Request | undefined;

  const reply = (message: Reply, flag: number = SIGNAL.replied): void => {
    data.replies.postMessage(message);
    Atomics.store(signal, 0, flag);
    Atomics.notify(signal, 0);
  };

  const run = async (request: Request): Promise<Reply> => {
    const { id } = request;
    const done = { id, ok: true as const, result: { rows: [], rowCount: 0, command: request.kind.toUpperCase() } };
    try {
      switch (request.kind) {
        case "connect":
          await session.connect();
          return done;
        case "query":
          return { id, ok: true, result: await session.query(request.sql, request.params) };
        case "begin":
          await session.begin();
          return done;
        case "commit":
          await session.commit();
          return done;
        case "rollback":
          await session.rollback();
          return done;
        case "close":
          await session.close();
          return done;
      }
    } catch (error) {
      if (error instanceof Failure) return { id, ok: false, error: error.info };
      const text = mask(error instanceof Error ? (error.stack ?? error.message) : String(error));
      return { id, ok: false, error: clientFailure("XX000", `the PostgreSQL worker failed unexpectedly: ${text}`) };
    }
  };

  // The caller blocks on every call, so requests come one at a time; the chain keeps them in order regardless.
  let chain = Promise.resolve();
  port.on("message", (request: Request) => {
    chain = chain.then(async () => {
      current = request;
      const answer = await run(request);
      current = undefined;
      reply(answer);
    });
  });

  // A bug here must not leave the caller blocked for ever: answer, and say the thread is gone.
  const die = (error: unknown): void => {
    const text = mask(error instanceof Error ? (error.stack ?? error.message) : String(error));
    const info = clientFailure(CLIENT_CODES.connectionLost, `the PostgreSQL worker thread stopped: ${text}; connect again`);
    reply({ id: current?.id ?? -1, ok: false, error: info }, SIGNAL.dead);
    process.exit(1);
  };
  process.on("uncaughtException", die);
  process.on("unhandledRejection", die);
}

if (parentPort !== null) serve(parentPort, workerData as WorkerData);

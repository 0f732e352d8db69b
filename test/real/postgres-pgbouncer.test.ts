// PostgreSQL and PgBouncer as the tree configures them: a client reaches the database through the pooler with
// the Secret's password (the same SCRAM auth the Deployment asks for) and runs a transaction.
import { randomBytes } from "node:crypto";
import { renderApp } from "../support/real/manifests";
import { psql, Postgres, startPostgres } from "../support/real/postgres";
import { PgBouncer, startPgBouncer } from "../support/real/pgbouncer";
import { ServiceMap } from "../support/real/services";
import { stopAll } from "../support/real/process";

jest.setTimeout(120_000);

const objects = [...renderApp("apps/infra/postgresql"), ...renderApp("apps/infra/pgbouncer")];
const password = randomBytes(18).toString("base64url");
const secrets = { "postgresql-credentials": { password } };
let pg: Postgres;
let bouncer: PgBouncer;

beforeAll(async () => {
  pg = await startPostgres({ objects, secrets });
  const services = new ServiceMap(objects);
  services.register("postgresql-primary", "infra", 5432, { host: pg.host, port: pg.port });
  bouncer = await startPgBouncer({ objects, secrets, services });
});

afterAll(async () => {
  await bouncer?.stop();
  await pg?.stop();
  await stopAll();
});

test("a client runs a transaction through PgBouncer with the Secret's password", () => {
  const target = { host: bouncer.host, port: bouncer.port, user: pg.user, password, database: pg.database };
  const out = psql(
    target,
    "BEGIN; CREATE TABLE day_one (id int); INSERT INTO day_one VALUES (1), (2); SELECT sum(id) FROM day_one; COMMIT;",
  );
  expect(out).toBe("3");
  expect(psql(target, "SELECT current_user || '@' || current_database()")).toBe("bonsai@bonsai");
});

test("the pooler uses the auth method the Deployment names, and the server requires a password off loopback", () => {
  expect(bouncer.ini).toMatch(/^auth_type = scram-sha-256$/m);
  expect(bouncer.ini).toMatch(/^pool_mode = transaction$/m);
  const direct = { host: pg.host, port: pg.port, user: pg.user, password: "not-the-password", database: pg.database };
  expect(() => psql(direct, "SELECT 1")).toThrow(/password authentication failed/);
});

test("a wrong password through the pooler is refused", () => {
  const target = { host: bouncer.host, port: bouncer.port, user: pg.user, password: "wrong", database: pg.database };
  expect(() => psql(target, "SELECT 1")).toThrow(/password authentication failed|SASL authentication failed/);
});

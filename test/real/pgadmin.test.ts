// pgAdmin as apps/infra/pgadmin configures it, started as dpage/pgadmin4's entrypoint starts it: it must accept
// its login e-mail (the entrypoint exits on a special-use domain), write its configuration where the read-only
// root allows, and serve its login page and let the default user in.
import { randomBytes } from "node:crypto";
import { containerOf, renderApp } from "../support/real/manifests";
import { PgAdmin, pgadminLogin, startPgAdmin } from "../support/real/pgadmin";
import { stopAll } from "../support/real/process";

jest.setTimeout(600_000);

const objects = renderApp("apps/infra/pgadmin");
const password = randomBytes(18).toString("base64url");
const secrets = { "pgadmin-credentials": { password } };
let pga: PgAdmin;

beforeAll(async () => {
  pga = await startPgAdmin({ objects, secrets });
});

afterAll(async () => {
  await pga?.stop();
  await stopAll();
});

test("pgAdmin serves its login page and lets the default user in with the Secret's password", async () => {
  const login = await pgadminLogin(pga, pga.email, password);
  expect(login.page).toBe(200);
  expect(login.loginPage).toContain("pgAdmin");
  expect(login.accepted).toBe(true);
  expect((await pgadminLogin(pga, pga.email, "not-the-password")).accepted).toBe(false);
});

test("nothing the entrypoint runs fails under the platform's securityContext (postfix is off)", () => {
  expect(pga.warnings).toEqual([]);
});

test("the entrypoint's e-mail check, the real validator: the old admin@bonsai.local would have made it exit", async () => {
  const broken = JSON.parse(JSON.stringify(objects)) as typeof objects;
  const c = containerOf(broken, "Deployment", "pgadmin").container;
  c.env = c.env!.map(e => (e.name === "PGADMIN_DEFAULT_EMAIL" ? { ...e, value: "admin@bonsai.local" } : e));
  await expect(startPgAdmin({ objects: broken, secrets })).rejects.toThrow(
    /does not appear to be a valid email address/,
  );
});

test("config_distro.py must be on a volume: on the image's read-only root the entrypoint cannot write it", async () => {
  const broken = JSON.parse(JSON.stringify(objects)) as typeof objects;
  const c = containerOf(broken, "Deployment", "pgadmin").container;
  c.env = c.env!.filter(e => e.name !== "PGADMIN_CUSTOM_CONFIG_DISTRO_FILE");
  await expect(startPgAdmin({ objects: broken, secrets })).rejects.toThrow(
    /writes \/pgadmin4, which is on its read-only root/,
  );
});

import { RefreshingList } from "../../capabilities/live-state";
import type { KubeObject } from "../../capabilities/k8s/object";

const obj = (name: string): KubeObject => ({ apiVersion: "v1", kind: "LimitRange", metadata: { name } });

describe("RefreshingList (the admission path's copy of cluster lists)", () => {
  it("loads once, then serves from memory within its TTL", async () => {
    let calls = 0;
    const list = new RefreshingList("x", async () => [obj(`v${++calls}`)], 60_000);
    expect(await list.items()).toEqual([obj("v1")]);
    expect(await list.items()).toEqual([obj("v1")]);
    expect(calls).toBe(1);
  });

  it("reloads before answering when asked for a list younger than its age", async () => {
    let calls = 0;
    const list = new RefreshingList("x", async () => [obj(`v${++calls}`)], 60_000);
    await list.items();
    await new Promise(r => setTimeout(r, 20));
    expect(await list.items(5)).toEqual([obj("v2")]);
  });

  it("reloads in the background, without waiting, once the list is half the asked-for age", async () => {
    // The clock is the test's own: a loaded machine must not turn "10 ms later" into "another half-age reload"
    let now = 1_000_000;
    const clock = jest.spyOn(Date, "now").mockImplementation(() => now);
    try {
      let calls = 0;
      let release: () => void = () => {};
      const list = new RefreshingList(
        "x",
        async () => {
          calls++;
          if (calls > 1) await new Promise<void>(r => (release = r));
          return [obj(`v${calls}`)];
        },
        60_000,
      );
      await list.items();
      now += 60;
      // 60 ms old, asked for at most 100 ms: served at once, a reload started behind it
      expect(await list.items(100)).toEqual([obj("v1")]);
      expect(calls).toBe(2);
      release();
      await new Promise(r => setImmediate(r));
      now += 10;
      expect(await list.items(100)).toEqual([obj("v2")]);
      expect(calls).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });

  it("keeps the last known list when a reload fails", async () => {
    let fail = false;
    const list = new RefreshingList(
      "x",
      async () => {
        if (fail) throw new Error("API server down");
        return [obj("ok")];
      },
      0,
    );
    expect(await list.items()).toEqual([obj("ok")]);
    fail = true;
    expect(await list.items(0)).toEqual([obj("ok")]);
  });

  it("never waits longer than its first-load timeout for an API server that does not answer", async () => {
    const list = new RefreshingList("x", () => new Promise<KubeObject[]>(() => {}), 5_000, 50);
    const started = Date.now();
    expect(await list.items()).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

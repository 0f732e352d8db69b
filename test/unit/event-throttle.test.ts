import { denialEvent } from "../../capabilities/reports/admission-results";
import { EventThrottle, eventKey } from "../../capabilities/reports/event-throttle";
import { compliantPod } from "../support/pods";

describe("denial event throttle", () => {
  it("writes one event per object and message within the window, then again after it", () => {
    const t = new EventThrottle(60_000);
    expect(t.admit("a", 0)).toBe(true);
    expect(t.admit("a", 1_000)).toBe(false);
    expect(t.admit("a", 59_999)).toBe(false);
    expect(t.admit("a", 60_000)).toBe(true);
  });

  it("keeps distinct objects and distinct messages apart", () => {
    const t = new EventThrottle(60_000);
    const pod = compliantPod("web");
    const other = compliantPod("api");
    const e1 = denialEvent(pod, "privileged")!;
    expect(t.admit(eventKey(e1), 0)).toBe(true);
    expect(t.admit(eventKey(denialEvent(pod, "hostNetwork")!), 0)).toBe(true);
    expect(t.admit(eventKey(denialEvent(other, "privileged")!), 0)).toBe(true);
    expect(t.admit(eventKey(denialEvent(pod, "privileged")!), 10)).toBe(false);
  });

  it("stays bounded: expired keys go first, then the oldest half", () => {
    const t = new EventThrottle(1_000, 100);
    for (let i = 0; i < 100; i++) t.admit(`k${i}`, 0);
    expect(t.size).toBe(100);
    t.admit("late", 5_000); // all 100 expired
    expect(t.size).toBe(1);
    const fresh = new EventThrottle(60_000, 100);
    for (let i = 0; i < 100; i++) fresh.admit(`k${i}`, i);
    fresh.admit("new", 200);
    expect(fresh.size).toBe(51);
    expect(fresh.admit("k0", 201)).toBe(true); // the oldest were dropped
    expect(fresh.admit("k99", 201)).toBe(false); // the newest kept
  });
});

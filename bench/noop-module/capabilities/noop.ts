import { Capability, a } from "pepr";

/**
 * Binds the same kinds and operations as the guardrails module (Pod mutation on create, validation of Pod
 * updates and of workloads on create/update; bench/admission checks the rules are equal) and approves every request unchanged, so a benchmark against this module
 * pays for everything Pepr does per request (TLS, Express, JSON, binding match, request wrappers, the
 * JSON patch, logging) and nothing of Bonsai's.
 */
export const Noop = new Capability({
  name: "noop",
  description: "Approve-only bindings: the admission benchmark's baseline",
});

const { When } = Noop;

When(a.Pod)
  .IsCreated()
  .Mutate(() => undefined);

const approve = <T>(req: { Approve: () => T }) => req.Approve();
When(a.Pod).IsUpdated().Validate(approve);
When(a.Deployment).IsCreatedOrUpdated().Validate(approve);
When(a.StatefulSet).IsCreatedOrUpdated().Validate(approve);
When(a.DaemonSet).IsCreatedOrUpdated().Validate(approve);
When(a.ReplicaSet).IsCreatedOrUpdated().Validate(approve);
When(a.Job).IsCreatedOrUpdated().Validate(approve);
When(a.CronJob).IsCreatedOrUpdated().Validate(approve);
When(a.Service).IsCreatedOrUpdated().Validate(approve);
When(a.ResourceQuota).IsCreatedOrUpdated().Validate(approve);
When(a.LimitRange).IsCreatedOrUpdated().Validate(approve);
When(a.NetworkPolicy).IsCreatedOrUpdated().Validate(approve);
When(a.NetworkPolicy).IsDeleted().Validate(approve);

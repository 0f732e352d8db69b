import { a, RegisterKind } from "pepr";
import { EXEMPTION_GROUP, EXEMPTION_KIND, EXEMPTION_VERSION } from "../engine/exemptions";

/** Bonsai's Exemption custom resource (CRD in apps/crds/exemptions), as the Pepr client sees it. */
export class ExemptionKind extends a.GenericKind {
  spec?: {
    reason?: string;
    policies?: { policy?: string; rules?: string[] }[];
    match?: { namespaces?: string[]; kinds?: string[]; names?: string[] };
  };
}

RegisterKind(ExemptionKind, {
  group: EXEMPTION_GROUP,
  version: EXEMPTION_VERSION,
  kind: EXEMPTION_KIND,
  plural: "exemptions",
});

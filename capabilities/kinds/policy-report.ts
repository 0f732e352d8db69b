import { a, RegisterKind } from "pepr";
import { REPORT_API_VERSION } from "../reports/policy-report";

const [group, version] = REPORT_API_VERSION.split("/");

/** wgpolicyk8s.io/v1alpha2 PolicyReport (CRDs in apps/crds/policy-reports), for the Pepr client. */
export class PolicyReportKind extends a.GenericKind {}
export class ClusterPolicyReportKind extends a.GenericKind {}

RegisterKind(PolicyReportKind, { group, version, kind: "PolicyReport", plural: "policyreports" });
RegisterKind(ClusterPolicyReportKind, { group, version, kind: "ClusterPolicyReport", plural: "clusterpolicyreports" });

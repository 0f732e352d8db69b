import { a } from "pepr";
import { EXEMPTION_KIND } from "../engine/exemptions";
import { ExemptionKind } from "./exemption";

type Model = typeof a.GenericKind;

/** Pepr's model class of a kind the registry governs (its built-in ones are named after the kind). */
export function modelOf(kind: string): Model {
  if (kind === EXEMPTION_KIND) return ExemptionKind;
  const model = (a as unknown as Record<string, Model | undefined>)[kind];
  if (!model) throw new Error(`Pepr has no model for kind ${kind}; add one in capabilities/kinds/`);
  return model;
}

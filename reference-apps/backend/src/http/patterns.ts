/**
 * The patterns the schemas use on user input, all linear-time (no nested quantifiers), each with the words an
 * error message uses instead of the raw expression.
 */
export const UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
export const NOT_BLANK = "\\S";
export const LIMIT = "^(100|[1-9][0-9]?)$";

export const PATTERN_WORDS: Record<string, string> = {
  [UUID]: "must be an order id (a lower-case UUID such as 0b9e4c3a-5f1d-4c7e-9a2b-3d4e5f6a7b8c)",
  [NOT_BLANK]: "must contain a character other than spaces",
  [LIMIT]: "must be a whole number from 1 to 100",
};

// Pepr's logger (pino) writes JSON lines asynchronously: in Jest they land after the summary and bury it.
// Tests assert on results, never on these lines; set LOG_LEVEL to see them. The module that e2e tests start
// as `pepr dev` logs at BONSAI_MODULE_LOG_LEVEL (default info) into its own log file, whatever this says.
process.env.LOG_LEVEL ??= "silent";

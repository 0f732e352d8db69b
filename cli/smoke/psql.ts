/** psql's arguments for one quiet, unaligned, fail-fast command (the smoke check and the test harness share them). */
export function psqlArgs(host: string, port: number, user: string, db: string, sql: string): string[] {
  return [
    "-X",
    "-q",
    "-A",
    "-t",
    "-v",
    "ON_ERROR_STOP=1",
    "-h",
    host,
    "-p",
    String(port),
    "-U",
    user,
    "-d",
    db,
    "-c",
    sql,
  ];
}

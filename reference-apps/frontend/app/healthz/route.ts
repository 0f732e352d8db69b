// The frontend's own probe: it answers without the backend (a backend outage must not restart the frontend).
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok" });
}

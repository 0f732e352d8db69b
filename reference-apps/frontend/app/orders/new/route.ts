import { createOrder } from "../../../lib/backend";

const MAX_FORM_BYTES = 16 * 1024;

const field = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === "string" ? v.trim() : "";
};

function redirect(location: string): Response {
  // A relative Location: behind the ingress the request's own URL names the pod, not app.local.
  return new Response(null, { status: 303, headers: { location } });
}

/**
 * The create form's target (a plain HTML form: it works without JavaScript). Success goes to the order's page;
 * a refused order goes back to the form with the backend's reason; an unavailable backend is a 503 page.
 */
export async function POST(req: Request): Promise<Response> {
  if (Number(req.headers.get("content-length") ?? 0) > MAX_FORM_BYTES)
    return new Response(`form larger than ${MAX_FORM_BYTES} bytes\n`, { status: 413 });
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    return new Response("expected a form (application/x-www-form-urlencoded or multipart/form-data)\n", {
      status: 415,
    });
  }
  const quantity = field(form, "quantity");
  const r = await createOrder({
    customer: field(form, "customer"),
    item: field(form, "item"),
    // Digits become a number; anything else is passed on so the backend names the problem.
    quantity: /^[0-9]{1,6}$/.test(quantity) ? Number(quantity) : quantity,
  });
  if (r.ok) return redirect(`/orders/${r.value.id}`);
  if (r.status >= 400 && r.status < 500) return redirect(`/?error=${encodeURIComponent(r.message)}`);
  return new Response(`The order was not created: ${r.message}. Try again shortly.\n`, {
    status: 503,
    headers: { "retry-after": "2", "content-type": "text/plain; charset=utf-8" },
  });
}

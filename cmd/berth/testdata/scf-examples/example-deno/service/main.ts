Deno.serve({ port: Number(Deno.env.get("PORT") ?? 8080) }, (req) =>
  new URL(req.url).pathname === "/health" ? new Response("ok") : new Response("hello from deno\n"));

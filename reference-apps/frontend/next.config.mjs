import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The repository root: npm workspaces hoist the packages there, so the standalone output must trace from it.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** @type {import('next').NextConfig} */
const config = {
  // A self-contained server (server.js + the traced node_modules) for a small image.
  output: "standalone",
  outputFileTracingRoot: root,
  turbopack: { root },
  poweredByHeader: false,
  reactStrictMode: true,
  // No image optimisation: it would need a writable cache and sharp in the image; the app has no images.
  images: { unoptimized: true },
};

export default config;

import type { ReactNode } from "react";

export const metadata = { title: "Bonsai orders", description: "Bonsai's reference frontend" };

// System fonts only: next/font/google downloads at build time, which fails offline and leaks the build.
const css = `
  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; padding: 0 1rem; color: #1d2b1f; }
  h1 { color: #2f5d34; } table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #ccd; padding: .3rem; text-align: left; }
  .error { background: #fde8e8; border: 1px solid #e0a0a0; padding: .5rem; } .pending { color: #8a6d00; } .done { color: #2f5d34; }
  form label { display: block; margin: .4rem 0; } input { margin-left: .5rem; }
`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <style>{css}</style>
        {children}
      </body>
    </html>
  );
}
